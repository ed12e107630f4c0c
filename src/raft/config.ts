import { ConcordError } from '../base/errors.js';
import { limits } from '../base/limits.js';
import type { Prng } from '../base/prng.js';
import type { RaftStorage } from './storage.js';
import type { NodeId } from './types.js';
import { None } from './types.js';

/** Everything the core needs, injected: no globals, no clock, no ambient randomness. */
export interface RaftConfig {
  /** This member's ID; never 0. */
  readonly id: NodeId;
  /** The persisted log and state the core starts from and reads. */
  readonly storage: RaftStorage;
  /** The source of election-timeout jitter. */
  readonly prng: Prng;
  /**
   * Ticks a follower waits without hearing from a leader before it campaigns; the actual
   * timeout is drawn from [electionTicks, 2 * electionTicks). Default 10.
   */
  readonly electionTicks?: number;
  /** Ticks between a leader's heartbeats. Default 1. Must be less than electionTicks. */
  readonly heartbeatTicks?: number;
  /** The last applied index when restarting (0 for a fresh member). */
  readonly applied?: number;
  /** Most bytes of entries in one MsgApp. Default 1 MiB. */
  readonly messageBytesMax?: number;
  /** MsgApps in flight to one follower in replicate state. Default 256. */
  readonly inflightMessagesMax?: number;
  /** Bytes of entries in flight to one follower in replicate state. Default 16 MiB. */
  readonly inflightBytesMax?: number;
  /** Bytes of uncommitted entries a leader will accept before dropping proposals. */
  readonly uncommittedBytesMax?: number;
  /** Run a pre-vote round first, so a rejoining member cannot disrupt a healthy leader. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down. */
  readonly checkQuorum?: boolean;
  /** Drop proposals on followers instead of forwarding them to the leader. */
  readonly disableProposalForwarding?: boolean;
}

export type ValidRaftConfig = Required<RaftConfig>;

/** Fills defaults and checks the relations between settings, naming the setting at fault. */
export function validateConfig(config: RaftConfig): ValidRaftConfig {
  const valid: ValidRaftConfig = {
    electionTicks: 10,
    heartbeatTicks: 1,
    applied: 0,
    messageBytesMax: limits.raftMessageBytesMax,
    inflightMessagesMax: limits.raftInflightMessagesMax,
    inflightBytesMax: limits.raftInflightBytesMax,
    uncommittedBytesMax: limits.raftUncommittedBytesMax,
    preVote: true,
    checkQuorum: true,
    disableProposalForwarding: false,
    ...config,
  };
  const fail = (message: string): never => {
    throw new ConcordError('InvalidArgument', `raft config: ${message}`);
  };
  if (valid.id === None) fail('id must not be 0');
  if (!Number.isInteger(valid.heartbeatTicks) || valid.heartbeatTicks <= 0) {
    fail(`heartbeatTicks must be a positive integer, got ${valid.heartbeatTicks}`);
  }
  if (!Number.isInteger(valid.electionTicks) || valid.electionTicks <= valid.heartbeatTicks) {
    fail(
      `electionTicks (${valid.electionTicks}) must be an integer greater than heartbeatTicks (${valid.heartbeatTicks})`,
    );
  }
  if (valid.inflightMessagesMax <= 0) {
    fail(`inflightMessagesMax must be positive, got ${valid.inflightMessagesMax}`);
  }
  if (valid.messageBytesMax <= 0) fail(`messageBytesMax must be positive`);
  if (valid.inflightBytesMax < valid.messageBytesMax) {
    fail(
      `inflightBytesMax (${valid.inflightBytesMax}) must be at least messageBytesMax (${valid.messageBytesMax})`,
    );
  }
  if (valid.uncommittedBytesMax <= 0) fail(`uncommittedBytesMax must be positive`);
  if (valid.applied < 0) fail(`applied must not be negative`);
  return valid;
}
