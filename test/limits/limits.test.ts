/**
 * Resource limits under abuse, through a real member started with small limits: each limit
 * is a flag, and each answers as etcd does (a refused HTTP/2 stream, a closed connection,
 * RESOURCE_EXHAUSTED "etcdserver: too many requests"), while the member keeps serving.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { MemberProcess } from '../helpers/member-process.js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { bytesField, grpcFrame, RawConnection } from '../helpers/raw-http2.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { call, lockClient, Observation, electionClient } from '../server/lock-election-clients.js';
import type { LockResponse } from '../server/lock-election-clients.js';

const streamsMax = 4;
const connectionsMax = 6;
const leasesMax = 40;
const watchersMax = 3;
const waitingMax = 3;

interface WatchAnswer {
  readonly watchId: string;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly cancelReason: string;
}

describe('limits: each named, a flag, etcd’s answer', () => {
  let member: MemberProcess;

  before(async () => {
    member = await MemberProcess.start({
      args: [
        '--max-concurrent-streams',
        String(streamsMax),
        '--max-connections',
        String(connectionsMax),
        '--max-leases',
        String(leasesMax),
        '--max-watchers-per-stream',
        String(watchersMax),
        '--max-waiting-calls',
        String(waitingMax),
      ],
    });
  });
  after(() => MemberProcess.destroyAll());

  it('--max-concurrent-streams: the member announces it; a stream past it waits for a free one', async () => {
    const connection = new RawConnection(member.endpoint);
    try {
      await waitFor('the server SETTINGS', (done) =>
        connection.session.once('remoteSettings', done),
      );
      // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS, as grpc-go sets it from etcd's flag.
      assert.equal(connection.session.remoteSettings.maxConcurrentStreams, streamsMax);
      const watch = grpcFrame(bytesField(1, bytesField(1, Buffer.from('limits/'))));
      const open = Array.from({ length: streamsMax }, () => {
        const call = connection.call('/etcdserverpb.Watch/Watch');
        call.write(watch);
        return call;
      });
      await Promise.all(open.map((call, i) => call.received(1, `watch stream ${i} created`)));
      const extra = connection.call('/etcdserverpb.Watch/Watch');
      extra.write(watch);
      assert.equal(extra.messages.length, 0, 'a fifth stream is not served while four are open');
      // One is canceled (RST_STREAM): the waiting one is served.
      const first = open[0]!.stream;
      first.close(8);
      await waitFor('the first watch stream to close', (done) => first.once('close', done));
      await extra.received(1, 'the waiting stream to be created once a stream is free');
      for (const call of [...open.slice(1), extra]) call.stream.close(8);
    } finally {
      connection.close();
    }
  });

  it('--max-connections: a connection past the limit is closed; the member serves the rest', async () => {
    const held: Socket[] = [];
    try {
      // Plain TCP connections that say nothing yet: each counts.
      for (let i = 0; i < connectionsMax; i++) {
        const socket = connect(Number(member.endpoint.split(':')[1]), '127.0.0.1');
        await waitFor(`connection ${i} to open`, (done) => socket.once('connect', done));
        held.push(socket);
      }
      const extra = connect(Number(member.endpoint.split(':')[1]), '127.0.0.1');
      extra.on('error', () => undefined);
      await waitFor('the connection past --max-connections to be closed', (done) =>
        extra.once('close', done),
      );
    } finally {
      for (const socket of held) socket.destroy();
    }
    // Once the held ones are gone, clients connect again.
    const kv = rawClient('KV', member.endpoint);
    try {
      await waitFor('a put after the flood', (done, fail) => {
        unaryCall(kv, 'Put', { key: Buffer.from('limits/after'), value: Buffer.from('1') }).then(
          done,
          fail,
        );
      });
    } finally {
      kv.close();
    }
  });

  it('--max-watchers-per-stream: a create past it is created and canceled with "etcdserver: too many requests"', async () => {
    const client = rawClient('Watch', member.endpoint);
    const call = (
      client as unknown as { Watch(): grpc.ClientDuplexStream<object, WatchAnswer> }
    ).Watch();
    try {
      const answers: WatchAnswer[] = [];
      call.on('data', (answer: WatchAnswer) => answers.push(answer));
      call.on('error', () => undefined);
      for (let i = 0; i <= watchersMax; i++) {
        call.write({ createRequest: { key: Buffer.from(`limits/w${i}`) } });
      }
      await waitFor(`${watchersMax + 1} create answers`, (done) => {
        const check = (): void => {
          if (answers.length > watchersMax) done(undefined);
        };
        call.on('data', check);
        check();
      });
      const created = answers.slice(0, watchersMax);
      assert.ok(
        created.every((a) => a.created && !a.canceled),
        JSON.stringify(created),
      );
      const refused = answers[watchersMax]!;
      assert.deepEqual(
        {
          created: refused.created,
          canceled: refused.canceled,
          watchId: refused.watchId,
          cancelReason: refused.cancelReason,
        },
        {
          created: true,
          canceled: true,
          watchId: '-1',
          cancelReason: 'etcdserver: too many requests',
        },
      );
      // Canceling one makes room for another on the same stream.
      call.write({ cancelRequest: { watchId: created[0]!.watchId } });
      call.write({ createRequest: { key: Buffer.from('limits/again') } });
      await waitFor('the create after a cancel', (done) => {
        const check = (): void => {
          if (answers.some((a, i) => i > watchersMax && a.created && !a.canceled)) done(undefined);
        };
        call.on('data', check);
        check();
      });
    } finally {
      call.cancel();
      client.close();
    }
  });

  it('--max-leases: a lease flood is refused with RESOURCE_EXHAUSTED "etcdserver: too many requests"', async () => {
    const lease = rawClient('Lease', member.endpoint);
    try {
      const granted: string[] = [];
      let refusal: grpc.ServiceError | undefined;
      // Ask for more than the limit, 20 at a time, as a flood would.
      for (let round = 0; round < 4 && refusal === undefined; round++) {
        const answers = await Promise.allSettled(
          Array.from({ length: 20 }, () =>
            unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: 60 }),
          ),
        );
        for (const answer of answers) {
          if (answer.status === 'fulfilled') granted.push(answer.value.ID);
          else refusal ??= answer.reason as grpc.ServiceError;
        }
      }
      assert.ok(refusal !== undefined, `no refusal after ${granted.length} grants`);
      assert.equal(refusal.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.equal(refusal.details, 'etcdserver: too many requests');
      // Concurrent grants may pass the check together, but never by more than one round.
      assert.ok(
        granted.length >= leasesMax && granted.length < leasesMax + 20,
        `${granted.length} granted`,
      );
      // Revoking makes room again.
      for (const id of granted.slice(0, granted.length - leasesMax + 1)) {
        await unaryCall(lease, 'LeaseRevoke', { ID: id });
      }
      await unaryCall(lease, 'LeaseGrant', { TTL: 60 });
    } finally {
      lease.close();
    }
  });

  it('--max-waiting-calls: a Lock or Observe past it is refused at once, and queues nothing', async () => {
    const lease = rawClient('Lease', member.endpoint);
    const kv = rawClient('KV', member.endpoint);
    const locks = lockClient(member.endpoint);
    const elections = electionClient(member.endpoint);
    const name = Buffer.from('limits/lock');
    const queued = async (): Promise<number> => {
      const range = await unaryCall<{ count: string }>(kv, 'Range', {
        key: Buffer.from('limits/lock/'),
        rangeEnd: Buffer.from('limits/lock0'),
        countOnly: true,
      });
      return Number(range.count);
    };
    const lockCall = (leaseId: string) =>
      call<LockResponse>(locks, 'Lock', { name, lease: leaseId });
    /** A Lock that waits in the queue; it ends CANCELLED when the test cancels it. */
    const waiter = (leaseId: string) => {
      const pending = lockCall(leaseId);
      pending.result.catch(() => undefined);
      return pending;
    };
    // The --max-leases case left the member at its lease limit.
    const left = await unaryCall<{ leases: { ID: string }[] }>(lease, 'LeaseLeases', {});
    for (const { ID } of left.leases) await unaryCall(lease, 'LeaseRevoke', { ID });
    const leases = await Promise.all(
      Array.from(
        { length: waitingMax + 3 },
        async () => (await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: 60 })).ID,
      ),
    );
    const waiting = [];
    try {
      await lockCall(leases[0]!).result; // held: the calls below wait behind it
      for (let i = 1; i <= waitingMax; i++) waiting.push(waiter(leases[i]!));
      await eventually('the waiters to queue', queued, (n) => n === waitingMax + 1);
      const refused = await waitFor<grpc.ServiceError>(
        'a Lock past --max-waiting-calls to be refused',
        (done, fail) =>
          void waiter(leases[waitingMax + 1]!).result.then(
            () => fail(new Error('a Lock past --max-waiting-calls was served')),
            done,
          ),
      );
      assert.equal(refused.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.equal(refused.details, 'etcdserver: too many requests');
      assert.equal(await queued(), waitingMax + 1, 'the refused call queued no key');
      const observation = new Observation(elections, 'limits/election');
      await eventually(
        'the Observe past the limit to end',
        async () => observation.error?.code,
        (code) => code !== undefined,
      );
      assert.equal(observation.error?.code, grpc.status.RESOURCE_EXHAUSTED);
      // A waiter that leaves makes room: the next Lock queues.
      waiting.shift()!.cancel();
      await eventually('the canceled waiter to leave the queue', queued, (n) => n === waitingMax);
      const next = waiter(leases[waitingMax + 2]!);
      waiting.push(next);
      await eventually('the next Lock to queue', queued, (n) => n === waitingMax + 1);
      assert.equal(next.settled(), false, 'it waits behind the holder like the others');
    } finally {
      for (const w of waiting) w.cancel();
      for (const id of leases) await unaryCall(lease, 'LeaseRevoke', { ID: id }).catch(() => {});
      for (const client of [lease, kv, locks, elections]) client.close();
    }
  });
});
