/**
 * The in-memory store behind FakeMember: keys with their full history, revisions, compaction
 * and leases, with etcd's answers for the cases the server tests drive. Not a model of the
 * real store's performance or of every etcd corner; enough to put the real gRPC stack through
 * its paces.
 */
import { ConcordError } from '../../../src/base/errors.js';
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Event,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../../../src/mvcc/types.js';
import { inRange, keyText } from './keys.js';

interface Version {
  readonly revision: number;
  /** Undefined: deleted at `revision`. */
  readonly kv: KeyValue | undefined;
}

export interface Change {
  readonly revision: number;
  readonly events: readonly Event[];
}

interface FakeLease {
  readonly ttl: number;
  readonly keys: Set<string>;
}

const maxLeaseTtl = 9_000_000_000;

export class FakeStore {
  revision = 1;
  compacted = 0;
  readonly changes: Change[] = [];
  readonly leases = new Map<bigint, FakeLease>();
  private readonly history = new Map<string, Version[]>();
  private nextLeaseId = 0x7e57_0000_0000n;
  /** Called with each committed change. */
  onCommit: (change: Change) => void = () => {};

  range(request: RangeRequest): RangeResponse {
    const revision = request.revision ?? 0;
    if (revision > this.revision) throw new ConcordError('FutureRevision');
    const at = revision <= 0 ? this.revision : revision;
    if (at < this.compacted) throw new ConcordError('RevisionCompacted');
    let kvs = this.visible(request.key, request.rangeEnd, at).filter((kv) => passes(kv, request));
    const count = kvs.length;
    kvs = sortKvs(kvs, request);
    const limit = request.limit ?? 0;
    const more = limit > 0 && kvs.length > limit;
    if (more) kvs = kvs.slice(0, limit);
    if (request.countOnly) return { kvs: [], more, count };
    if (request.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: new Uint8Array() }));
    return { kvs, more, count };
  }

  put(request: PutRequest): PutResponse {
    return this.write((revision, events) => this.applyPut(request, revision, events));
  }

  deleteRange(request: DeleteRangeRequest): DeleteRangeResponse {
    return this.write((revision, events) => this.applyDelete(request, revision, events));
  }

  txn(request: TxnRequest): TxnResponse {
    return this.write((revision, events) => this.applyTxn(request, revision, events));
  }

  compact(revision: number): void {
    if (revision <= this.compacted) throw new ConcordError('RevisionCompacted');
    if (revision > this.revision) throw new ConcordError('FutureRevision');
    this.compacted = revision;
  }

  leaseGrant(id: bigint, ttl: number): { id: bigint; ttl: number } {
    if (ttl > maxLeaseTtl) throw new ConcordError('LeaseTtlTooLarge');
    const chosen = id === 0n ? this.nextLeaseId++ : id;
    if (this.leases.has(chosen)) throw new ConcordError('LeaseExists');
    this.leases.set(chosen, { ttl, keys: new Set() });
    return { id: chosen, ttl };
  }

  leaseRevoke(id: bigint): void {
    const lease = this.leases.get(id);
    if (lease === undefined) throw new ConcordError('LeaseNotFound');
    this.write((revision, events) => {
      for (const key of lease.keys) {
        this.applyDelete({ key: Buffer.from(key, 'latin1') }, revision, events);
      }
    });
    this.leases.delete(id);
  }

  /** Applies `apply` at the next revision; the revision advances only if something changed. */
  private write<T>(apply: (revision: number, events: Event[]) => T): T {
    const events: Event[] = [];
    const revision = this.revision + 1;
    const result = apply(revision, events);
    if (events.length > 0) {
      this.revision = revision;
      const change = { revision, events };
      this.changes.push(change);
      this.onCommit(change);
    }
    return result;
  }

  private latest(key: string): KeyValue | undefined {
    const versions = this.history.get(key);
    return versions?.[versions.length - 1]?.kv;
  }

  private visible(from: Uint8Array, rangeEnd: Uint8Array | undefined, at: number): KeyValue[] {
    const kvs: KeyValue[] = [];
    for (const [key, versions] of this.history) {
      if (!inRange(key, from, rangeEnd)) continue;
      const version = versions.filter((v) => v.revision <= at).pop();
      if (version?.kv !== undefined) kvs.push(version.kv);
    }
    return kvs.sort((a, b) => Buffer.compare(a.key, b.key));
  }

  private record(key: string, version: Version): void {
    const versions = this.history.get(key) ?? [];
    versions.push(version);
    this.history.set(key, versions);
  }

  private applyPut(request: PutRequest, revision: number, events: Event[]): PutResponse {
    const key = keyText(request.key);
    const previous = this.latest(key);
    if ((request.ignoreValue || request.ignoreLease) && previous === undefined) {
      throw new ConcordError('KeyNotFound');
    }
    const lease = request.ignoreLease ? (previous?.lease ?? 0n) : (request.lease ?? 0n);
    if (lease !== 0n && !this.leases.has(lease)) throw new ConcordError('LeaseNotFound');
    const kv: KeyValue = {
      key: request.key,
      createRevision: previous?.createRevision ?? revision,
      modRevision: revision,
      version: (previous?.version ?? 0) + 1,
      value: request.ignoreValue ? (previous?.value ?? new Uint8Array()) : request.value,
      lease,
    };
    if (previous !== undefined) this.leases.get(previous.lease)?.keys.delete(key);
    this.leases.get(lease)?.keys.add(key);
    this.record(key, { revision, kv });
    events.push(
      previous === undefined ? { type: 'PUT', kv } : { type: 'PUT', kv, prevKv: previous },
    );
    return request.prevKv && previous !== undefined ? { prevKv: previous } : {};
  }

  private applyDelete(
    request: DeleteRangeRequest,
    revision: number,
    events: Event[],
  ): DeleteRangeResponse {
    const doomed = this.visible(request.key, request.rangeEnd, Number.MAX_SAFE_INTEGER);
    for (const previous of doomed) {
      const key = keyText(previous.key);
      this.leases.get(previous.lease)?.keys.delete(key);
      this.record(key, { revision, kv: undefined });
      const kv = {
        key: previous.key,
        createRevision: 0,
        modRevision: revision,
        version: 0,
        value: new Uint8Array(),
        lease: 0n,
      };
      events.push({ type: 'DELETE', kv, prevKv: previous });
    }
    return { deleted: doomed.length, prevKvs: request.prevKv ? doomed : [] };
  }

  private applyTxn(request: TxnRequest, revision: number, events: Event[]): TxnResponse {
    const succeeded = request.compare.every((compare) => this.holds(compare));
    const ops = succeeded ? request.success : request.failure;
    const responses = ops.map((op) => this.applyOp(op, revision, events));
    return { succeeded, responses };
  }

  private applyOp(op: RequestOp, revision: number, events: Event[]): ResponseOp {
    if ('requestRange' in op) return { responseRange: this.range(op.requestRange) };
    if ('requestPut' in op) return { responsePut: this.applyPut(op.requestPut, revision, events) };
    if ('requestDeleteRange' in op) {
      return { responseDeleteRange: this.applyDelete(op.requestDeleteRange, revision, events) };
    }
    return { responseTxn: this.applyTxn(op.requestTxn, revision, events) };
  }

  private holds(compare: Compare): boolean {
    const kvs = this.visible(compare.key, compare.rangeEnd, Number.MAX_SAFE_INTEGER);
    if (kvs.length === 0 && compare.target === 'VALUE') return false;
    const empty: KeyValue = {
      key: compare.key,
      createRevision: 0,
      modRevision: 0,
      version: 0,
      value: new Uint8Array(),
      lease: 0n,
    };
    return (kvs.length === 0 ? [empty] : kvs).every((kv) => compareKv(compare, kv));
  }
}

function compareKv(compare: Compare, kv: KeyValue): boolean {
  let order: number;
  switch (compare.target) {
    case 'VALUE':
      order = Buffer.compare(kv.value, compare.value ?? new Uint8Array());
      break;
    case 'LEASE':
      order = Math.sign(Number(kv.lease - (compare.lease ?? 0n)));
      break;
    case 'VERSION':
      order = Math.sign(kv.version - (compare.version ?? 0));
      break;
    case 'CREATE':
      order = Math.sign(kv.createRevision - (compare.createRevision ?? 0));
      break;
    case 'MOD':
      order = Math.sign(kv.modRevision - (compare.modRevision ?? 0));
      break;
  }
  switch (compare.result) {
    case 'EQUAL':
      return order === 0;
    case 'NOT_EQUAL':
      return order !== 0;
    case 'GREATER':
      return order > 0;
    case 'LESS':
      return order < 0;
  }
}

function passes(kv: KeyValue, request: RangeRequest): boolean {
  const above = (value: number, min: number | undefined): boolean => !min || value >= min;
  const below = (value: number, max: number | undefined): boolean => !max || value <= max;
  return (
    above(kv.modRevision, request.minModRevision) &&
    below(kv.modRevision, request.maxModRevision) &&
    above(kv.createRevision, request.minCreateRevision) &&
    below(kv.createRevision, request.maxCreateRevision)
  );
}

function sortKvs(kvs: KeyValue[], request: RangeRequest): KeyValue[] {
  const order = request.sortOrder ?? 'NONE';
  if (order === 'NONE') return kvs;
  const target = request.sortTarget ?? 'KEY';
  const by = (kv: KeyValue): number | Uint8Array =>
    target === 'KEY'
      ? kv.key
      : target === 'VALUE'
        ? kv.value
        : target === 'VERSION'
          ? kv.version
          : target === 'CREATE'
            ? kv.createRevision
            : kv.modRevision;
  const sorted = [...kvs].sort((a, b) => {
    const x = by(a);
    const y = by(b);
    return typeof x === 'number' ? x - (y as number) : Buffer.compare(x, y as Uint8Array);
  });
  return order === 'DESCEND' ? sorted.reverse() : sorted;
}
