// The member in-process, on a real temp directory and the real clock: writes, reads, leases,
// watches and restart, without the gRPC front door.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Event } from '../../src/mvcc/types.js';
import { Member } from '../../src/node/member.js';
import type { MemberOptions } from '../../src/node/member-options.js';
import { soloMemberOptions } from '../helpers/solo-member.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// This member advertises a client URL (nothing listens there: no server in these tests).
function options(dataDir: string, overrides: Partial<MemberOptions> = {}): MemberOptions {
  return soloMemberOptions(dataDir, { clientUrls: ['http://127.0.0.1:2379'], ...overrides });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'concord-member-'));
  dirs.push(dir);
  return dir;
}

describe('member', () => {
  it('writes, reads linearizably and serializably, and answers with headers', async () => {
    const member = await Member.open(options(tempDir()));
    try {
      const put = await member.put({ key: enc('a'), value: enc('1') });
      assert.equal(put.header.revision, 2);
      assert.equal(put.header.memberId, member.identity.memberId);
      const got = await member.range({ key: enc('a') });
      assert.equal(dec(got.response.kvs[0]!.value), '1');
      const serial = await member.range({ key: enc('a'), serializable: true });
      assert.equal(serial.response.count, 1);
      const txn = await member.txn({
        compare: [{ target: 'VALUE', result: 'EQUAL', key: enc('a'), value: enc('1') }],
        success: [{ requestPut: { key: enc('a'), value: enc('2') } }],
        failure: [],
      });
      assert.equal(txn.response.succeeded, true);
      assert.equal(txn.header.revision, 3);
    } finally {
      await member.close();
    }
  });

  it('rejects a put with an unknown lease with etcd error, changing nothing', async () => {
    const member = await Member.open(options(tempDir()));
    try {
      await assert.rejects(member.put({ key: enc('k'), value: enc('v'), lease: 12345n }), {
        code: 'LeaseNotFound',
      });
      const all = await member.range({ key: enc('\0'), rangeEnd: enc('\0') });
      assert.equal(all.response.count, 0);
    } finally {
      await member.close();
    }
  });

  it('keeps every acknowledged write across a restart', async () => {
    const dir = tempDir();
    let member = await Member.open(options(dir));
    const revisions = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        member.put({ key: enc(`k${i}`), value: enc(`v${i}`) }).then((r) => r.header.revision),
      ),
    );
    const id = member.identity.memberId;
    await member.close();
    member = await Member.open(options(dir, { initialClusterToken: 'ignored-now' }));
    try {
      assert.equal(member.identity.memberId, id, 'identity survives; flags are ignored');
      for (let i = 0; i < 200; i += 37) {
        const got = await member.range({ key: enc(`k${i}`) });
        assert.equal(got.response.kvs[0]!.modRevision, revisions[i]);
      }
      const next = await member.put({ key: enc('after'), value: enc('x') });
      assert.equal(next.header.revision, Math.max(...revisions) + 1);
    } finally {
      await member.close();
    }
  });

  it('expires a lease after its TTL and deletes its keys in one revision', async () => {
    const member = await Member.open(options(tempDir()));
    try {
      const { response: lease } = await member.leaseGrant(0n, 1);
      assert.ok(lease.id > 0n);
      await member.put({ key: enc('l1'), value: enc('x'), lease: lease.id });
      await member.put({ key: enc('l2'), value: enc('y'), lease: lease.id });
      const ttl = await member.leaseTimeToLive(lease.id, true);
      assert.deepEqual(ttl.response.keys.map(dec).sort(), ['l1', 'l2']);
      const deadline = Date.now() + 5000;
      for (;;) {
        const left = await member.range({ key: enc('l'), rangeEnd: enc('m') });
        if (left.response.count === 0) break;
        assert.ok(Date.now() < deadline, 'waited 5 s for the 1 s lease to expire');
        await new Promise((r) => setTimeout(r, 50));
      }
      const gone = await member.leaseTimeToLive(lease.id, false);
      assert.equal(gone.response.ttl, -1);
    } finally {
      await member.close();
    }
  });

  it('delivers watch events of one txn together, from a past revision too', async () => {
    const member = await Member.open(options(tempDir()));
    try {
      await member.put({ key: enc('w/a'), value: enc('1') });
      const seen: Event[][] = [];
      let wake: () => void = () => undefined;
      const handle = member.watch(
        {
          key: enc('w/'),
          rangeEnd: enc('w0'),
          startRevision: 1,
          prevKv: false,
          noPut: false,
          noDelete: false,
        },
        {
          events: (events) => {
            seen.push([...events]);
            wake();
            return true;
          },
          canceled: () => assert.fail('not canceled'),
        },
      );
      await member.txn({
        compare: [],
        success: [
          { requestPut: { key: enc('w/b'), value: enc('2') } },
          { requestPut: { key: enc('w/c'), value: enc('3') } },
        ],
        failure: [],
      });
      // The catch-up from revision 1 may come before the txn applies (two batches) or after
      // it (one batch of both revisions): either way in order, and the txn's two events
      // together.
      const keys = (): string[] => seen.flat().map((e) => dec(e.kv.key));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`waited 2 s for 3 watch events, saw ${JSON.stringify(keys())}`)),
          2000,
        );
        wake = () => {
          if (keys().length >= 3) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
      assert.deepEqual(keys(), ['w/a', 'w/b', 'w/c']);
      const txnBatch = seen.find((batch) => batch.some((e) => dec(e.kv.key) === 'w/b'))!;
      assert.deepEqual(
        txnBatch.map((e) => dec(e.kv.key)).filter((k) => k !== 'w/a'),
        ['w/b', 'w/c'],
        "the txn's events came in one batch",
      );
      const [b, c] = txnBatch.filter((e) => dec(e.kv.key) !== 'w/a');
      assert.equal(b!.kv.modRevision, c!.kv.modRevision);
      handle.cancel();
    } finally {
      await member.close();
    }
  });

  it('past --quota-backend-bytes raises NOSPACE through Raft and refuses growing writes, but serves reads and deletes', async () => {
    const member = await Member.open(options(tempDir(), { quotaBackendBytes: 256 * 1024 }));
    try {
      const value = new Uint8Array(8 * 1024).fill(1);
      let refused: unknown;
      // 1000 puts of 8 KiB is 8 MiB: far past the quota, however stale the size reading.
      for (let i = 0; i < 1000 && refused === undefined; i++) {
        await member.put({ key: enc(`big/${i}`), value }).catch((error: unknown) => {
          refused = error;
        });
      }
      assert.ok(refused !== undefined, 'a write past the quota was refused');
      assert.equal((refused as { code?: string }).code, 'NoSpace');
      const deadline = Date.now() + 5000;
      while (!member.activeAlarms().some((a) => a.alarm === 'NOSPACE')) {
        assert.ok(Date.now() < deadline, 'waited 5 s for the NOSPACE alarm to be applied');
        await new Promise((r) => setTimeout(r, 20));
      }
      const status = await member.status();
      assert.match(status.errors.join(' '), /alarm:NOSPACE/);
      await assert.rejects(member.put({ key: enc('small'), value: enc('x') }), { code: 'NoSpace' });
      const read = await member.range({ key: enc('big/'), rangeEnd: enc('big0'), countOnly: true });
      assert.ok(read.response.count > 0, 'reads are served');
      const deleted = await member.deleteRange({ key: enc('big/'), rangeEnd: enc('big0') });
      assert.equal(deleted.response.deleted, read.response.count, 'deletes are served');
    } finally {
      await member.close();
    }
  });
});
