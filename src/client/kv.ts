/**
 * The KV service: get/range, put, delete, compact, and transactions through `txn()`.
 * Reads are retried on any transient failure; writes as retry.ts says (with request
 * identities on, Concord applies a retried write once).
 */
import { toBuffer, type Bytes } from './bytes.js';
import type { CallOptions, Connection } from './connection.js';
import type { KeyValue } from './key-value.js';
import type { Namespace } from './namespace.js';
import {
  deleteRequest,
  deleteResult,
  putRequest,
  putResult,
  rangeRequest,
  rangeResult,
  txnRequest,
  txnResult,
  type Compare,
  type DeleteOptions,
  type DeleteResult,
  type GetOptions,
  type KeyRange,
  type Op,
  type PutOptions,
  type PutResult,
  type RangeResult,
  type TxnResult,
  type TxnSpec,
} from './ops.js';
import {
  int,
  type WireDeleteRangeResponse,
  type WirePutResponse,
  type WireRangeResponse,
  type WireTxnResponse,
} from './proto.js';

export class KV {
  constructor(
    private readonly connection: Connection,
    private readonly ns: Namespace,
  ) {}

  /** One key, or undefined when it does not exist. */
  async get(
    key: Bytes,
    options: Omit<GetOptions, keyof KeyRange> & CallOptions = {},
  ): Promise<KeyValue | undefined> {
    const result = await this.range(key, { ...options, limit: 1 });
    return result.kvs[0];
  }

  /** One key's value as UTF-8 text, or undefined. */
  async getString(key: Bytes, options: CallOptions = {}): Promise<string | undefined> {
    return (await this.get(key, options))?.value.toString('utf8');
  }

  /** Keys in a range (`{ prefix: true }`, `{ rangeEnd }`, `{ fromKey: true }`) with etcd's options. */
  async range(key: Bytes, options: GetOptions & CallOptions = {}): Promise<RangeResult> {
    const wire = await this.connection.unary<WireRangeResponse>(
      'KV',
      'Range',
      rangeRequest(this.ns, toBuffer(key), options),
      'read',
      options,
    );
    return rangeResult(this.ns, wire);
  }

  async put(key: Bytes, value: Bytes, options: PutOptions & CallOptions = {}): Promise<PutResult> {
    const wire = await this.connection.unary<WirePutResponse>(
      'KV',
      'Put',
      putRequest(this.ns, toBuffer(key), toBuffer(value), options),
      'write',
      options,
    );
    return putResult(this.ns, wire);
  }

  async delete(key: Bytes, options: DeleteOptions & CallOptions = {}): Promise<DeleteResult> {
    const wire = await this.connection.unary<WireDeleteRangeResponse>(
      'KV',
      'DeleteRange',
      deleteRequest(this.ns, toBuffer(key), options),
      'write',
      options,
    );
    return deleteResult(this.ns, wire);
  }

  /** Forget history before `revision` (the whole keyspace: compaction ignores namespaces). */
  async compact(
    revision: number,
    options: { physical?: boolean } & CallOptions = {},
  ): Promise<number> {
    const wire = await this.connection.unary<{ header: { revision: string } }>(
      'KV',
      'Compact',
      { revision: String(revision), physical: options.physical ?? false },
      'unidentified-write',
      options,
    );
    return int(wire.header?.revision);
  }

  /** A transaction builder: `kv.txn().if(...compares).then(...ops).else(...ops).commit()`. */
  txn(): Txn {
    return new Txn((spec, options) => this.commit(spec, options));
  }

  /** Sends a transaction; a txn of reads only is retried like a read. */
  async commit(spec: TxnSpec, options: CallOptions = {}): Promise<TxnResult> {
    const kind = [...spec.success, ...spec.failure].some(writes) ? 'write' : 'read';
    const wire = await this.connection.unary<WireTxnResponse>(
      'KV',
      'Txn',
      txnRequest(this.ns, spec),
      kind,
      options,
    );
    return txnResult(this.ns, wire);
  }
}

function writes(o: Op): boolean {
  if (o.type === 'txn') return [...o.request.success, ...o.request.failure].some(writes);
  return o.type !== 'get';
}

/**
 * A transaction: if every compare holds, the `then` ops run, else the `else` ops, atomically
 * at one revision.
 *
 * @example
 * const { succeeded } = await client.txn()
 *   .if(compare.createRevision('config', '=', 0))
 *   .then(op.put('config', 'v1'))
 *   .else(op.get('config'))
 *   .commit();
 */
export class Txn implements TxnSpec {
  readonly compares: Compare[] = [];
  readonly success: Op[] = [];
  readonly failure: Op[] = [];

  constructor(private readonly send: (spec: TxnSpec, options: CallOptions) => Promise<TxnResult>) {}

  if(...compares: Compare[]): this {
    this.compares.push(...compares);
    return this;
  }

  // A builder is not a promise: awaiting one (which calls then(resolve, reject)) is a bug.
  then(...ops: Op[]): this {
    if (ops.some((o) => typeof o === 'function')) {
      throw new TypeError('concord client: a Txn is not awaitable; call commit()');
    }
    this.success.push(...ops);
    return this;
  }

  else(...ops: Op[]): this {
    this.failure.push(...ops);
    return this;
  }

  commit(options: CallOptions = {}): Promise<TxnResult> {
    return this.send(
      { compares: this.compares, success: this.success, failure: this.failure },
      options,
    );
  }
}
