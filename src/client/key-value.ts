/**
 * A key's state as the application sees it: bytes as Buffers (`kv.value.toString()` for
 * text), revisions as numbers, the lease ID as a bigint (0n: no lease).
 */
import { int, type WireKeyValue } from './proto.js';

export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  /** The revision of the put that created the key (since its last deletion). */
  readonly createRevision: number;
  /** The revision of the key's last change. */
  readonly modRevision: number;
  /** Puts since the key was created (1 after the first). */
  readonly version: number;
  readonly lease: bigint;
}

export function keyValue(wire: WireKeyValue): KeyValue {
  return {
    key: wire.key,
    value: wire.value,
    createRevision: int(wire.createRevision),
    modRevision: int(wire.modRevision),
    version: int(wire.version),
    lease: BigInt(wire.lease || '0'),
  };
}
