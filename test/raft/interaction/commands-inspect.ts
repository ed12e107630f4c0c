import type { Args } from './args.js';
import type { InteractionEnv } from './env.js';
import { describeEntry } from './format.js';

/** raft-state: each node's role, term and leader, as it sees them. */
export function raftState(env: InteractionEnv): void {
  for (const node of env.nodes) {
    if (node.raw === undefined) {
      env.output.print(`${node.id}: down`);
      continue;
    }
    const s = node.raw.status();
    const id = BigInt(node.id);
    const role = s.config.voters.includes(id)
      ? 'Voter'
      : s.config.learners.includes(id)
        ? 'Learner'
        : 'Non-Member';
    env.output.print(`${node.id}: ${s.state} (${role}) Term:${s.term} Lead:${s.lead}`);
  }
}

/** raft-log ID: the entries in the node's storage (what it has persisted). */
export function raftLog(env: InteractionEnv, args: Args): void {
  const storage = env.node(args.firstId()).storage;
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  if (last < first) {
    env.output.print(`log is empty: first index=${first}, last index=${last}`);
    return;
  }
  const entries = storage.entries(first, last + 1, Number.POSITIVE_INFINITY);
  env.output.print(...entries.map(describeEntry));
}

/** status ID: term, commit and applied; on a leader, each member's progress. */
export function status(env: InteractionEnv, args: Args): void {
  const raw = env.raw(args.firstId());
  const s = raw.status();
  let line = `${s.id}: ${s.state} Term:${s.term} Lead:${s.lead} Commit:${s.commit} Applied:${s.applied} LastIndex:${s.lastIndex}`;
  if (s.leadTransferee !== 0n) line += ` Transferee:${s.leadTransferee}`;
  env.output.print(line);
  if (s.state !== 'Leader') return;
  const ids = [...raw.raft.tracker.progress.keys()].sort((a, b) => (a < b ? -1 : 1));
  for (const id of ids) env.output.print(`  ${id}: ${raw.raft.tracker.progress.get(id)}`);
}
