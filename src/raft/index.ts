/** The Raft core's public surface. See DESIGN.md (layer src/raft). */
export { RawNode, type RawNodeOptions } from './raw-node.js';
export { Raft, type StepResult, type CampaignType } from './raft.js';
export { validateConfig, type RaftConfig, type ValidRaftConfig } from './config.js';
export { MemoryStorage, emptyConfState, type RaftStorage } from './storage.js';
export { encodeConfChange, decodeConfChange } from './confchange-codec.js';
export { message } from './message.js';
export type { Status, ProgressStatus } from './status.js';
export * from './types.js';
