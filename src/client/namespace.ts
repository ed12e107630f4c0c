/**
 * A namespace: every key the application names is sent with a prefix, and every key the
 * server answers has it removed, so an application sees only its own part of the keyspace
 * (etcd's clientv3/namespace). Range ends are mapped the same way; the "to the end" range
 * end `\0` becomes the end of the namespace, never the whole keyspace.
 */
import { prefixEnd, rangeEndAll } from './bytes.js';
import type { WireKeyValue } from './proto.js';

export class Namespace {
  constructor(readonly prefix: Buffer) {}

  get empty(): boolean {
    return this.prefix.length === 0;
  }

  key(key: Buffer): Buffer {
    return this.empty ? key : Buffer.concat([this.prefix, key]);
  }

  /** The wire range end for the application's [key, end); an empty end stays empty (one key). */
  rangeEnd(key: Buffer, end: Buffer): Buffer {
    if (this.empty || end.length === 0) return end;
    if (end.equals(rangeEndAll)) {
      void key;
      return prefixEnd(this.prefix);
    }
    return Buffer.concat([this.prefix, end]);
  }

  strip(key: Buffer): Buffer {
    if (this.empty) return key;
    return key.subarray(Math.min(this.prefix.length, key.length));
  }

  stripKv<T extends WireKeyValue | null>(kv: T): T {
    if (kv === null || this.empty) return kv;
    return { ...kv, key: this.strip(kv.key) };
  }
}
