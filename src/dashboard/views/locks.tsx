/**
 * Locks and elections in progress, found by etcd's conventions (clientv3/concurrency, which
 * etcdctl lock/elect and Concord's Lock and Election services follow): a contender puts
 * `<name>/<lease ID in hex>` with its session's lease; the key with the lowest create revision
 * under `<name>/` holds the lock or leads the election (its value is the leader's proposal),
 * and the others wait in create-revision order.
 */
import { useState } from 'preact/hooks';
import type { KeyValue, RangeResponse } from '../api.js';
import { call } from '../api.js';
import { leaseHex, prefixRange, text } from '../bytes.js';
import { Card, Empty, ErrorNote, PrefixForm } from '../common.js';
import { usePoll } from '../use-poll.js';

const scanKeysMax = 5000;

interface Contended {
  readonly name: string;
  /** By create revision: the first holds the lock / leads. */
  readonly contenders: readonly KeyValue[];
}

/** Groups keys shaped `<name>/<hex lease ID>` whose lease is that ID. */
export function contended(kvs: readonly KeyValue[]): Contended[] {
  const groups = new Map<string, KeyValue[]>();
  for (const kv of kvs) {
    const key = text(kv.key);
    const slash = key.lastIndexOf('/');
    if (slash < 0 || kv.lease === undefined) continue;
    const suffix = key.slice(slash + 1);
    if (!/^[0-9a-f]+$/.test(suffix) || BigInt(`0x${suffix}`).toString() !== kv.lease) continue;
    const name = key.slice(0, slash);
    groups.set(name, [...(groups.get(name) ?? []), kv]);
  }
  return [...groups]
    .map(([name, contenders]) => ({
      name,
      contenders: contenders.sort((a, b) => Number(a.create_revision) - Number(b.create_revision)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function LocksView() {
  const [prefix, setPrefix] = useState('');
  const [draft, setDraft] = useState('');
  const scan = usePoll(
    () => call<RangeResponse>('/v3/kv/range', { ...prefixRange(prefix), limit: scanKeysMax }),
    2000,
    [prefix],
  );
  const groups = contended(scan.data?.kvs ?? []);
  return (
    <div class="stack">
      <Card
        title="Locks & elections"
        testid="locks"
        actions={
          <PrefixForm
            value={draft}
            onInput={setDraft}
            onApply={() => setPrefix(draft)}
            button="Scan"
            placeholder="under prefix (all keys)"
          />
        }
      >
        <p class="muted small">
          Keys named <span class="mono">&lt;name&gt;/&lt;lease&gt;</span> held by that lease, as
          etcd's lock and election recipes write them. The oldest contender holds; the rest wait in
          order.
        </p>
        <ErrorNote error={scan.error} />
        {scan.data?.more === true && (
          <p class="note">Only the first {scanKeysMax} keys were scanned; narrow the prefix.</p>
        )}
        {scan.data !== undefined && groups.length === 0 && (
          <Empty>No lock or election in progress.</Empty>
        )}
        <div class="grid">
          {groups.map((group) => {
            // Election candidates put their proposal as the value; lock keys are empty.
            const election = group.contenders.some((kv) => kv.value !== undefined);
            return (
              <div class="lock" key={group.name} data-testid={`lock-${group.name}`}>
                <h3>
                  <span class="mono">{group.name}</span>{' '}
                  <span class="muted small">{election ? 'election' : 'lock'}</span>
                </h3>
                <ol>
                  {group.contenders.map((kv, i) => (
                    <li key={kv.key} class={i === 0 ? 'holder' : 'waiter'}>
                      <span class={`badge ${i === 0 ? 'leader' : 'follower'}`}>
                        {i === 0 ? (election ? 'leads' : 'holds') : `waits #${i}`}
                      </span>{' '}
                      <span class="mono small">lease {leaseHex(kv.lease)}</span>
                      {kv.value !== undefined && (
                        <span class="muted"> — {text(kv.value)}</span>
                      )}{' '}
                      <span class="muted small">since rev {kv.create_revision}</span>
                    </li>
                  ))}
                </ol>
              </div>
            );
          })}
        </div>
      </Card>
    </div>
  );
}
