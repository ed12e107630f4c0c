/**
 * Restarts of a real member process on the same data dir: after SIGKILL every acknowledged
 * write is there at its revision; SIGTERM exits 0 and loses nothing; a restart with different
 * --initial-cluster flags keeps the member's identity (etcd ignores them on an existing data
 * dir); a lease's keys survive a restart and still expire.
 */
import assert from 'node:assert/strict';
import type { Client } from '@grpc/grpc-js';
import { after, describe, it } from 'node:test';
import { rawClient, unaryCall, type RangeOut } from '../helpers/grpc.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually } from '../helpers/wait.js';

const text = (value: string): Buffer => Buffer.from(value);
const keyOf = (i: number): string => `key/${String(i).padStart(6, '0')}`;
const valueOf = (i: number): string => `value-${i}`;

interface PutOut {
  header: { revision: string };
}

/** Puts keys [from, to) over `clients` connections, `inflight` at a time; records each revision. */
async function writeKeys(options: {
  clients: readonly Client[];
  from: number;
  to: number;
  inflight: number;
  prefix?: (i: number) => string;
  acknowledged: Map<number, number>;
  stopOnError?: boolean;
}): Promise<void> {
  const { clients, to, inflight, acknowledged } = options;
  const key = options.prefix ?? keyOf;
  let next = options.from;
  const worker = async (w: number): Promise<void> => {
    const client = clients[w % clients.length] as Client;
    while (next < to) {
      const i = next++;
      let put: PutOut;
      try {
        put = await unaryCall<PutOut>(client, 'Put', {
          key: text(key(i)),
          value: text(valueOf(i)),
        });
      } catch (error) {
        if (options.stopOnError === true) return;
        throw error;
      }
      acknowledged.set(i, Number(put.header.revision));
    }
  };
  await Promise.all(Array.from({ length: inflight }, (_, w) => worker(w)));
}

/** Every key under `prefix` with its mod revision and value, by pages of `pageSize`. */
async function pagedRange(
  kv: Client,
  prefix: string,
  pageSize: number,
): Promise<Map<string, { modRevision: number; createRevision: number; value: string }>> {
  const out = new Map<string, { modRevision: number; createRevision: number; value: string }>();
  const end = text(
    prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
  );
  let from = text(prefix);
  let revision = '0';
  for (;;) {
    const page = await unaryCall<RangeOut>(kv, 'Range', {
      key: from,
      rangeEnd: end,
      limit: String(pageSize),
      revision,
    });
    revision = page.header.revision; // every page at the same revision
    for (const kv of page.kvs) {
      out.set(kv.key.toString(), {
        modRevision: Number(kv.modRevision),
        createRevision: Number(kv.createRevision),
        value: kv.value.toString(),
      });
    }
    if (!page.more) return out;
    from = Buffer.concat([(page.kvs.at(-1) as { key: Buffer }).key, Buffer.from([0])]);
  }
}

function connect(member: MemberProcess, count: number): Client[] {
  return Array.from({ length: count }, () => rawClient('KV', member.endpoint));
}

describe('restarting a member on the same data dir', () => {
  after(() => MemberProcess.destroyAll());

  it('after SIGKILL, all 100,000 acknowledged puts are there at their revisions', async () => {
    const member = await MemberProcess.start();
    const total = 100_000;
    const acknowledged = new Map<number, number>();
    // Two connections, 64 puts in flight: measured as fast as 4 x 256 on this member, which
    // is bound by its commit pipeline, not by the generator (see the report line below).
    let clients = connect(member, 2);
    const started = Date.now();
    await writeKeys({ clients, from: 0, to: total, inflight: 64, acknowledged }).catch(
      (error: unknown) => {
        throw new Error(
          `writing failed after ${acknowledged.size} puts: ${String(error)}; ${member.describe()}`,
        );
      },
    );
    const wrote = Date.now() - started;
    assert.equal(acknowledged.size, total);
    // Keep writing, and crash the member with puts in flight: those acknowledged must survive.
    const inflightAcked = new Map<number, number>();
    const writing = writeKeys({
      clients,
      from: 0,
      to: 1_000_000,
      inflight: 64,
      prefix: (i) => `late/${String(i).padStart(7, '0')}`,
      acknowledged: inflightAcked,
      stopOnError: true,
    });
    await eventually(
      '1,000 puts acknowledged after the first 100,000',
      () => inflightAcked.size,
      (n) => n >= 1000,
    );
    const killed = await member.kill();
    assert.equal(killed.signal, 'SIGKILL');
    await writing;
    for (const client of clients) client.close();

    const restartStarted = Date.now();
    await member.restart();
    const restarted = Date.now() - restartStarted;
    clients = connect(member, 1);
    const kv = clients[0] as Client;
    const verifyStarted = Date.now();
    const stored = await pagedRange(kv, 'key/', 10_000);
    assert.equal(stored.size, total);
    for (const [i, revision] of acknowledged) {
      const found = stored.get(keyOf(i));
      assert.deepEqual(
        found,
        { modRevision: revision, createRevision: revision, value: valueOf(i) },
        keyOf(i),
      );
    }
    const late = await pagedRange(kv, 'late/', 10_000);
    for (const [i, revision] of inflightAcked) {
      const found = late.get(`late/${String(i).padStart(7, '0')}`);
      assert.equal(found?.modRevision, revision, `acknowledged late put ${i} lost by the crash`);
    }
    // Revisions are one global order: 100,000 distinct ones.
    assert.equal(new Set(acknowledged.values()).size, total);
    const verified = Date.now() - verifyStarted;
    console.log(
      `# restart: ${total} puts in ${wrote} ms (${Math.round((total / wrote) * 1000)}/s), ` +
        `${inflightAcked.size} more acknowledged before SIGKILL (${late.size} on disk), ` +
        `restart in ${restarted} ms, paged verify in ${verified} ms`,
    );
    clients[0]?.close();
    await member.destroy();
  });

  it('SIGTERM shuts down cleanly (exit 0) and the restarted member has the data', async () => {
    const member = await MemberProcess.start();
    const clients = connect(member, 1);
    const acknowledged = new Map<number, number>();
    await writeKeys({ clients, from: 0, to: 500, inflight: 32, acknowledged });
    clients[0]?.close();
    await member.stop(); // asserts exit code 0
    await member.restart();
    const kv = rawClient('KV', member.endpoint);
    const stored = await pagedRange(kv, 'key/', 100);
    assert.equal(stored.size, 500);
    for (const [i, revision] of acknowledged)
      assert.equal(stored.get(keyOf(i))?.modRevision, revision);
    // And it serves writes at the next revision.
    const put = await unaryCall<PutOut>(kv, 'Put', { key: text('after'), value: text('x') });
    assert.equal(Number(put.header.revision), Math.max(...acknowledged.values()) + 1);
    kv.close();
    await member.stop();
    await member.destroy();
  });

  it('a restart with different --initial-cluster flags keeps the old identity, as etcd does', async () => {
    const member = await MemberProcess.start({ name: 'm1' });
    const identity = async (): Promise<{ memberId: string; clusterId: string }> => {
      const kv = rawClient('KV', member.endpoint);
      try {
        return (await unaryCall<RangeOut>(kv, 'Range', { key: text('any') })).header;
      } finally {
        kv.close();
      }
    };
    const before = await identity();
    const kv = rawClient('KV', member.endpoint);
    await unaryCall(kv, 'Put', { key: text('kept'), value: text('yes') });
    kv.close();
    await member.stop();
    await member.restart({
      args: [
        '--initial-cluster',
        'm1=http://127.0.0.1:12380',
        '--initial-advertise-peer-urls',
        'http://127.0.0.1:12380',
        '--initial-cluster-token',
        'another-token',
      ],
    });
    const afterRestart = await identity();
    assert.equal(afterRestart.memberId, before.memberId);
    assert.equal(afterRestart.clusterId, before.clusterId);
    const again = rawClient('KV', member.endpoint);
    const kept = await unaryCall<RangeOut>(again, 'Range', { key: text('kept') });
    assert.equal(kept.kvs[0]?.value.toString(), 'yes');
    again.close();
    // A fresh data dir with those flags would be a different member: the flags do matter.
    const fresh = await MemberProcess.start({
      name: 'm1',
      args: [
        '--initial-cluster',
        'm1=http://127.0.0.1:12380',
        '--initial-advertise-peer-urls',
        'http://127.0.0.1:12380',
        '--initial-cluster-token',
        'another-token',
      ],
    });
    const freshKv = rawClient('KV', fresh.endpoint);
    const freshId = (await unaryCall<RangeOut>(freshKv, 'Range', { key: text('any') })).header;
    freshKv.close();
    assert.notEqual(freshId.memberId, before.memberId);
    await fresh.destroy();
    await member.destroy();
  });

  it('a leased key survives a restart at 3 s and is deleted after its 10 s TTL', async () => {
    const member = await MemberProcess.start();
    let lease = rawClient('Lease', member.endpoint);
    let kv = rawClient('KV', member.endpoint);
    const granted = Date.now();
    const grant = await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: '10' });
    await unaryCall(kv, 'Put', { key: text('leased'), value: text('v'), lease: grant.ID });
    lease.close();
    kv.close();
    await eventually(
      '3 s since the grant',
      () => Date.now() - granted,
      (ms) => ms >= 3000,
      {
        timeoutMs: 5000,
        intervalMs: 50,
      },
    );
    await member.kill();
    await member.restart();
    const restartedAt = Date.now() - granted;
    lease = rawClient('Lease', member.endpoint);
    kv = rawClient('KV', member.endpoint);
    const ttl = await unaryCall<{ TTL: string; grantedTTL: string }>(lease, 'LeaseTimeToLive', {
      ID: grant.ID,
    });
    assert.equal(ttl.grantedTTL, '10');
    assert.ok(Number(ttl.TTL) > 0, `remaining TTL after restart: ${ttl.TTL}`);
    const gone = await eventually(
      'the leased key to be deleted by expiry',
      async () => ({
        present: (await unaryCall<RangeOut>(kv, 'Range', { key: text('leased') })).kvs.length > 0,
        at: Date.now() - granted,
      }),
      (probe) => !probe.present,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // Never before the TTL (DESIGN.md promise 5). Tolerance above: without a checkpoint
    // (--lease checkpoints every 5 min) the restarted leader starts the lease's full TTL again,
    // plus an election timeout of grace, as etcd's lessor does on promotion.
    assert.ok(gone.at >= 10_000, `deleted ${gone.at} ms after the grant, before its 10 s TTL`);
    const latest = restartedAt + 10_000 + 1000 + 3000; // TTL + grace + 3 s of tolerance
    assert.ok(gone.at <= latest, `deleted ${gone.at} ms after the grant; expected by ${latest} ms`);
    console.log(
      `# lease: restarted at ${restartedAt} ms, key deleted at ${gone.at} ms after the grant`,
    );
    lease.close();
    kv.close();
    await member.destroy();
  });
});
