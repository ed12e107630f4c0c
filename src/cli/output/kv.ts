/**
 * Keys, values and the KV responses as etcdctl prints them: `simple` lines (key, then value),
 * etcd's JSON (the protobuf messages' snake_case fields, zero values omitted) and tables.
 */
import type { WireHeader, WireKeyValue } from '../../client/proto.js';
import { base64, table } from './format.js';

/** etcd's ResponseHeader in JSON. */
export function headerJson(header: WireHeader | null | undefined): object {
  return {
    cluster_id: BigInt(header?.clusterId ?? 0),
    member_id: BigInt(header?.memberId ?? 0),
    revision: BigInt(header?.revision ?? 0),
    raft_term: BigInt(header?.raftTerm ?? 0),
  };
}

/** One mvccpb.KeyValue in JSON (Go's omitempty: zero fields are left out). */
export function kvJson(kv: WireKeyValue): object {
  const nonZero = (v: string): bigint | undefined => (BigInt(v) === 0n ? undefined : BigInt(v));
  return {
    key: base64(kv.key),
    create_revision: nonZero(kv.createRevision),
    mod_revision: nonZero(kv.modRevision),
    version: nonZero(kv.version),
    value: kv.value.length === 0 ? undefined : base64(kv.value),
    lease: nonZero(kv.lease),
  };
}

export interface KvPrintOptions {
  readonly valueOnly?: boolean;
}

/** etcdctl's printKV: the key (unless values only), then the value, each on its own line. */
export function kvLines(kv: WireKeyValue, options: KvPrintOptions = {}): string {
  const key = kv.key.toString('utf8');
  const value = kv.value.toString('utf8');
  return options.valueOnly === true ? `${value}\n` : `${key}\n${value}\n`;
}

export function kvTable(kvs: readonly WireKeyValue[]): string {
  return table(
    ['KEY', 'VALUE', 'CREATE REVISION', 'MOD REVISION', 'VERSION', 'LEASE'],
    kvs.map((kv) => [
      kv.key.toString('utf8'),
      kv.value.toString('utf8'),
      kv.createRevision,
      kv.modRevision,
      kv.version,
      BigInt(kv.lease) === 0n ? '' : BigInt(kv.lease).toString(16),
    ]),
  );
}
