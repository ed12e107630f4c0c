/** Leader transfer: MoveLeader (etcd's Maintenance API) to a random follower, under load. */
import { memberId } from '../cluster.js';
import type { Nemesis } from './nemesis.js';

export function leaderTransferNemesis(): Nemesis {
  return {
    name: 'leader-transfer',
    async start({ chaos, prng }) {
      const leader = await chaos.leaderNow();
      if (leader === undefined) return undefined;
      const followers = chaos.live().filter((m) => m !== leader);
      if (followers.length === 0) return undefined;
      const target = prng.pick(followers);
      await chaos.client(leader).moveLeader(memberId(target), 10_000);
      return `MoveLeader ${leader.name} -> ${target.name}`;
    },
    async heal() {},
  };
}
