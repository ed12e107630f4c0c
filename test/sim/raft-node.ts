import type { RaftConfig } from '../../src/raft/config.js';
import type {
  ConfChange,
  ConfState,
  Message,
  NodeId,
  Ready,
  StateType,
} from '../../src/raft/types.js';

/** What the simulator reads of a member's status. */
export interface NodeStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly lead: NodeId;
  readonly state: StateType;
  readonly lastIndex: number;
  readonly config: ConfState;
  readonly progress?: ReadonlyMap<
    NodeId,
    { readonly match: number; readonly next: number; readonly state: string }
  >;
}

/**
 * The part of the production core's RawNode (src/raft/raw-node.ts) the simulator drives. A
 * structural type, so scripted tests can drive the harness with a stand-in when they need to.
 */
export interface RaftNode {
  tick(): void;
  step(message: Message): void;
  propose(data: Uint8Array): void;
  proposeBatch(data: readonly Uint8Array[]): void;
  proposeConfChange(change: ConfChange): void;
  applyConfChange(change: ConfChange): ConfState;
  readIndex(context: Uint8Array): void;
  transferLeader(to: NodeId): void;
  campaign(): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  reportUnreachable(id: NodeId): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(): void;
  status(): NodeStatus;
}

export type CreateNode = (config: RaftConfig) => RaftNode;
