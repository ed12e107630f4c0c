/**
 * Every failpoint, once, deterministically. The chaos runs arm one random point per fault, so
 * a CI run does not show that each of them fires; this sweep does. One 3-member cluster
 * (snapshots every 50 applied entries); per point in src/base/failpoints.ts a follower is
 * restarted with `<point>=panic`, the traffic that reaches the point is driven through the
 * others (puts for the WAL and apply points, enough puts for a snapshot, a Compact for the
 * compaction points), and the follower must die there (its failpoint line, SIGKILL). It then
 * restarts clean and must rejoin with every acknowledged put readable through it (a
 * linearizable read) and the same HashKV as the others at the same revision.
 *
 * Every point is reached by followers: each member saves its own WAL, applies committed
 * entries, snapshots once it has applied snapshot-count entries since its last one (the count
 * starts again at boot), and compacts physically when it applies a Compact. A member armed for
 * a WAL or apply point may die while it boots, before it serves (a HardState save, or entries
 * it applies as it catches up): that is the same crash, just earlier, so the apply points also
 * run once with their first hit skipped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { failpointNames, type FailpointName } from '../../src/base/failpoints.js';
import { Cluster, type ClusterMember, type Exit } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';

const snapshotCount = 50;
/**
 * How long the armed member may take to die, while puts keep coming (a snapshot needs
 * snapshotCount of them, and the leader redials a restarted member with up to 2 s of backoff
 * before any entry reaches it). A bound, not synchronisation: a loaded 2-core machine.
 */
const exitTimeoutMs = 30_000;
const prefix = 'sweep/';

/**
 * Every point at its first hit; the apply points also once more past their first hit: a
 * restarted member applies what it missed in one batch as it boots (it dies there, before it
 * serves), so only a later hit is a crash in the middle of live traffic. (Which hit is first
 * is not asserted: a member dying earlier or later at the same point is the same crash.)
 */
const cases: readonly { point: FailpointName; skip: number }[] = [
  ...failpointNames.map((point) => ({ point, skip: 0 })),
  { point: 'beforeApply', skip: 1 },
  { point: 'afterApply', skip: 1 },
];

describe('failpoint sweep: each point fires and its member recovers', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  /** Puts that returned ok: key -> value (each key is written once). */
  const acked = new Map<string, string>();
  /** Every key a put was sent for, acknowledged or not. */
  const attempted = new Set<string>();
  let sequence = 0;
  let followerTurn = 0;

  before(async () => {
    cluster = await Cluster.start({ size: 3, args: ['--snapshot-count', String(snapshotCount)] });
  });
  after(() => cluster?.destroy());

  async function put(client: Etcd3, tag: string): Promise<void> {
    const key = `${prefix}${String(sequence++).padStart(5, '0')}`;
    const value = `${tag}-${key}`;
    attempted.add(key);
    try {
      await client.put(key).value(value);
      acked.set(key, value);
    } catch {
      // Not acknowledged: it may or may not be there, and either is allowed.
    }
  }

  for (const { point, skip } of cases) {
    const spec = `${point}=${skip > 0 ? `${skip}*off->` : ''}panic`;
    it(`${spec}: the member dies there and rejoins with nothing acknowledged lost`, async (t) => {
      // Independent of the point before: every member up (restarted clean if one is not).
      for (const member of cluster.members) if (!member.running) await member.restart();
      const leader = await cluster.leader(cluster.members, 30_000);
      const followers = cluster.members.filter((m) => m !== leader);
      const target = followers[followerTurn++ % followers.length] as ClusterMember;
      const others = cluster.members.filter((m) => m !== target);
      const client = leader.client();
      // Some committed history for it to catch up on, whatever the point.
      for (let i = 0; i < 3; i++) await put(client, point);

      await target.kill();
      let exit: Exit;
      let puts = 0;
      const diedBooting = await target
        .restart(undefined, { CONCORD_FAILPOINTS: spec })
        .then(() => undefined)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (diedBooting !== undefined) {
        // The helper has reaped it; its error names how it exited.
        const match = /exited \((\{[^}]*\})\) before serving/.exec(diedBooting.message);
        assert.ok(
          match?.[1] !== undefined,
          `${target.name} failed to start: ${diedBooting.message}`,
        );
        exit = JSON.parse(match[1]) as Exit;
      } else {
        let gone = false;
        const exited = target.exit(exitTimeoutMs).finally(() => {
          gone = true;
        });
        exited.catch(() => undefined);
        const compaction = point.startsWith('compact');
        try {
          while (!gone) {
            await put(client, point);
            puts++;
            if (compaction && puts % 10 === 1) {
              // Compact all but the newest revision: every member then compacts physically.
              const revision = Number((await client.get('sweep-probe').exec()).header.revision);
              await client.kv.compact({ revision: String(revision - 1) });
            }
          }
          exit = await exited;
        } catch (error) {
          // Never leave it armed for the next point (which restarts it clean).
          if (target.running) await target.kill();
          throw error;
        }
      }
      t.diagnostic(
        `${target.name} with ${spec}: ${diedBooting !== undefined ? 'died while booting' : `died after ${puts} puts`} (${JSON.stringify(exit)})`,
      );
      assert.ok(
        target.log.includes(`failpoint ${point}: panic`),
        `${target.name} logged "failpoint ${point}: panic"; its log:\n${target.log.slice(-3000)}`,
      );
      assert.deepEqual(exit, { code: null, signal: 'SIGKILL' }, 'a panic is a SIGKILL of itself');

      // While it is down the others still commit.
      for (let i = 0; i < 3; i++) await put(cluster.client(others), `${point}-down`);

      await target.restart();
      await cluster.leader(cluster.members);
      const { revision } = await cluster.converged(cluster.members, 30_000);
      const stored = await target.client().getAll().prefix(prefix).strings();
      for (const [key, value] of acked) {
        assert.equal(stored[key], value, `acknowledged ${key} read through ${target.name}`);
      }
      for (const key of Object.keys(stored)) {
        assert.ok(attempted.has(key), `${key} was never written`);
      }
      t.diagnostic(
        `${target.name} rejoined; ${acked.size} acknowledged, HashKV equal at ${revision}`,
      );
    });
  }
});
