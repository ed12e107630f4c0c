import type { Message, MessageType, NodeId } from './types.js';

/** The fields a message must name; the rest default to zero, empty or false. */
export interface MessageFields extends Partial<Message> {
  readonly type: MessageType;
}

const noEntries: readonly never[] = Object.freeze([]);

/**
 * Builds a message with every optional field filled with its zero value. Every message has
 * the same shape (same fields, same order), which keeps the hot paths monomorphic.
 */
export function message(fields: MessageFields): Message {
  return {
    type: fields.type,
    to: fields.to ?? 0n,
    from: fields.from ?? 0n,
    term: fields.term ?? 0,
    logTerm: fields.logTerm ?? 0,
    index: fields.index ?? 0,
    entries: fields.entries ?? noEntries,
    commit: fields.commit ?? 0,
    snapshot: fields.snapshot,
    reject: fields.reject ?? false,
    rejectHint: fields.rejectHint ?? 0,
    context: fields.context,
    transfer: fields.transfer,
  };
}

/** The response type that answers a vote request of the given kind. */
export function voteResponseType(type: MessageType): MessageType {
  switch (type) {
    case 'MsgVote':
      return 'MsgVoteResp';
    case 'MsgPreVote':
      return 'MsgPreVoteResp';
    default:
      throw new Error(`not a vote message: ${type}`);
  }
}

export function formatNodeId(id: NodeId): string {
  return id.toString();
}
