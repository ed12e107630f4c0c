/**
 * Txn guards (etcd's applyCompare/compareKV). A compare reads its key (or every key in its
 * range) at the view's revision and holds when every key satisfies it. Over no keys, VALUE
 * compares always fail (gRPC cannot tell a missing value from an empty one) and the others
 * compare against a zero KeyValue (version 0, create 0, mod 0, lease 0), so
 * `version(k) = 0` is how to say "k does not exist". The stored side is on the left:
 * GREATER means stored > operand.
 */
import { unreachable } from '../base/assert.js';
import { compareBytes, emptyBytes } from './bytes.js';
import { keyRange } from './key-range.js';
import type { KvStore, ReadView } from './kv-store.js';
import type { Compare, KeyValue } from './types.js';

const absent: KeyValue = {
  key: emptyBytes,
  value: emptyBytes,
  createRevision: 0,
  modRevision: 0,
  version: 0,
  lease: 0n,
};

export function applyCompare(store: KvStore, view: ReadView, c: Compare): boolean {
  const kvs = store.keyValues(view.reader, keyRange(c.key, c.rangeEnd), view.revision);
  if (kvs.length === 0) return c.target === 'VALUE' ? false : compareKv(c, absent);
  return kvs.every((kv) => compareKv(c, kv));
}

export function compareKv(c: Compare, kv: KeyValue): boolean {
  const result = order(c, kv);
  switch (c.result) {
    case 'EQUAL':
      return result === 0;
    case 'NOT_EQUAL':
      return result !== 0;
    case 'GREATER':
      return result > 0;
    case 'LESS':
      return result < 0;
    default:
      return unreachable(c.result, 'compare result');
  }
}

function order(c: Compare, kv: KeyValue): number {
  switch (c.target) {
    case 'VALUE':
      return compareBytes(kv.value, c.value ?? emptyBytes);
    case 'VERSION':
      return Math.sign(kv.version - (c.version ?? 0));
    case 'CREATE':
      return Math.sign(kv.createRevision - (c.createRevision ?? 0));
    case 'MOD':
      return Math.sign(kv.modRevision - (c.modRevision ?? 0));
    case 'LEASE': {
      const operand = c.lease ?? 0n;
      return kv.lease === operand ? 0 : kv.lease > operand ? 1 : -1;
    }
    default:
      return unreachable(c.target, 'compare target');
  }
}
