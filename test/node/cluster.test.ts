// Members of one cluster in one process, over the real peer transport on loopback and real
// data directories: replication, membership changes, leader removal, lease forwarding.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realClock } from '../../src/env/clock.js';
import { RealDisk } from '../../src/env/real-disk.js';
import { Member } from '../../src/node/member.js';
import type { MemberOptions } from '../../src/node/member-options.js';
import { freePort } from '../helpers/free-port.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const dirs: string[] = [];
const open: Member[] = [];
after(async () => {
  await Promise.all(open.map((m) => m.close()));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

interface Spec {
  name: string;
  peerUrl: string;
  clientUrl: string;
}

async function spec(name: string): Promise<Spec> {
  return {
    name,
    peerUrl: `http://127.0.0.1:${await freePort()}`,
    clientUrl: `http://127.0.0.1:${await freePort()}`,
  };
}

async function start(
  self: Spec,
  cluster: Spec[],
  state: 'new' | 'existing' = 'new',
  dataDir?: string,
): Promise<Member> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), `concord-${self.name}-`));
  if (dataDir === undefined) dirs.push(dir);
  const options: MemberOptions = {
    name: self.name,
    dataDir: dir,
    disk: new RealDisk(),
    clock: realClock,
    initialCluster: cluster.map((s) => ({ name: s.name, peerUrls: [s.peerUrl] })),
    initialClusterToken: 'cluster-test',
    clientUrls: [self.clientUrl],
    listenPeerUrls: [new URL(self.peerUrl)],
    peerUrls: [self.peerUrl],
    initialClusterState: state,
    heartbeatMs: 20,
    electionMs: 200,
    snapshotCount: 100_000,
    quotaBackendBytes: 1 << 30,
    version: 'test',
  };
  const member = await Member.open(options);
  open.push(member);
  return member;
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function leaderOf(members: Member[]): Member | undefined {
  return members.find((m) => m.raw.raft.state === 'Leader');
}

describe('a cluster of members over the peer transport', () => {
  it('replicates, changes membership one step at a time, and survives removing its leader', async () => {
    const specs = await Promise.all(['a', 'b', 'c'].map(spec));
    const members = await Promise.all(specs.map((s) => start(s, specs)));
    await waitFor('a leader', () => leaderOf(members) !== undefined);
    const follower = members.find((m) => m.raw.raft.state !== 'Leader')!;

    // A write through a follower is read linearizably from every member.
    const put = await follower.put({ key: enc('k'), value: enc('v1') });
    for (const m of members) {
      const got = await m.range({ key: enc('k') });
      assert.equal(dec(got.response.kvs[0]!.value), 'v1');
      assert.equal(got.response.kvs[0]!.modRevision, put.header.revision);
    }
    await waitFor('every member to publish its client URL', () =>
      members.every((m) => [...m.members.values()].every((info) => info.clientUrls.length === 1)),
    );

    // Add a learner through a follower; it joins with an empty log and catches up.
    const d = await spec('d');
    const added = await follower.memberAdd([d.peerUrl], true);
    assert.equal(added.response.added.isLearner, true);
    const learner = await start(d, [...specs, d], 'existing');
    members.push(learner);
    await waitFor(
      'the learner to catch up',
      () => learner.appliedWait.appliedIndex >= leaderOf(members)!.raw.raft.log.committed,
    );
    const got = await learner.range({ key: enc('k'), serializable: true });
    assert.equal(dec(got.response.kvs[0]!.value), 'v1');
    assert.notEqual(learner.identity.clusterId, 0n, 'the joiner learned the cluster ID');

    // Promote it through a follower (the leader judges whether it has caught up).
    await waitFor('the learner to be in sync', async () => {
      try {
        await follower.memberPromote(learner.identity.memberId);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'LearnerNotReady') return false;
        throw error;
      }
    });
    await waitFor('every member to see 4 voters', () =>
      members.every((m) => m.raw.raft.tracker.voters.length === 4),
    );

    // Remove the leader: the rest elect a new one and keep serving.
    const oldLeader = leaderOf(members)!;
    const survivors = members.filter((m) => m !== oldLeader);
    await survivors[0]!.memberRemove(oldLeader.identity.memberId);
    await waitFor('a new leader among the survivors', () => leaderOf(survivors) !== undefined);
    const after = await survivors[1]!.put({ key: enc('k'), value: enc('v2') });
    assert.ok(after.header.revision > put.header.revision);
    for (const m of survivors) {
      const hash = await m.hashKv(0);
      assert.equal(hash.response.hash, (await survivors[0]!.hashKv(0)).response.hash);
    }

    // A lease kept alive through a follower is renewed on the leader.
    const lease = await survivors[0]!.leaseGrant(0n, 5);
    const f = survivors.find((m) => m.raw.raft.state !== 'Leader')!;
    const renewed = await f.leaseKeepAlive(lease.response.id);
    assert.equal(renewed.response.ttl, 5);
    const ttl = await f.leaseTimeToLive(lease.response.id, false);
    assert.ok(ttl.response.ttl > 0 && ttl.response.ttl <= 5);
  });
});
