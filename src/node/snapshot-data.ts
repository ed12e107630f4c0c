import type { MemberInfo } from './applier.js';

/**
 * What a Raft snapshot carries besides its metadata. The key-value state lives in the backend
 * (the db file), which is made durable before a snapshot lets the WAL go; the snapshot itself
 * records what the backend does not: the member list (names and peer URLs).
 */
export interface SnapshotData {
  readonly members: readonly MemberInfo[];
}

const formatVersion = 1;

export function encodeSnapshotData(data: SnapshotData): Uint8Array {
  const json = JSON.stringify({
    formatVersion,
    members: data.members.map((m) => ({ ...m, id: m.id.toString() })),
  });
  return new TextEncoder().encode(json);
}

export function decodeSnapshotData(bytes: Uint8Array): SnapshotData {
  if (bytes.length === 0) return { members: [] };
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as {
    formatVersion: number;
    members: (Omit<MemberInfo, 'id'> & { id: string })[];
  };
  if (parsed.formatVersion !== formatVersion) {
    throw new Error(`snapshot data format ${parsed.formatVersion} is not ${formatVersion}`);
  }
  return { members: parsed.members.map((m) => ({ ...m, id: BigInt(m.id) })) };
}
