/**
 * Membership changes under load, through the Cluster gRPC service: a new member joins as a
 * learner, catches up, is promoted, and then a member is removed (the leader a third of the
 * time), so the cluster keeps its size. Done only when every member runs and none is cut
 * off: a change on a faulted cluster can cost its quorum, which is not what this tests.
 */
import { memberId } from '../cluster.js';
import { eventually } from '../../helpers/wait.js';
import type { Nemesis, NemesisContext } from './nemesis.js';

export function membershipNemesis(): Nemesis {
  return {
    name: 'membership',
    start: change,
    async heal() {},
  };
}

async function change(context: NemesisContext): Promise<string | undefined> {
  const { chaos, prng } = context;
  const members = chaos.cluster.members;
  if (chaos.live().length !== members.length || chaos.cutNow.length > 0) return undefined;
  const leader = await chaos.leaderNow();
  if (leader === undefined) return undefined;
  const admin = chaos.client(leader);
  const learner = await chaos.allocate();
  const added = await admin.memberAdd(learner.peerUrl, true, 10_000);
  learner.id = BigInt(added.ID).toString(16);
  const initialCluster = chaos.cluster.initialCluster();
  await learner.start({ state: 'existing', initialCluster });
  // Promotion is refused until the learner has caught up with the leader (etcd's check).
  await eventually(
    `learner ${learner.name} to be promoted`,
    async () => {
      const current = (await chaos.leaderNow()) ?? leader;
      return chaos
        .client(current)
        .memberPromote(memberId(learner), 5000)
        .then(() => true)
        .catch(() => false);
    },
    (promoted) => promoted,
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  const others = chaos.cluster.members.filter((m) => m !== learner);
  const victim = prng.chance(1 / 3)
    ? ((await chaos.leaderNow()) ?? prng.pick(others))
    : prng.pick(others);
  const remover = chaos.client(chaos.live().find((m) => m !== victim)!);
  await remover.memberRemove(memberId(victim), 10_000);
  // A removed member shuts itself down once it applies its removal (or learns of it).
  const exited = await victim.exit(20_000).catch(async () => {
    await victim.kill();
    return 'killed';
  });
  await chaos.forget(victim);
  return `added ${learner.name} (learner, promoted), removed ${victim.name}${exited === 'killed' ? ' (killed: it did not exit by itself)' : ''}`;
}
