import type { ConfChangeType, Message } from '../../../src/raft/types.js';
import type { Args } from './args.js';
import type { InteractionEnv } from './env.js';

const encoder = new TextEncoder();

/** campaign ID: the node starts an election now. */
export function campaign(env: InteractionEnv, args: Args): void {
  env.step(args.firstId(), (raw) => raw.campaign());
}

/** propose ID DATA */
export function propose(env: InteractionEnv, args: Args): void {
  const data = encoder.encode(args.positional(1, 'data'));
  env.step(args.firstId(), (raw) => raw.propose(data));
}

const confChangeKeys: Record<string, ConfChangeType> = {
  add: 'AddNode',
  remove: 'RemoveNode',
  'add-learner': 'AddLearnerNode',
};

/** propose-conf-change ID add=N | remove=N | add-learner=N */
export function proposeConfChange(env: InteractionEnv, args: Args): void {
  const key = Object.keys(confChangeKeys).find((k) => args.has(k));
  if (key === undefined) throw new Error('propose-conf-change: add=, remove= or add-learner=');
  const change = {
    type: confChangeKeys[key]!,
    nodeId: BigInt(args.requiredInt(key)),
    context: new Uint8Array(),
  };
  env.step(args.firstId(), (raw) => raw.proposeConfChange(change));
}

/** process-ready ID...: one Ready each (persist, send, apply, advance). */
export function processReady(env: InteractionEnv, args: Args): void {
  const ids = args.ids();
  for (const id of ids) {
    if (ids.length === 1) {
      env.processReady(id);
      continue;
    }
    env.output.info(`> ${id} handling Ready`);
    env.output.withIndent(() => env.processReady(id));
  }
}

/**
 * deliver-msgs [type=MsgApp] ID...: delivers the queued messages to these nodes.
 * deliver-msgs drop=(ID...) [type=...]: discards them instead.
 */
export function deliverMsgs(env: InteractionEnv, args: Args): void {
  const type = args.string('type');
  const match = (m: Message): boolean => type === undefined || m.type === type;
  for (const id of args.intList('drop')) env.deliver(id, { drop: true, match });
  for (const id of args.ids()) env.deliver(id, { match });
}

/** stabilize [ID...]: Readys and deliveries among these nodes (default: all) until quiet. */
export function stabilize(env: InteractionEnv, args: Args): void {
  const ids = args.ids();
  env.stabilize(ids.length > 0 ? ids : env.allIds());
}

/** tick ID [N]: N ticks (default 1). */
export function tick(env: InteractionEnv, args: Args): void {
  const count = args.cmd.positional[1] === undefined ? 1 : Number(args.cmd.positional[1]);
  ticks(env, args.firstId(), count);
}

/** tick-heartbeat ID: as many ticks as a heartbeat interval. */
export function tickHeartbeat(env: InteractionEnv, args: Args): void {
  const id = args.firstId();
  ticks(env, id, env.raw(id).raft.config.heartbeatTicks);
}

/** tick-election ID: as many ticks as the (minimum) election timeout. */
export function tickElection(env: InteractionEnv, args: Args): void {
  const id = args.firstId();
  ticks(env, id, env.raw(id).raft.config.electionTicks);
}

function ticks(env: InteractionEnv, id: number, count: number): void {
  for (let i = 0; i < count; i++) env.step(id, (raw) => raw.tick());
}

/** set-randomized-election-timeout ID timeout=N */
export function setRandomizedElectionTimeout(env: InteractionEnv, args: Args): void {
  env.raw(args.firstId()).raft.randomizedElectionTimeout = args.requiredInt('timeout');
}

/** transfer-leadership from=X to=Y: X (the leader, or a member that forwards) is asked. */
export function transferLeadership(env: InteractionEnv, args: Args): void {
  const to = BigInt(args.requiredInt('to'));
  env.step(args.requiredInt('from'), (raw) => raw.transferLeader(to));
}

/** read-index ID CONTEXT: asks for a linearizable read point. */
export function readIndex(env: InteractionEnv, args: Args): void {
  const context = encoder.encode(args.positional(1, 'context'));
  env.step(args.firstId(), (raw) => raw.readIndex(context));
}

/** report-unreachable ID PEER: node ID's transport failed to reach PEER. */
export function reportUnreachable(env: InteractionEnv, args: Args): void {
  const [id, peer] = args.ids();
  if (id === undefined || peer === undefined) throw new Error('report-unreachable ID PEER');
  env.step(id, (raw) => raw.reportUnreachable(BigInt(peer)));
}
