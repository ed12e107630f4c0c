/**
 * Services: instances registered under a registry prefix (default `/concord/services/`),
 * one key per instance, `<prefix><service>/<instance>`, its value the instance's address or a
 * JSON description, usually held by a lease so a crashed instance disappears on its own.
 */
import { useState } from 'preact/hooks';
import type { KeyValue, RangeResponse } from '../api.js';
import { call } from '../api.js';
import { leaseHex, prefixRange, text } from '../bytes.js';
import { Card, Empty, ErrorNote, PrefixForm } from '../common.js';
import { usePoll } from '../use-poll.js';

const instancesMax = 2000;

function describe(value: string): string {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const address = record.address ?? record.addr ?? record.endpoint ?? record.url;
      if (typeof address === 'string') return address;
    }
  } catch {
    // Not JSON: the value is the address itself.
  }
  return value;
}

export function ServicesView() {
  const [prefix, setPrefix] = useState('/concord/services/');
  const [draft, setDraft] = useState(prefix);
  const scan = usePoll(
    () => call<RangeResponse>('/v3/kv/range', { ...prefixRange(prefix), limit: instancesMax }),
    2000,
    [prefix],
  );
  const services = new Map<string, KeyValue[]>();
  for (const kv of scan.data?.kvs ?? []) {
    const rest = text(kv.key).slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    services.set(name, [...(services.get(name) ?? []), kv]);
  }
  return (
    <Card
      title="Services"
      testid="services"
      actions={
        <PrefixForm
          value={draft}
          onInput={setDraft}
          onApply={() => setPrefix(draft)}
          button="Show"
          label="registry prefix"
        />
      }
    >
      <ErrorNote error={scan.error} />
      {scan.data !== undefined && services.size === 0 && (
        <Empty>
          No instances under <span class="mono">{prefix}</span>.
        </Empty>
      )}
      <div class="grid">
        {[...services].map(([name, instances]) => (
          <div class="service" key={name} data-testid={`service-${name}`}>
            <h3>
              {name} <span class="badge follower">{instances.length}</span>
            </h3>
            <ul>
              {instances.map((kv) => {
                const key = text(kv.key);
                return (
                  <li key={kv.key}>
                    <span class="dot good" />
                    <span class="mono small">
                      {key.slice(prefix.length + name.length + 1) || key}
                    </span>
                    <span class="muted"> {describe(text(kv.value))}</span>
                    {kv.lease !== undefined && (
                      <span class="muted small"> · lease {leaseHex(kv.lease)}</span>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </Card>
  );
}
