/**
 * Waits until every member of a local cluster answers Maintenance.Status and they all name
 * the same leader: the point from which the cluster takes writes.
 */
import type { ClusterPlan } from './cluster-plan.js';
import { CommandError } from './command-error.js';
import { MaintenanceClient } from './maintenance-client.js';

const pollMs = 100;

/** The leader's name; CommandError if there is none by `deadline` (Date.now() ms). */
export async function waitForLeader(plan: ClusterPlan, deadline: number): Promise<string> {
  const clients: MaintenanceClient[] = [];
  try {
    for (const member of plan.members) {
      const address = new URL(member.clientUrl).host;
      clients.push(await MaintenanceClient.connect(address, Math.max(1, deadline - Date.now())));
    }
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      try {
        const statuses = await Promise.all(clients.map((c) => c.status(1000)));
        const leaders = new Set(statuses.map((s) => s.leader));
        const [leader] = leaders;
        const index = statuses.findIndex((s) => s.header.memberId === leader);
        if (leaders.size === 1 && index !== -1) return plan.members[index]!.name;
        last = `leaders seen: ${[...leaders].map((l) => BigInt(l).toString(16)).join(', ')}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new CommandError(`the members did not agree on a leader in time (${last})`);
  } finally {
    for (const client of clients) client.close();
  }
}
