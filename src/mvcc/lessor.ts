/**
 * The deterministic half of etcd's lessor: which leases exist, their granted and
 * last-checkpointed remaining TTLs, and which keys each one holds. Expiry is not decided here
 * (there is no clock in the state machine): the leader's node keeps a deadline per lease
 * (from `remainingTtl` when a checkpoint recorded one, else `ttl`), and when one passes it
 * proposes a LeaseRevoke through Raft, so every member deletes the keys at the same revision.
 *
 * Persistence: the `lease` bucket maps the ID (8 bytes, big-endian, as uint64) to its TTLs.
 * The keys attached are not stored twice: they are rebuilt from the KeyValues' lease fields
 * when the store opens (etcd does the same).
 */
import { assert, assertSafeInteger } from '../base/assert.js';
import { ConcordError } from '../base/errors.js';
import type { BackendRead, BackendWrite } from './backend.js';
import { bytesKey, compareBytes, keyBytes } from './bytes.js';
import { ByteReader, ByteWriter } from '../base/byte-codec.js';
import type { LeaseAttachments } from './kv-store.js';
import type { Lease } from './types.js';

/** etcd's MaxLeaseTTL: 9,000,000,000 seconds. */
export const leaseTtlMaxSeconds = 9_000_000_000;

/**
 * etcd's minimum lease TTL: 1.5 election timeouts (rounded up to whole seconds), so a lease
 * cannot expire during the election a leader change needs. Granted TTLs below it are raised.
 */
export function minLeaseTtlSeconds(electionTicks: number, heartbeatMs: number): number {
  return Math.ceil((Math.floor((3 * electionTicks) / 2) * heartbeatMs) / 1000);
}

interface LeaseRecord {
  readonly id: bigint;
  readonly ttl: number;
  remainingTtl: number;
  /** Attached keys by bytesKey. */
  readonly keys: Set<string>;
}

export interface LeaseTimeToLive extends Lease {
  /** Attached keys, in key order. */
  readonly keys: readonly Uint8Array[];
}

const leaseFormat = 1;

export class Lessor implements LeaseAttachments {
  private readonly leases = new Map<bigint, LeaseRecord>();
  private readonly keyLease = new Map<string, bigint>();

  /** `minTtlSeconds`: see minLeaseTtlSeconds(); at least 1 (a lease that never lives is no lease). */
  constructor(readonly minTtlSeconds = 1) {
    assertSafeInteger(minTtlSeconds, 'minimum lease TTL');
    assert(minTtlSeconds >= 1, 'minimum lease TTL below 1 second');
  }

  /** Loads the lease bucket (before the KV store reattaches keys). */
  restore(reader: BackendRead): void {
    assert(this.leases.size === 0, 'lessor restore into a used lessor');
    reader.scan('lease', {}, (key, value) => {
      const id = leaseIdFromBytes(key);
      const r: ByteReader = new ByteReader(value, `lease ${id}`);
      const format = r.u8();
      if (format !== leaseFormat) r.corrupt(`unknown format ${format}`);
      const ttl = r.uvarint();
      const remainingTtl = r.uvarint();
      r.end();
      this.leases.set(id, { id, ttl, remainingTtl, keys: new Set() });
    });
  }

  has(id: bigint): boolean {
    return this.leases.has(id);
  }

  /** Why a grant must be refused, or undefined. */
  checkGrant(id: bigint, ttl: number): ConcordError | undefined {
    if (id === 0n)
      return new ConcordError('InvalidArgument', 'lease ID 0 is reserved for "no lease"');
    if (!Number.isSafeInteger(ttl)) return new ConcordError('InvalidArgument', `lease TTL ${ttl}`);
    if (ttl > leaseTtlMaxSeconds) {
      return new ConcordError('LeaseTtlTooLarge', 'etcdserver: too large lease TTL');
    }
    if (this.leases.has(id))
      return new ConcordError('LeaseExists', 'etcdserver: lease already exists');
    return undefined;
  }

  /** Grants a checked lease; returns it with the TTL actually granted (at least the minimum). */
  grant(tx: BackendWrite, id: bigint, ttl: number): Lease {
    assert(this.checkGrant(id, ttl) === undefined, 'grant of an unchecked lease');
    const record: LeaseRecord = {
      id,
      ttl: Math.max(ttl, this.minTtlSeconds),
      remainingTtl: 0,
      keys: new Set(),
    };
    this.leases.set(id, record);
    persist(tx, record);
    return view(record);
  }

  /** The keys to delete when revoking `id`, in key order (etcd sorts them too). */
  keysOf(id: bigint): Uint8Array[] {
    const record = this.leases.get(id);
    assert(record !== undefined, 'keysOf an unknown lease');
    return [...record.keys].sort().map(keyBytes);
  }

  /** Forgets the lease; its keys must have been deleted (detached) first. */
  remove(tx: BackendWrite, id: bigint): void {
    const record = this.leases.get(id);
    assert(record !== undefined, 'remove of an unknown lease');
    assert(record.keys.size === 0, () => `lease ${id} removed with ${record.keys.size} keys`);
    this.leases.delete(id);
    tx.delete('lease', leaseIdToBytes(id));
  }

  /** Records a remaining TTL (etcd's checkpoint); unknown leases are ignored, as etcd does. */
  checkpoint(tx: BackendWrite, id: bigint, remainingTtl: number): void {
    const record = this.leases.get(id);
    if (record === undefined) return;
    record.remainingTtl = Math.max(0, Math.floor(remainingTtl));
    persist(tx, record);
  }

  /** Every lease in ID order, for the leader's expiry timers and LeaseLeases. */
  /** How many leases exist (for --max-leases: without list()'s sort). */
  get size(): number {
    return this.leases.size;
  }

  list(): Lease[] {
    return [...this.leases.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(view);
  }

  /** The lease's TTLs, read-only and without copying (a keep-alive reads it per renewal). */
  get(id: bigint): Lease | undefined {
    return this.leases.get(id);
  }

  timeToLive(id: bigint): LeaseTimeToLive | undefined {
    const record = this.leases.get(id);
    if (record === undefined) return undefined;
    const keys = [...record.keys].map(keyBytes).sort(compareBytes);
    return { ...view(record), keys };
  }

  leaseOf(key: Uint8Array): bigint {
    return this.keyLease.get(bytesKey(key)) ?? 0n;
  }

  attach(lease: bigint, key: Uint8Array): void {
    const record = this.leases.get(lease);
    // Put checks the lease exists before writing; a stored key may outlive its lease record
    // only through damage, which restore reports as a missing lease.
    assert(record !== undefined, () => `attach to unknown lease ${lease}`);
    const k = bytesKey(key);
    record.keys.add(k);
    this.keyLease.set(k, lease);
  }

  detach(lease: bigint, key: Uint8Array): void {
    const k = bytesKey(key);
    this.leases.get(lease)?.keys.delete(k);
    this.keyLease.delete(k);
  }
}

function view(record: LeaseRecord): Lease {
  return { id: record.id, ttl: record.ttl, remainingTtl: record.remainingTtl };
}

function persist(tx: BackendWrite, record: LeaseRecord): void {
  const w = new ByteWriter(24);
  w.u8(leaseFormat);
  w.uvarint(record.ttl);
  w.uvarint(record.remainingTtl);
  tx.put('lease', leaseIdToBytes(record.id), w.finish());
}

export function leaseIdToBytes(id: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, id));
  return out;
}

function leaseIdFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) {
    throw new ConcordError('Corrupt', `lease bucket: key of ${bytes.length} bytes, want 8`);
  }
  return BigInt.asIntN(64, new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
}
