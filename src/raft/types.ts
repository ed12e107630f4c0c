/**
 * The data that flows in and out of the Raft core. Every value here is treated as immutable
 * once handed over: the core never mutates an entry or a message it has returned, and callers
 * must not mutate what they pass in.
 */

/** A member's identity: 64-bit, so a bigint (never a lossy number). 0n means "none". */
export type NodeId = bigint;
export const None: NodeId = 0n;

export type EntryType = 'Normal' | 'ConfChange';

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Opaque to Raft. Empty for the no-op a new leader appends. */
  readonly data: Uint8Array;
}

/** What must be on stable storage before a member sends anything that depends on it. */
export interface HardState {
  readonly term: number;
  /** Who this member voted for in `term`, or {@link None}. */
  readonly vote: NodeId;
  readonly commit: number;
}

export const emptyHardState: HardState = { term: 0, vote: None, commit: 0 };

/** The membership: who votes, and who only receives the log. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application's state machine at `metadata.index`; opaque to Raft. */
  readonly data: Uint8Array;
}

export type MessageType =
  // Local messages: never sent over the network.
  | 'MsgHup' // start an election
  | 'MsgBeat' // leader: send heartbeats
  | 'MsgCheckQuorum' // leader: step down if a quorum has not been heard from
  | 'MsgUnreachable' // the transport could not reach `from`
  | 'MsgSnapStatus' // the transport finished (or failed) sending a snapshot to `from`
  // Network messages.
  | 'MsgProp'
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgSnap'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgTransferLeader'
  | 'MsgTimeoutNow'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp';

export interface Message {
  readonly type: MessageType;
  readonly to: NodeId;
  readonly from: NodeId;
  readonly term: number;
  /** MsgApp: the term of the entry at `index`; vote requests: the candidate's last log term. */
  readonly logTerm: number;
  /** MsgApp: the index before `entries`; MsgAppResp: the acknowledged or rejected index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly snapshot?: Snapshot;
  readonly reject: boolean;
  /** On a rejected MsgAppResp: the follower's hint for where the leader should probe next. */
  readonly rejectHint: number;
  /** MsgReadIndex / MsgReadIndexResp / heartbeats: the read request's context. */
  readonly context?: Uint8Array;
  /** MsgVote / MsgPreVote: part of a leadership transfer, so ignore the leader lease. */
  readonly transfer?: boolean;
}

/** A linearizable read point: `context` may be served once the applied index reaches `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

export type StateType = 'Follower' | 'PreCandidate' | 'Candidate' | 'Leader';

/** Volatile state worth telling the application about; not persisted. */
export interface SoftState {
  readonly lead: NodeId;
  readonly state: StateType;
}

/**
 * Everything the core asks the application to do. The application must, in this order:
 * 1. persist `hardState`, `entries` and `snapshot` (one fsync when `mustSync`);
 * 2. send `messages` (a leader may send its MsgApp/MsgHeartbeat/MsgSnap/MsgTimeoutNow before
 *    step 1 completes; nothing else may go before it, see {@link isSafeToSendBeforePersist});
 * 3. apply `snapshot`, then `committedEntries`, to the state machine;
 * 4. call `advance()`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly readStates: readonly ReadState[];
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  /** True when hard state or entries changed, so the write must be fsynced. */
  readonly mustSync: boolean;
}

/** UpdateNode changes only the member's attributes in the context (Raft sees no change). */
export type ConfChangeType = 'AddNode' | 'RemoveNode' | 'AddLearnerNode' | 'UpdateNode';

/**
 * A single membership change. Adding a member that is a learner promotes it. Only one voter
 * may change at a time (Raft dissertation section 4.1), so no joint configuration is needed.
 */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque to Raft: e.g. the new member's peer URLs. */
  readonly context: Uint8Array;
}

/** A message is local when it never crosses the network. */
export function isLocalMessage(type: MessageType): boolean {
  return (
    type === 'MsgHup' ||
    type === 'MsgBeat' ||
    type === 'MsgCheckQuorum' ||
    type === 'MsgUnreachable' ||
    type === 'MsgSnapStatus'
  );
}

/** A message is a response when it answers another member's request. */
export function isResponseMessage(type: MessageType): boolean {
  return (
    type === 'MsgAppResp' ||
    type === 'MsgVoteResp' ||
    type === 'MsgPreVoteResp' ||
    type === 'MsgHeartbeatResp' ||
    type === 'MsgReadIndexResp' ||
    type === 'MsgUnreachable' ||
    type === 'MsgSnapStatus'
  );
}

/**
 * Messages that may go out before the persist of the same Ready completes, because they
 * promise nothing about the sender's own disk: a leader's appends, heartbeats, snapshots and
 * TimeoutNow carry its log and commit outward, and requests a follower forwards to the leader
 * (proposals, read-index and transfer requests) are the client's, not the follower's. Every
 * other message (acks, votes) must wait for the fsync.
 */
export function isSafeToSendBeforePersist(message: Message): boolean {
  switch (message.type) {
    case 'MsgApp':
    case 'MsgHeartbeat':
    case 'MsgSnap':
    case 'MsgTimeoutNow':
    case 'MsgProp':
    case 'MsgReadIndex':
    case 'MsgTransferLeader':
      return true;
    default:
      return false;
  }
}
