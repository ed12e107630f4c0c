import type { Message, MessageType, NodeId } from './types.js';

/** The fields a message must name; the rest default to zero, empty or false. */
export interface MessageFields extends Partial<Message> {
  readonly type: MessageType;
}

const noEntries: readonly never[] = Object.freeze([]);

/** Builds a message with every optional field filled with its zero value. */
export function message(fields: MessageFields): Message {
  return {
    to: 0n,
    from: 0n,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: noEntries,
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
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
