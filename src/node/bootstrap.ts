import { ConcordError } from '../base/errors.js';
import { encodeConfChange } from '../raft/confchange-codec.js';
import type { RaftLogStore } from '../storage/raft-log-store.js';
import { saveIdentity, type Identity } from './identity.js';
import { clusterIdFor, memberIdFor } from './ids.js';
import type { MemberOptions } from './member-options.js';
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

/** What bootstrapping a new cluster's member needs (`concord snapshot restore` uses it too). */
export type BootstrapOptions = Pick<
  MemberOptions,
  'name' | 'disk' | 'dataDir' | 'initialCluster' | 'initialClusterToken'
>;

/**
 * Makes `store` (empty) the log of a member of a NEW cluster: the initial members' AddNode
 * entries, committed in term 1, then the identity file (member and cluster IDs derived from
 * the initial cluster and its token, so every member computes the same ones).
 */
export async function bootstrap(options: BootstrapOptions, store: RaftLogStore): Promise<Identity> {
  const initial = options.initialCluster.map((m) => ({
    ...m,
    id: memberIdFor(m.peerUrls, options.initialClusterToken),
  }));
  const self = initial.find((m) => m.name === options.name);
  if (self === undefined) {
    throw new ConcordError(
      'InvalidArgument',
      `--initial-cluster has no member named "${options.name}"`,
    );
  }
  const identity: Identity = {
    name: options.name,
    memberId: self.id,
    clusterId: clusterIdFor(initial.map((m) => m.id)),
    clusterToken: options.initialClusterToken,
  };
  const { entries, hardState } = bootstrapLog(initial);
  await store.persist({ entries, hardState });
  // The identity last: a crash before it leaves a directory that bootstraps again, identically.
  await saveIdentity(options.disk, options.dataDir, identity);
  return identity;
}

/**
 * A member joining an existing cluster (after MemberAdd named its peer URLs): its ID comes
 * from its peer URLs and the cluster token, as MemberAdd computed it; the cluster ID is
 * learned from the first peer that answers. Its log starts empty: the leader sends it all.
 */
export async function joining(
  options: Pick<MemberOptions, 'name' | 'peerUrls' | 'initialClusterToken'>,
): Promise<Identity> {
  return {
    name: options.name,
    memberId: memberIdFor(options.peerUrls, options.initialClusterToken),
    clusterId: 0n,
    clusterToken: options.initialClusterToken,
  };
}
