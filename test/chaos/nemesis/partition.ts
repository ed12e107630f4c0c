/**
 * Partitions (Jepsen's grudges): majority/minority at random, the leader isolated, a bridge
 * (two halves that only one member hears both of), a ring (each member hears only its
 * neighbours; with 3 members a single cut link, the smallest non-transitive partition).
 * Links are cut with real packet drops in netns mode, a blackholing proxy otherwise.
 */
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { Nemesis, NemesisContext } from './nemesis.js';

export type PartitionKind = 'majority-minority' | 'isolate-leader' | 'bridge' | 'ring';

export const partitionKinds: readonly PartitionKind[] = [
  'majority-minority',
  'isolate-leader',
  'bridge',
  'ring',
];

export function partitionNemesis(kinds: readonly PartitionKind[] = partitionKinds): Nemesis {
  return {
    name: 'partition',
    async start(context) {
      const kind = context.prng.pick(kinds);
      return partition(context, kind);
    },
    async heal(context) {
      context.chaos.heal();
    },
  };
}

/** Cuts links for one kind of partition; returns its description. */
export async function partition(
  context: NemesisContext,
  kind: PartitionKind,
): Promise<string | undefined> {
  const { chaos, prng } = context;
  const members = prng.shuffle([...chaos.cluster.running()]);
  if (members.length < 3) return undefined;
  const names = (ms: readonly ClusterMember[]): string => ms.map((m) => m.name).join(',');
  switch (kind) {
    case 'majority-minority': {
      const minority = members.slice(0, Math.floor((members.length - 1) / 2));
      const majority = members.slice(minority.length);
      chaos.cut([minority, majority]);
      return `${kind}: [${names(minority)}] | [${names(majority)}]`;
    }
    case 'isolate-leader': {
      const leader = (await chaos.leaderNow()) ?? members[0]!;
      const rest = members.filter((m) => m !== leader);
      chaos.cut([[leader], rest]);
      return `${kind}: [${leader.name}] | [${names(rest)}]`;
    }
    case 'bridge': {
      // One member (the bridge) keeps both sides; the sides cannot hear each other.
      const [bridge, ...others] = members;
      const half = Math.ceil(others.length / 2);
      const left = others.slice(0, half);
      const right = others.slice(half);
      chaos.cut([left, right]);
      return `${kind}: [${names(left)}] <${bridge!.name}> [${names(right)}]`;
    }
    case 'ring': {
      // Each member keeps its two ring neighbours; with 3 that is everyone, so cut one link.
      if (members.length === 3) {
        chaos.cutLink(members[0]!, members[1]!);
        return `${kind}: ${members[0]!.name} x ${members[1]!.name}`;
      }
      const cut: string[] = [];
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) {
          const adjacent = j - i === 1 || (i === 0 && j === members.length - 1);
          if (adjacent) continue;
          chaos.cutLink(members[i]!, members[j]!);
          cut.push(`${members[i]!.name}x${members[j]!.name}`);
        }
      }
      return `${kind}: ${names(members)} (cut ${cut.join(' ')})`;
    }
  }
}
