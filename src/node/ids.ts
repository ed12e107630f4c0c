import { createHash } from 'node:crypto';

/**
 * 64-bit identities. Member and cluster IDs follow etcd's recipe (a hash of what defines
 * them), so a member started twice with the same flags gets the same ID. IDs are bigints
 * everywhere (DESIGN.md: never a lossy number).
 */
export function memberIdFor(peerUrls: readonly string[], clusterToken: string): bigint {
  return hash64([...peerUrls].sort().join(','), clusterToken);
}

export function clusterIdFor(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return hash64(...sorted.map((id) => id.toString(16)));
}

function hash64(...parts: string[]): bigint {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  const id = digest.readBigUInt64BE(0);
  return id === 0n ? 1n : id; // 0 means "none" in Raft
}

/**
 * Unique 63-bit request and lease IDs, as etcd's idutil: the member's low bits, then a
 * counter seeded from the time of start, so IDs from different members and from restarts of
 * one member do not collide.
 */
export class IdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, startMs: number) {
    // 15 bits, so the ID stays a positive int64 on the wire (etcd rejects negative lease IDs).
    this.prefix = (memberId & 0x7fffn) << 48n;
    this.suffix = (BigInt(Math.floor(startMs)) & 0xff_ffff_ffffn) << 8n;
  }

  next(): bigint {
    this.suffix = (this.suffix + 1n) & 0xffff_ffff_ffffn;
    return this.prefix | this.suffix;
  }
}
