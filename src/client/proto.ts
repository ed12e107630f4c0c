/**
 * The wire: etcd's v3 services built at runtime from the repository's `proto/` (etcd's
 * package, message and field names and numbers), and the shapes of the messages this client
 * reads. proto-loader is told to hand 64-bit integers over as decimal strings (never a lossy
 * number) and bytes as Buffers; the client converts at its edge (revisions to `number`,
 * lease IDs to `bigint`).
 */
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

// src/client/proto.ts and dist/client/proto.js are both two levels below the package root.
const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));
let services: Record<string, grpc.ServiceClientConstructor> | undefined;

export function serviceConstructor(name: ServiceName): grpc.ServiceClientConstructor {
  if (services === undefined) {
    const definition = loadSync('etcdserverpb/rpc.proto', {
      longs: String,
      enums: String,
      bytes: Buffer,
      defaults: true,
      oneofs: true,
      includeDirs: [protoRoot],
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      etcdserverpb: Record<string, grpc.ServiceClientConstructor>;
    };
    services = loaded.etcdserverpb;
  }
  const constructor = services[name];
  if (constructor === undefined) throw new Error(`concord client: no service ${name} in proto/`);
  return constructor;
}

/** A 64-bit integer as proto-loader decodes it (longs: String). */
export type Int64 = string;

export interface WireHeader {
  clusterId: Int64;
  memberId: Int64;
  revision: Int64;
  raftTerm: Int64;
}

export interface WireKeyValue {
  key: Buffer;
  createRevision: Int64;
  modRevision: Int64;
  version: Int64;
  value: Buffer;
  lease: Int64;
}

export interface WireRangeResponse {
  header: WireHeader;
  kvs: WireKeyValue[];
  more: boolean;
  count: Int64;
}

export interface WirePutResponse {
  header: WireHeader;
  prevKv: WireKeyValue | null;
}

export interface WireDeleteRangeResponse {
  header: WireHeader;
  deleted: Int64;
  prevKvs: WireKeyValue[];
}

export interface WireResponseOp {
  responseRange: WireRangeResponse | null;
  responsePut: WirePutResponse | null;
  responseDeleteRange: WireDeleteRangeResponse | null;
  responseTxn: WireTxnResponse | null;
}

export interface WireTxnResponse {
  header: WireHeader;
  succeeded: boolean;
  responses: WireResponseOp[];
}

export interface WireEvent {
  type: 'PUT' | 'DELETE';
  kv: WireKeyValue | null;
  prevKv: WireKeyValue | null;
}

export interface WireWatchResponse {
  header: WireHeader;
  watchId: Int64;
  created: boolean;
  canceled: boolean;
  compactRevision: Int64;
  cancelReason: string;
  fragment: boolean;
  events: WireEvent[];
}

export interface WireLeaseGrantResponse {
  header: WireHeader;
  ID: Int64;
  TTL: Int64;
  error: string;
}

export interface WireLeaseKeepAliveResponse {
  header: WireHeader;
  ID: Int64;
  TTL: Int64;
}

export interface WireLeaseTimeToLiveResponse {
  header: WireHeader;
  ID: Int64;
  TTL: Int64;
  grantedTTL: Int64;
  keys: Buffer[];
}

export interface WireMember {
  ID: Int64;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** MemberList's, MemberRemove's, MemberPromote's and MemberUpdate's answer. */
export interface WireMembersResponse {
  header: WireHeader;
  members: WireMember[];
}

export interface WireMemberAddResponse extends WireMembersResponse {
  member: WireMember | null;
}

export interface WireStatusResponse {
  header: WireHeader;
  version: string;
  dbSize: Int64;
  leader: Int64;
  raftIndex: Int64;
  raftTerm: Int64;
  raftAppliedIndex: Int64;
  errors: string[];
  dbSizeInUse: Int64;
  isLearner: boolean;
}

export interface WireHashKvResponse {
  header: WireHeader;
  hash: number;
  compactRevision: Int64;
  /** etcd 3.4 leaves it out (0): the field came with 3.5. */
  hashRevision: Int64;
}

export interface WireAuthenticateResponse {
  header: WireHeader;
  token: string;
}

/** Revisions, versions and counts fit a double exactly (DESIGN.md: asserted up to 2^53). */
export function int(value: Int64 | number | null | undefined): number {
  const n = Number(value ?? 0);
  if (!Number.isSafeInteger(n))
    throw new Error(`concord client: ${String(value)} is not a safe integer`);
  return n;
}
