import { ConcordError } from '../base/errors.js';
import type { MemberInfo } from './applier.js';

/**
 * What a Raft snapshot carries besides its metadata: the member list (names, peer and client
 * URLs), the IDs of removed members, and, when a leader sends one to a follower, the whole key-value state (the backend's
 * bytes, taken at send time as etcd does: they may be newer than the snapshot's index, which
 * is safe because the state machine skips entries at or below its own applied index).
 * Snapshots a member takes of itself carry no state: its backend already holds it.
 *
 * Layout: a 4-byte length, that many bytes of JSON (the members), then the state bytes.
 */
export interface SnapshotData {
  readonly members: readonly MemberInfo[];
  /** Absent in snapshots taken before it was recorded: read as none. */
  readonly removed?: readonly bigint[];
  readonly state?: Uint8Array;
}

const formatVersion = 2;

export function encodeSnapshotData(data: SnapshotData): Uint8Array {
  const json = new TextEncoder().encode(
    JSON.stringify({
      formatVersion,
      members: data.members.map((m) => ({ ...m, id: m.id.toString() })),
      removed: (data.removed ?? []).map((id) => id.toString()),
    }),
  );
  const state = data.state ?? new Uint8Array();
  const out = new Uint8Array(4 + json.length + state.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(state, 4 + json.length);
  return out;
}

export function decodeSnapshotData(bytes: Uint8Array): SnapshotData {
  if (bytes.length === 0) return { members: [] };
  if (bytes.length < 4) throw new ConcordError('Corrupt', 'snapshot data is truncated');
  const jsonBytes = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (4 + jsonBytes > bytes.length) throw new ConcordError('Corrupt', 'snapshot data is truncated');
  let parsed: {
    formatVersion: number;
    members: (Omit<MemberInfo, 'id'> & { id: string })[];
    removed?: string[];
  };
  try {
    parsed = JSON.parse(
      new TextDecoder().decode(bytes.subarray(4, 4 + jsonBytes)),
    ) as typeof parsed;
  } catch {
    throw new ConcordError('Corrupt', 'snapshot data is not readable');
  }
  if (parsed.formatVersion !== formatVersion) {
    throw new ConcordError(
      'Corrupt',
      `snapshot data format ${parsed.formatVersion} is not ${formatVersion}`,
    );
  }
  const state = bytes.subarray(4 + jsonBytes);
  return {
    members: parsed.members.map((m) => ({ ...m, id: BigInt(m.id) })),
    removed: (parsed.removed ?? []).map((id) => BigInt(id)),
    state: state.length > 0 ? state : undefined,
  };
}
