import type { ConfState } from '../../../src/raft/types.js';
import type { Args } from './args.js';
import type { InteractionEnv, NodeOptions } from './env.js';
import { describeSnapshot } from './format.js';
import { snapshotData } from './harness-storage.js';
import { isLogLevel } from './output.js';

/**
 * add-nodes N [voters=(1,2,3)] [learners=(4)] [index=I] [prevote=true] [checkquorum=true]
 *   [election=10] [heartbeat=1] [inflight=256] [max-msg-bytes=B] [max-uncommitted-bytes=B]
 *   [disable-forwarding=true]
 * Adds N nodes with the next IDs. With voters/learners they start from that configuration
 * (at a snapshot at `index`, term 1, when given); without, from an empty one (to be added by
 * a conf change). Pre-vote and check-quorum are off unless asked for, as in etcd's scripts.
 */
export function addNodes(env: InteractionEnv, args: Args): void {
  const n = args.firstId();
  const bigints = (ids: number[]): bigint[] => ids.map((id) => BigInt(id));
  const confState: ConfState = {
    voters: bigints(args.intList('voters')),
    learners: bigints(args.intList('learners')),
  };
  const options: NodeOptions = {
    preVote: args.bool('prevote') ?? false,
    checkQuorum: args.bool('checkquorum') ?? false,
    electionTicks: args.int('election') ?? 10,
    heartbeatTicks: args.int('heartbeat') ?? 1,
    ...optional('inflightMessagesMax', args.int('inflight')),
    ...optional('messageBytesMax', args.int('max-msg-bytes')),
    ...optional('uncommittedBytesMax', args.int('max-uncommitted-bytes')),
    ...optional('disableProposalForwarding', args.bool('disable-forwarding')),
  };
  for (let i = 0; i < n; i++) env.addNode(options, confState, args.int('index') ?? 0);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** log-level none|info|debug */
export function logLevel(env: InteractionEnv, args: Args): void {
  const level = args.positional(0, 'level');
  if (!isLogLevel(level)) throw new Error(`unknown log level ${level}`);
  env.output.level = level;
}

/** crash ID...: the nodes stop, losing what they had not persisted. */
export function crash(env: InteractionEnv, args: Args): void {
  for (const id of args.ids()) env.crash(id);
}

/** restart ID...: the nodes start again from their storage (crashing first if running). */
export function restart(env: InteractionEnv, args: Args): void {
  for (const id of args.ids()) env.restart(id);
}

/** partition ID...: cuts every link between these nodes and the rest. */
export function partition(env: InteractionEnv, args: Args): void {
  env.partition(args.ids());
}

export function heal(env: InteractionEnv): void {
  env.heal();
}

/** snapshot ID: the application snapshots its state at its applied index. */
export function snapshot(env: InteractionEnv, args: Args): void {
  const node = env.node(args.firstId());
  const snap = node.storage.createSnapshot(
    node.applied,
    node.confState,
    snapshotData(node.applied),
  );
  env.output.print(`snapshot ${describeSnapshot(snap)}`);
}

/**
 * compact ID INDEX: snapshots at INDEX (which must be applied) and discards the log up to
 * it, as an application does to bound its log. Prints the log that is left.
 */
export function compact(env: InteractionEnv, args: Args): void {
  const id = args.firstId();
  const node = env.node(id);
  const index = Number(args.positional(1, 'index'));
  if (index > node.applied) throw new Error(`compact ${index}: only ${node.applied} is applied`);
  if (index > node.storage.storedSnapshot().metadata.index) {
    node.storage.createSnapshot(index, node.confState, snapshotData(index));
  }
  node.storage.compact(index);
}
