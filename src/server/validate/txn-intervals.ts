/**
 * etcd's rule against a txn writing one key twice (checkIntervals in v3rpc/key.go): within the
 * ops that run together, no key may be put twice, and no put may fall inside a deleted range.
 * Nested txns count with their parent, except that a nested txn's then-branch and
 * else-branch may put the same key (only one of them runs).
 *
 * This is etcd's rule exactly, quirks included, because clients rely on what etcd accepts: a
 * delete whose range_end is "\0" ("every key >= key") is the interval [key, "\0"), which holds
 * no key, so it never conflicts. The store must therefore apply a txn's ops in order.
 */
import { ConcordError } from '../../base/errors.js';
import type { RequestOpIn } from '../wire/kv.js';

/** A half-open interval of keys; an empty `end` is +infinity (etcd's StringAffineComparable). */
interface Interval {
  readonly begin: string;
  readonly end: string;
}

/** Orders keys as etcd's StringAffineComparable does: "" sorts after every other key. */
function compareAffine(a: string, b: string): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function overlaps(a: Interval, b: Interval): boolean {
  return compareAffine(a.begin, b.end) < 0 && compareAffine(a.end, b.begin) > 0;
}

function point(key: string): Interval {
  return { begin: key, end: key + '\u0000' };
}

/** Bytes as a string whose code units order like the bytes (latin1 maps each byte to one unit). */
function keyText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

const everything: Interval = { begin: '\u0000', end: '' };

interface Writes {
  readonly puts: Set<string>;
  readonly deletes: Interval[];
}

/** Throws DuplicateKey when `ops` (one branch of a txn) writes a key twice. */
export function checkTxnIntervals(ops: readonly RequestOpIn[]): void {
  collectWrites(ops);
}

function collectWrites(ops: readonly RequestOpIn[]): Writes {
  const deletes: Interval[] = [];
  for (const op of ops) {
    const request = op.requestDeleteRange;
    if (op.request !== 'requestDeleteRange' || request === undefined) continue;
    const key = keyText(request.key);
    deletes.push(
      request.rangeEnd.length === 0 ? point(key) : { begin: key, end: keyText(request.rangeEnd) },
    );
  }
  const conflicts = (key: string): boolean => deletes.some((d) => overlaps(point(key), d));

  const puts = new Set<string>();
  for (const op of ops) {
    if (op.request !== 'requestTxn' || op.requestTxn === undefined) continue;
    const then = collectWrites(op.requestTxn.success);
    const otherwise = collectWrites(op.requestTxn.failure);
    for (const key of then.puts) {
      if (puts.has(key) || conflicts(key)) throw new ConcordError('DuplicateKey');
      puts.add(key);
    }
    for (const key of otherwise.puts) {
      if (puts.has(key) && !then.puts.has(key)) throw new ConcordError('DuplicateKey');
      if (conflicts(key)) throw new ConcordError('DuplicateKey');
      puts.add(key);
    }
    for (const d of [...then.deletes, ...otherwise.deletes]) {
      if (overlaps(d, everything)) deletes.push(d);
    }
  }

  for (const op of ops) {
    if (op.request !== 'requestPut' || op.requestPut === undefined) continue;
    const key = keyText(op.requestPut.key);
    if (puts.has(key) || conflicts(key)) throw new ConcordError('DuplicateKey');
    puts.add(key);
  }
  return { puts, deletes };
}
