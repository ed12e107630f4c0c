/**
 * Leader failure in a real 3-member cluster (separate processes, loopback, real data dirs):
 * writes through every member; SIGKILL of the leader and the time until another member
 * accepts a write; the old leader restarting on its data dir and catching up; and a writer
 * that never retries, running through the kill, whose every acknowledged write survives
 * exactly once (no silent loss, no double apply).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { Cluster, type ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { retryable, Writer } from './writer.js';

const electionMs = 500;
const heartbeatMs = 50;
/** Vote and first-write round trips and fsyncs on a loaded machine. */
const slackMs = 4 * heartbeatMs;

describe('leader failover', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({ size: 3, electionMs, heartbeatMs });
  });
  after(() => cluster?.destroy());

  it('a write through each member is readable through every member', async () => {
    for (const member of cluster.members) {
      await member.client().put(`each/${member.name}`).value(`via ${member.name}`);
    }
    for (const member of cluster.members) {
      assert.deepEqual(
        await member.client().getAll().prefix('each/').strings(),
        { 'each/m1': 'via m1', 'each/m2': 'via m2', 'each/m3': 'via m3' },
        `a linearizable read through ${member.name}`,
      );
    }
  });

  it('SIGKILL of the leader: another member accepts writes within two election timeouts; the old leader rejoins and catches up', async (t) => {
    const leader = await cluster.leader();
    const others = cluster.members.filter((m) => m !== leader);
    const clients = others.map((m) => m.client());

    const termBefore = Math.max(...(await cluster.statuses()).map((s) => s.Status.raftTerm));
    const killedAt = performance.now();
    const killed = leader.kill();
    const elapsedMs = await firstWrite(clients, 'failover/probe', killedAt, 10 * electionMs);
    await killed;
    const termAfter = Math.max(...(await cluster.statuses(others)).map((s) => s.Status.raftTerm));
    // Each election round ends within one randomized election timeout, [ET, 2 ET), after the
    // last heartbeat: two election timeouts per round, plus the vote and the first write's
    // round trips and fsyncs. A split vote (both followers campaign on the same tick, about one
    // failover in ten with two followers) costs another round, and another term: so the bound
    // is per term the election took.
    const rounds = termAfter - termBefore;
    const boundMs = rounds * 2 * electionMs + slackMs;
    t.diagnostic(
      `kill -> first write through another member: ${elapsedMs.toFixed(0)} ms (${rounds} election round(s), bound ${boundMs} ms)`,
    );
    assert.ok(rounds >= 1, `the term moved from ${termBefore} to ${termAfter}`);
    assert.ok(
      elapsedMs <= boundMs,
      `a new leader took ${elapsedMs.toFixed(0)} ms, more than two election timeouts per round (${rounds} round(s), ${boundMs} ms)`,
    );
    const newLeader = await cluster.leader(others);
    assert.notEqual(newLeader, leader);

    for (let i = 0; i < 50; i++) {
      await (clients[i % 2] as Etcd3).put(`failover/during/${i}`).value(String(i));
    }

    await leader.restart();
    const { revision } = await cluster.converged(cluster.members);
    assert.ok(revision >= 54, `the cluster is at revision ${revision}`);
    // The old leader serves, from its own state, what was written while it was down.
    const local = await leader
      .client()
      .getAll()
      .prefix('failover/during/')
      .serializable(true)
      .count();
    assert.equal(local, 50);
  });

  it('a writer through every member while the leader is killed: each acknowledged write is there exactly once', async (t) => {
    // Independent of the test before: every member up.
    for (const member of cluster.members) if (!member.running) await member.restart();
    const leader = await cluster.leader();
    const writer = new Writer(
      cluster.members.map((m) => m.client()),
      'acked/',
    ).start();
    try {
      await writer.moreAcked(200, 20_000);
      const killedAt = Date.now();
      await leader.kill();
      await writer.moreAcked(200, 20_000);
      await writer.stop();
      t.diagnostic(
        `${writer.acked.length} acknowledged, ${writer.failed.length} failed; longest gap after the kill ${writer.longestGapMs(killedAt)} ms`,
      );
    } finally {
      await writer.stop();
    }

    const kinds = new Map<string, number>();
    for (const f of writer.failed) kinds.set(f.message, (kinds.get(f.message) ?? 0) + 1);
    t.diagnostic(`failures: ${JSON.stringify([...kinds])}`);
    const unexpected = writer.failed.filter((f) => !retryable.test(f.message));
    assert.deepEqual(unexpected, [], 'every failure is one a client may retry');

    await leader.restart();
    await cluster.converged(cluster.members);
    const survivor = cluster.members.find((m) => m !== leader) as ClusterMember;
    const stored = await survivor.client().getAll().prefix('acked/').exec();
    const byKey = new Map(stored.kvs.map((kv) => [kv.key.toString(), kv]));
    for (const ack of writer.acked) {
      const kv = byKey.get(ack.key);
      assert.ok(
        kv !== undefined,
        `acknowledged write ${ack.key} (revision ${ack.revision}) is lost`,
      );
      assert.equal(kv.value.toString(), ack.value);
      assert.equal(
        Number(kv.mod_revision),
        ack.revision,
        `${ack.key} is at its acknowledged revision`,
      );
    }
    for (const kv of stored.kvs) {
      const key = kv.key.toString();
      assert.ok(writer.attempted.has(key), `${key} was never written`);
      assert.equal(kv.version, '1', `${key} was applied more than once (version ${kv.version})`);
    }
  });
});

/**
 * Sends a put every 20 ms, round robin over `clients`, until one succeeds; returns the time
 * from `since` to that success. Rejects after `timeoutMs`.
 */
function firstWrite(
  clients: readonly Etcd3[],
  key: string,
  since: number,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = false;
    const finish = (): void => {
      done = true;
      clearInterval(timer);
    };
    const attempt = (): void => {
      if (done) return;
      if (performance.now() - since > timeoutMs) {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a write to succeed`));
        return;
      }
      const client = clients[sent % clients.length] as Etcd3;
      sent++;
      client
        .put(key)
        .value(String(sent))
        .options({ deadline: Date.now() + timeoutMs })
        .exec()
        .then(
          () => {
            if (done) return;
            finish();
            resolve(performance.now() - since);
          },
          () => undefined, // no leader yet: the next attempt is already scheduled
        );
    };
    const timer = setInterval(attempt, 20);
    attempt();
  });
}
