/**
 * etcd's Lock and Election gRPC services on a real Concord member process, called raw (as
 * another language's etcd client calls them) and side by side with Debian's `etcdctl lock` /
 * `etcdctl elect`, which run etcd's client-side recipes over the same keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type * as grpc from '@grpc/grpc-js';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { rawClient, refusal, unaryCall } from '../helpers/grpc.js';
import type { RangeOut } from '../helpers/grpc.js';
import { MemberProcess } from '../helpers/member-process.js';
import { callAs, tokenMetadata } from '../auth/helpers.js';
import { eventually } from '../helpers/wait.js';
import type { CampaignResponse, LeaderResponse, LockResponse } from './lock-election-clients.js';
import { Observation, call, electionClient, lockClient } from './lock-election-clients.js';

describe('Lock and Election services on a Concord member', () => {
  let member: MemberProcess;
  let kv: grpc.Client;
  let lease: grpc.Client;
  let locks: grpc.Client;
  let elections: grpc.Client;
  const etcdctl = new Etcdctl(() => member.endpoint);

  before(async () => {
    member = await MemberProcess.start();
    kv = rawClient('KV', member.endpoint);
    lease = rawClient('Lease', member.endpoint);
    locks = lockClient(member.endpoint);
    elections = electionClient(member.endpoint);
  });
  after(async () => {
    // Any of them may be unset if `before` failed; an open client would keep the file running.
    const clients: (grpc.Client | undefined)[] = [kv, lease, locks, elections];
    for (const client of clients) client?.close();
    await MemberProcess.destroyAll();
  });

  const grant = async (ttl: number): Promise<string> =>
    (await unaryCall<{ ID: string }>(lease, 'LeaseGrant', { TTL: String(ttl) })).ID;
  const revoke = (id: string): Promise<unknown> => unaryCall(lease, 'LeaseRevoke', { ID: id });
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const end = Buffer.from(prefix);
    end[end.length - 1] = (end[end.length - 1] as number) + 1;
    const range = await unaryCall<RangeOut>(kv, 'Range', {
      key: Buffer.from(prefix),
      rangeEnd: end,
    });
    return range.kvs.map((kv) => kv.key.toString());
  };
  const queued = (prefix: string, count: number): Promise<string[]> =>
    eventually(
      `${count} keys queued under ${prefix}`,
      () => keysUnder(prefix),
      (keys) => keys.length === count,
      {
        intervalMs: 50,
      },
    );
  const lockCall = (name: string, leaseId: string) =>
    call<LockResponse>(locks, 'Lock', { name: Buffer.from(name), lease: leaseId });
  const campaignCall = (name: string, leaseId: string, value: string) =>
    call<CampaignResponse>(elections, 'Campaign', {
      name: Buffer.from(name),
      lease: leaseId,
      value: Buffer.from(value),
    });

  it('Lock: a second locker gets the lock only after the first unlocks', async () => {
    const [leaseA, leaseB] = [await grant(60), await grant(60)];
    const a = await lockCall('mutex', leaseA).result;
    assert.equal(a.key.toString(), `mutex/${BigInt(leaseA).toString(16)}`);
    const b = lockCall('mutex', leaseB);
    await queued('mutex/', 2);
    assert.equal(b.settled(), false, 'B must not hold the lock while A does');
    // Locking again with the holder's lease is the same acquisition (etcd: a no-op).
    const again = await lockCall('mutex', leaseA).result;
    assert.deepEqual(again.key, a.key);
    assert.equal(b.settled(), false);
    await unaryCall(locks, 'Unlock', { key: a.key });
    const granted = await b.result;
    assert.equal(granted.key.toString(), `mutex/${BigInt(leaseB).toString(16)}`);
    assert.ok(Number(granted.header.revision) > Number(a.header.revision));
    await unaryCall(locks, 'Unlock', { key: granted.key });
    assert.deepEqual(await keysUnder('mutex/'), []);
  });

  it('Lock: revoking or letting the holder lease expire releases the lock', async () => {
    const holder = await grant(60);
    await lockCall('revoked', holder).result;
    const waiter = lockCall('revoked', await grant(60));
    await queued('revoked/', 2);
    assert.equal(waiter.settled(), false);
    await revoke(holder);
    await waiter.result;

    // A lease nobody keeps alive: the lock passes on once it expires (3 s).
    const short = await grant(3);
    await lockCall('expiring', short).result;
    const next = lockCall('expiring', await grant(60));
    await queued('expiring/', 2);
    const started = Date.now();
    const got = await next.result;
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(await keysUnder('expiring/'), [got.key.toString()]);
  });

  it('Lock: a waiter that cancels leaves the queue and never holds the lock', async () => {
    const held = await lockCall('cancel', await grant(60)).result;
    const waiter = lockCall('cancel', await grant(60));
    await queued('cancel/', 2);
    waiter.cancel();
    const [code] = await refusal(waiter.result);
    assert.equal(code, status.CANCELLED);
    await queued('cancel/', 1);
    assert.deepEqual(await keysUnder('cancel/'), [held.key.toString()]);
  });

  it("Lock: etcd's errors for a missing lease and an empty Unlock key", async () => {
    assert.deepEqual(await refusal(lockCall('nolease', '12345').result), [
      status.NOT_FOUND,
      'etcdserver: requested lease not found',
    ]);
    assert.deepEqual(await refusal(unaryCall(locks, 'Unlock', { key: Buffer.alloc(0) })), [
      status.INVALID_ARGUMENT,
      'etcdserver: key is not provided',
    ]);
    // Unlocking a key that is not there is not an error (etcd: a plain delete).
    await unaryCall(locks, 'Unlock', { key: Buffer.from('nolease/abc') });
    // Lease 0: etcd grants a fresh 60 s lease for the lock (its session default).
    const anonymous = await lockCall('anonymous', '0').result;
    const [kvAnon] = (await unaryCall<RangeOut>(kv, 'Range', { key: anonymous.key })).kvs;
    assert.ok(kvAnon !== undefined && kvAnon.lease !== '0');
    const ttl = await unaryCall<{ TTL: string; grantedTTL: string }>(lease, 'LeaseTimeToLive', {
      ID: kvAnon.lease,
    });
    assert.equal(ttl.grantedTTL, '60');
  });

  it('Election: campaign, leader, observe, proclaim, resign, and the next candidate', async () => {
    assert.deepEqual(await refusal(unaryCall(elections, 'Leader', { name: Buffer.from('vote') })), [
      status.UNKNOWN,
      'election: no leader',
    ]);
    const observation = new Observation(elections, 'vote');
    try {
      const [leaseA, leaseB] = [await grant(60), await grant(60)];
      const a = await campaignCall('vote', leaseA, 'a1').result;
      assert.equal(a.leader.key.toString(), `vote/${BigInt(leaseA).toString(16)}`);
      assert.equal(a.leader.name.toString(), 'vote');
      assert.equal(a.leader.lease, leaseA);
      assert.equal(a.leader.rev, a.header.revision);
      const leader = await unaryCall<LeaderResponse>(elections, 'Leader', {
        name: Buffer.from('vote'),
      });
      assert.equal(leader.kv.value.toString(), 'a1');
      assert.equal(leader.kv.createRevision, a.leader.rev);

      const b = campaignCall('vote', leaseB, 'b1');
      await queued('vote/', 2);
      assert.equal(b.settled(), false, 'B must not lead while A does');
      await eventually(
        'the observer to see a1',
        () => observation.values(),
        (v) => v.length >= 1,
      );
      await unaryCall(elections, 'Proclaim', { leader: a.leader, value: Buffer.from('a2') });
      await eventually(
        'the observer to see a1, a2',
        () => observation.values(),
        (v) => v.length >= 2,
      );

      // A LeaderKey that does not hold the election: etcd's errors.
      const stale = { ...a.leader, rev: String(Number(a.leader.rev) - 1) };
      assert.deepEqual(
        await refusal(unaryCall(elections, 'Proclaim', { leader: stale, value: Buffer.from('x') })),
        [status.UNKNOWN, 'election: not leader'],
      );
      assert.deepEqual(
        await refusal(unaryCall(elections, 'Proclaim', { value: Buffer.from('x') })),
        [status.UNKNOWN, '"leader" field must be provided'],
      );
      assert.deepEqual(await refusal(unaryCall(elections, 'Resign', {})), [
        status.UNKNOWN,
        '"leader" field must be provided',
      ]);
      assert.equal(b.settled(), false);

      await unaryCall(elections, 'Resign', { leader: a.leader });
      const bWon = await b.result;
      assert.equal(bWon.leader.key.toString(), `vote/${BigInt(leaseB).toString(16)}`);
      // The old leader can no longer proclaim.
      assert.deepEqual(
        await refusal(
          unaryCall(elections, 'Proclaim', { leader: a.leader, value: Buffer.from('x') }),
        ),
        [status.UNKNOWN, 'election: not leader'],
      );
      await eventually(
        'the observer to see b1',
        () => observation.values(),
        (v) => v.at(-1) === 'b1',
      );
      assert.deepEqual(observation.values(), ['a1', 'a2', 'b1']);
      const revisions = observation.seen.map((seen) => Number(seen.header.revision));
      assert.deepEqual(
        revisions,
        [...revisions].sort((x, y) => x - y),
        'in revision order',
      );
      assert.equal(observation.error, undefined);
    } finally {
      observation.cancel();
    }
  });

  it("Election: the leader's lease expiring hands leadership to the next candidate", async () => {
    const observation = new Observation(elections, 'expiry');
    try {
      await campaignCall('expiry', await grant(3), 'short').result;
      await eventually(
        'the observer to see the first leader',
        () => observation.values(),
        (v) => v.includes('short'),
      );
      const next = campaignCall('expiry', await grant(60), 'long');
      await queued('expiry/', 2);
      await next.result;
      await eventually(
        'the observer to see the successor',
        () => observation.values(),
        (v) => v.includes('long'),
      );
      assert.deepEqual(observation.values(), ['short', 'long']);
    } finally {
      observation.cancel();
    }
  });

  describe('beside etcdctl (client-side recipes over the same keys)', { skip: etcdctlSkip }, () => {
    it('etcdctl lock and a gRPC Lock exclude each other', async () => {
      const holder = etcdctl.spawn('lock', 'shared');
      let waiter: ReturnType<Etcdctl['spawn']> | undefined;
      try {
        await holder.printed((out) => /^shared\/[0-9a-f]+\n/.test(out));
        const grpcLock = lockCall('shared', await grant(60));
        await queued('shared/', 2);
        assert.equal(grpcLock.settled(), false, 'the gRPC locker must wait for etcdctl');
        assert.equal(await holder.stop('SIGTERM'), 0);
        const held = await grpcLock.result;

        waiter = etcdctl.spawn('lock', 'shared');
        await queued('shared/', 2);
        assert.equal(waiter.stdout, '', 'etcdctl must wait for the gRPC holder');
        await unaryCall(locks, 'Unlock', { key: held.key });
        await waiter.printed((out) => /^shared\/[0-9a-f]+\n/.test(out));
      } finally {
        await holder.stop('SIGKILL');
        await waiter?.stop('SIGKILL');
      }
    });

    it('etcdctl elect and gRPC Campaign/Observe take part in the same election', async () => {
      const listener = etcdctl.spawn('elect', '--listen', 'mixed');
      const alice = etcdctl.spawn('elect', 'mixed', 'alice');
      const observation = new Observation(elections, 'mixed');
      try {
        await alice.printed((out) => out.endsWith('alice\n'));
        const leader = await unaryCall<LeaderResponse>(elections, 'Leader', {
          name: Buffer.from('mixed'),
        });
        assert.equal(leader.kv.value.toString(), 'alice');
        const grpcCandidate = campaignCall('mixed', await grant(60), 'grpc');
        await queued('mixed/', 2);
        assert.equal(grpcCandidate.settled(), false);
        assert.equal(await alice.stop('SIGTERM'), 0, alice.stderr);
        const won = await grpcCandidate.result;
        await listener.printed((out) => out.endsWith('grpc\n'));
        await unaryCall(elections, 'Proclaim', { leader: won.leader, value: Buffer.from('again') });
        await listener.printed((out) => out.endsWith('again\n'));
        await eventually(
          'the gRPC observer to follow',
          () => observation.values(),
          (v) => v.at(-1) === 'again',
        );
        assert.deepEqual(observation.values(), ['alice', 'grpc', 'again']);
      } finally {
        observation.cancel();
        await alice.stop('SIGKILL');
        await listener.stop('SIGKILL');
      }
    });
  });

  describe('with auth enabled', { skip: etcdctlSkip }, () => {
    let secured: MemberProcess;
    const closing: grpc.Client[] = [];
    const raw = (make: () => grpc.Client): grpc.Client => {
      const client = make();
      closing.push(client);
      return client;
    };

    before(async () => {
      secured = await MemberProcess.start({ args: ['--bcrypt-cost', '4'] });
      const ctl = new Etcdctl(() => secured.endpoint);
      await ctl.ok('user', 'add', 'root', '--new-user-password=rootpw');
      await ctl.ok('user', 'add', 'alice', '--new-user-password=alicepw');
      await ctl.ok('user', 'add', 'bob', '--new-user-password=bobpw');
      await ctl.ok('role', 'add', 'app');
      await ctl.ok('role', 'grant-permission', '--prefix', 'app', 'readwrite', 'app/');
      await ctl.ok('user', 'grant-role', 'alice', 'app');
      await ctl.ok('auth', 'enable');
    });
    after(async () => {
      for (const client of closing) client.close();
      await secured?.destroy();
    });

    it("locks and campaigns as the caller: only with the caller's permissions on the name", async () => {
      const auth = raw(() => rawClient('Auth', secured.endpoint));
      const leases = raw(() => rawClient('Lease', secured.endpoint));
      const securedLocks = raw(() => lockClient(secured.endpoint));
      const securedElections = raw(() => electionClient(secured.endpoint));
      const login = async (name: string, password: string): Promise<string> =>
        (await callAs<{ token: string }>(auth, 'Authenticate', { name, password })).token;
      const alice = await login('alice', 'alicepw');
      const bob = await login('bob', 'bobpw');
      const { ID: aliceLease } = await callAs<{ ID: string }>(
        leases,
        'LeaseGrant',
        { TTL: '60' },
        alice,
      );
      const { ID: bobLease } = await callAs<{ ID: string }>(
        leases,
        'LeaseGrant',
        { TTL: '60' },
        bob,
      );

      const held = await call<LockResponse>(
        securedLocks,
        'Lock',
        { name: Buffer.from('app/lock'), lease: aliceLease },
        tokenMetadata(alice),
      ).result;
      assert.equal(held.key.toString(), `app/lock/${BigInt(aliceLease).toString(16)}`);
      const denied: [number, string] = [status.PERMISSION_DENIED, 'etcdserver: permission denied'];
      assert.deepEqual(
        await refusal(
          call(
            securedLocks,
            'Lock',
            { name: Buffer.from('app/lock'), lease: bobLease },
            tokenMetadata(bob),
          ).result,
        ),
        denied,
      );
      assert.deepEqual(
        await refusal(call(securedLocks, 'Unlock', { key: held.key }, tokenMetadata(bob)).result),
        denied,
      );
      await call(securedLocks, 'Unlock', { key: held.key }, tokenMetadata(alice)).result;

      const won = await call<CampaignResponse>(
        securedElections,
        'Campaign',
        { name: Buffer.from('app/vote'), lease: aliceLease, value: Buffer.from('alice') },
        tokenMetadata(alice),
      ).result;
      assert.equal(won.leader.rev, won.header.revision);
      assert.deepEqual(
        await refusal(
          call(securedElections, 'Leader', { name: Buffer.from('app/vote') }, tokenMetadata(bob))
            .result,
        ),
        denied,
      );
      assert.deepEqual(
        await refusal(
          call(
            securedElections,
            'Campaign',
            { name: Buffer.from('app/vote'), lease: bobLease, value: Buffer.from('bob') },
            tokenMetadata(bob),
          ).result,
        ),
        denied,
      );
    });
  });
});
