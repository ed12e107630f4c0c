import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { AlarmAction, AlarmType, Etcd3 } from 'etcd3';
import { FakeMaintenance, patterned } from './fake/fake-maintenance.js';
import { fakeMemberId } from './fake/fake-member.js';
import type { Harness } from './harness.js';
import { eventually, failure, rawClient, startServer, unaryCall, waitFor } from './harness.js';

interface SnapshotOut {
  header: unknown;
  remainingBytes: string;
  blob: Buffer;
}
interface HashKvOut {
  header: { revision: string };
  hash: number;
  compactRevision: string;
  hashRevision: string;
}
type Stream = NodeJS.EventEmitter & { cancel(): void };

/** Reads a whole Snapshot stream (or until `stopAfter` messages, then cancels). */
function readSnapshot(client: Client, stopAfter = Infinity): Promise<SnapshotOut[]> {
  const stream = (client as unknown as { Snapshot(r: object): Stream }).Snapshot({});
  const messages: SnapshotOut[] = [];
  return waitFor('the snapshot stream to end', (done) => {
    stream.on('data', (message: SnapshotOut) => {
      messages.push(message);
      if (messages.length === stopAfter) {
        stream.cancel();
        done(messages);
      }
    });
    stream.on('end', () => done(messages));
    stream.on('error', () => undefined);
  });
}

describe('Maintenance service (etcd3 client and raw gRPC)', () => {
  let harness: Harness;
  let etcd: Etcd3;
  let maintenance: Client;

  before(async () => {
    harness = await startServer();
    etcd = new Etcd3({ hosts: `http://${harness.endpoint}` });
    maintenance = rawClient('Maintenance', harness.endpoint);
  });
  after(async () => {
    etcd.close();
    maintenance.close();
    await harness.close();
  });

  it('Hash: the member hash, header at the hashed revision', async () => {
    await etcd.put('a').value('1');
    const revision = harness.member.store.revision;
    const hashed = await etcd.maintenance.hash();
    assert.equal(Number(hashed.hash), FakeMaintenance.hashOf(revision));
    assert.equal(hashed.header.revision, String(revision));
  });

  // etcd3 1.1.2 calls `hashKV`, a method grpc-js names `hashKv`: it cannot reach HashKV at all.
  it('HashKV: at a revision or the current one; compacted and future refused', async () => {
    const hashKv = (revision: number): Promise<HashKvOut> =>
      unaryCall<HashKvOut>(maintenance, 'HashKV', { revision });
    await etcd.put('a').value('2');
    const at = harness.member.store.revision;
    await etcd.put('a').value('3');
    const now = harness.member.store.revision;
    const old = await hashKv(at);
    assert.deepEqual(
      [old.hash, old.hashRevision, old.compactRevision, old.header.revision],
      [FakeMaintenance.hashOf(at), String(at), '0', String(now)],
    );
    assert.equal((await hashKv(0)).hashRevision, String(now));
    assert.equal((await hashKv(-5)).hashRevision, String(now), 'negative means current');
    await etcd.put('a').value('4');
    harness.member.store.compact(now);
    const compacted = await hashKv(now);
    assert.equal(compacted.compactRevision, String(now), 'the compacted revision itself hashes');
    assert.deepEqual(await failure(unaryCall(maintenance, 'HashKV', { revision: at })), {
      code: status.OUT_OF_RANGE,
      details: 'etcdserver: mvcc: required revision has been compacted',
    });
    assert.deepEqual(await failure(unaryCall(maintenance, 'HashKV', { revision: 999_999 })), {
      code: status.OUT_OF_RANGE,
      details: 'etcdserver: mvcc: required revision is a future revision',
    });
  });

  it('Snapshot: 32 KiB messages counting down, zero padding to 512, sha256 last', async () => {
    const bytes = harness.member.maintenance.snapshotBytes;
    const messages = await readSnapshot(maintenance);
    const padded = Math.ceil(bytes.length / 512) * 512;
    const data = Buffer.concat(messages.slice(0, -1).map((m) => m.blob));
    assert.equal(data.length, padded);
    assert.deepEqual(data.subarray(0, bytes.length), Buffer.from(bytes));
    assert.ok(data.subarray(bytes.length).every((byte) => byte === 0));
    assert.deepEqual(
      messages.slice(0, -1).map((m) => m.blob.length),
      [32768, 32768, 32768, padded - 3 * 32768],
    );
    let remaining = padded;
    for (const message of messages.slice(0, -1)) {
      remaining -= message.blob.length;
      assert.equal(message.remainingBytes, String(remaining));
      assert.equal(message.header, null, 'etcd sends snapshot messages without a header');
    }
    const sha = messages.at(-1) as SnapshotOut;
    assert.equal(sha.remainingBytes, '0');
    assert.deepEqual(sha.blob, createHash('sha256').update(data).digest());
    assert.equal((data.length + 32) % 512, 32, "etcdctl's hasChecksum accepts the file");
    assert.equal(harness.member.maintenance.openSnapshots, 0);
  });

  it('Snapshot: an aligned or empty snapshot gets no padding', async () => {
    for (const size of [65536, 0]) {
      harness.member.maintenance.snapshotBytes = patterned(size);
      const messages = await readSnapshot(maintenance);
      const data = Buffer.concat(messages.slice(0, -1).map((m) => m.blob));
      assert.equal(data.length, size);
      assert.deepEqual(messages.at(-1)?.blob, createHash('sha256').update(data).digest());
    }
    harness.member.maintenance.snapshotBytes = patterned(100_000);
  });

  it('Snapshot: a client that goes away releases the snapshot', async () => {
    harness.member.maintenance.snapshotBytes = patterned(8 * 1024 * 1024);
    await readSnapshot(maintenance, 1);
    await eventually('the snapshot released', () => harness.member.maintenance.openSnapshots === 0);
    harness.member.maintenance.snapshotBytes = patterned(100_000);
  });

  it('Snapshot: a member refusal ends the stream with etcd status', async () => {
    harness.member.failNext('snapshot', 'Stopped');
    const stream = (maintenance as unknown as { Snapshot(r: object): Stream }).Snapshot({});
    const error = await waitFor<{ code: number; details: string }>('snapshot error', (done) =>
      stream.on('error', done),
    );
    assert.deepEqual(
      [error.code, error.details],
      [status.UNAVAILABLE, 'etcdserver: server stopped'],
    );
  });

  // etcd3 names enum values its own way (Nospace); the wire carries 1 and 2 all the same.
  it('Alarm: activate, get (filtered by type), deactivate; header at the current revision', async () => {
    const raised = await etcd.maintenance.alarm({
      action: AlarmAction.Activate,
      memberID: String(fakeMemberId),
      alarm: AlarmType.Nospace,
    });
    assert.deepEqual(raised.alarms, [{ memberID: String(fakeMemberId), alarm: 'Nospace' }]);
    assert.equal(raised.header.revision, String(harness.member.store.revision));
    await etcd.maintenance.alarm({
      action: AlarmAction.Activate,
      memberID: '7',
      alarm: AlarmType.Corrupt,
    });
    const all = await etcd.maintenance.alarm({
      action: AlarmAction.Get,
      memberID: '0',
      alarm: AlarmType.None,
    });
    assert.equal(all.alarms.length, 2);
    const corrupt = await etcd.maintenance.alarm({
      action: AlarmAction.Get,
      alarm: AlarmType.Corrupt,
    });
    assert.deepEqual(corrupt.alarms, [{ memberID: '7', alarm: 'Corrupt' }]);
    const cleared = await etcd.maintenance.alarm({
      action: AlarmAction.Deactivate,
      memberID: '7',
      alarm: AlarmType.Corrupt,
    });
    assert.deepEqual(cleared.alarms, [{ memberID: '7', alarm: 'Corrupt' }]);
    const again = await etcd.maintenance.alarm({
      action: AlarmAction.Deactivate,
      memberID: '7',
      alarm: AlarmType.Corrupt,
    });
    assert.deepEqual(again.alarms, []);
    assert.deepEqual(await failure(unaryCall(maintenance, 'Alarm', { action: 9 })), {
      code: status.INVALID_ARGUMENT,
      details: 'concord: unknown alarm action 9',
    });
    harness.member.maintenance.alarms.length = 0;
  });

  it('MoveLeader: to a voter; refused for a learner, an unknown member, and by a follower', async () => {
    harness.member.cluster.add(['http://10.1.0.1:2380'], false);
    const learner = harness.member.cluster.add(['http://10.1.0.2:2380'], true).added;
    assert.deepEqual(
      await failure(unaryCall(maintenance, 'MoveLeader', { targetID: String(learner.id) })),
      { code: status.FAILED_PRECONDITION, details: 'etcdserver: bad leader transferee' },
    );
    assert.deepEqual(await failure(unaryCall(maintenance, 'MoveLeader', { targetID: '42' })), {
      code: status.FAILED_PRECONDITION,
      details: 'etcdserver: bad leader transferee',
    });
    const voter = (await harness.member.memberList(false)).response.find(
      (m) => m.peerUrls[0] === 'http://10.1.0.1:2380',
    );
    assert.ok(voter);
    const moved = await etcd.maintenance.moveLeader({ targetID: String(voter.id) });
    assert.equal(moved.header, null, 'etcd answers MoveLeader without a header');
    assert.equal(harness.member.leader, voter.id);
    assert.deepEqual(
      await failure(unaryCall(maintenance, 'MoveLeader', { targetID: String(fakeMemberId) })),
      { code: status.FAILED_PRECONDITION, details: 'etcdserver: not leader' },
    );
    harness.member.leader = fakeMemberId;
  });

  it('Defragment: asks the member, answers without a header', async () => {
    const before = harness.member.maintenance.defragmented;
    const answer = await etcd.maintenance.defragment();
    assert.equal(answer.header, null);
    assert.equal(harness.member.maintenance.defragmented, before + 1);
    harness.member.failNext('defragment', 'Io');
    assert.deepEqual(await failure(unaryCall(maintenance, 'Defragment', {})), {
      code: status.UNAVAILABLE,
      details: 'concord: storage i/o error',
    });
    assert.equal(harness.bugs.length, 0);
  });
});
