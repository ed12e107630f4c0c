import { encodeConfChange } from '../raft/confchange-codec.js';
import type { Entry, HardState } from '../raft/types.js';
import { None } from '../raft/types.js';

/** A member of the initial cluster, as the --initial-cluster flag names it. */
export interface InitialMember {
  readonly id: bigint;
  readonly name: string;
  readonly peerUrls: readonly string[];
}

/**
 * The log every member of a new cluster starts with (etcd's bootstrap): one committed
 * AddNode entry per initial member, in ID order, in term 1. Every member writes the same
 * entries, so their logs agree from the start; applying them builds the configuration.
 */
export function bootstrapLog(members: readonly InitialMember[]): {
  entries: Entry[];
  hardState: HardState;
} {
  const sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const entries = sorted.map((member, i): Entry => ({
    term: 1,
    index: i + 1,
    type: 'ConfChange',
    data: encodeConfChange({
      type: 'AddNode',
      nodeId: member.id,
      context: encodeMemberContext({ name: member.name, peerUrls: member.peerUrls }),
    }),
  }));
  return { entries, hardState: { term: 1, vote: None, commit: entries.length } };
}

/** A member's attributes as carried in a conf change's context (absent ones stay as they were). */
export interface MemberContext {
  readonly name?: string;
  readonly peerUrls?: readonly string[];
  readonly clientUrls?: readonly string[];
}

export function encodeMemberContext(member: MemberContext): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(member));
}

export function decodeMemberContext(context: Uint8Array): MemberContext {
  if (context.length === 0) return {};
  try {
    const parsed = JSON.parse(new TextDecoder().decode(context)) as Record<string, unknown>;
    const strings = (v: unknown): string[] | undefined =>
      Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
    return {
      name: typeof parsed.name === 'string' ? parsed.name : undefined,
      peerUrls: strings(parsed.peerUrls),
      clientUrls: strings(parsed.clientUrls),
    };
  } catch {
    return {}; // every member reads the same bytes the same way
  }
}
