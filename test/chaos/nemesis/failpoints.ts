/**
 * Failpoints (src/base/failpoints.ts): a member restarts with CONCORD_FAILPOINTS arming one
 * named crash point after a random number of hits, so it dies exactly there (between the WAL
 * write and its fsync, after apply but before the applied index moves, in the middle of a
 * snapshot, during compaction). For the compaction points the nemesis also asks the cluster
 * to compact. On heal the member restarts clean and must come back with nothing acknowledged
 * lost (the checkers see to that).
 */
import type { FailpointName } from '../../../src/base/failpoints.js';
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { restart } from './process-faults.js';

/** Hits to let pass before the crash, per point (snapshots and compactions are rare). */
const points: readonly { name: FailpointName; skip: readonly [number, number] }[] = [
  { name: 'raftBeforeSave', skip: [1, 20] },
  { name: 'raftAfterSave', skip: [1, 20] },
  { name: 'beforeApply', skip: [1, 20] },
  { name: 'afterApply', skip: [1, 20] },
  { name: 'raftBeforeSaveSnap', skip: [0, 0] },
  { name: 'raftMidSaveSnap', skip: [0, 0] },
  { name: 'raftAfterSaveSnap', skip: [0, 0] },
  { name: 'compactBeforeStep', skip: [0, 0] },
  { name: 'compactAfterStep', skip: [0, 0] },
];

/** Revisions kept when the nemesis compacts (watchers resume from recent revisions). */
const compactKeep = 300;

export function failpointNemesis(): Nemesis {
  let armed: ClusterMember | undefined;
  return {
    name: 'failpoint',
    async start(context: NemesisContext) {
      const { chaos, prng } = context;
      const live = chaos.live();
      if (live.length !== chaos.cluster.members.length) return undefined;
      const member = prng.pick(live);
      const point = prng.pick(points);
      const skip = prng.range(point.skip[0], point.skip[1]);
      const spec = `${point.name}=${skip > 0 ? `${skip}*off->` : ''}panic`;
      await member.kill();
      armed = member;
      // It may die at its failpoint before it serves (a WAL write at boot): that is a crash
      // like any other.
      await member.restart(undefined, { CONCORD_FAILPOINTS: spec }).catch(() => undefined);
      let compacted = '';
      if (point.name.startsWith('compact')) {
        const other = chaos.live().find((m) => m !== member) ?? member;
        const revision = Number(
          (await chaos.client(other).range('compact', { timeoutMs: 5000 })).header.revision,
        );
        if (revision > compactKeep + 100) {
          await chaos
            .client(other)
            .compact(revision - compactKeep, 5000)
            .catch(() => undefined);
          compacted = `, compacted to ${revision - compactKeep}`;
        }
      }
      // Give it a while to reach the point (the schedule then holds the fault as usual).
      if (member.running) await member.exit(5000).catch(() => undefined);
      return `restart ${member.name} with CONCORD_FAILPOINTS=${spec}${compacted}`;
    },
    async heal() {
      const member = armed;
      armed = undefined;
      if (member === undefined) return;
      const hit = member.log.match(/failpoint \w+: panic/)?.[0];
      if (member.running) await member.kill();
      await restart(member);
      return hit !== undefined ? `${member.name} crashed at ${hit}` : `${member.name}: not hit`;
    },
  };
}
