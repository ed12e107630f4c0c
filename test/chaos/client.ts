/**
 * The workloads' client: raw gRPC to one member (test/helpers/grpc.ts's clients, etcd's wire
 * names), every call with a deadline. Raw rather than the etcd3 package so that nothing retries
 * behind the history's back: one invoke is one request.
 *
 * Outcomes: a call resolves with the response, or rejects with the grpc ServiceError. Whether a
 * rejection is a definite failure or indeterminate is the workload's call (`definiteFailure`).
 */
import * as grpc from '@grpc/grpc-js';
import { rawClient, type KeyValueOut, type ServiceName } from '../helpers/grpc.js';

export type { KeyValueOut };

export interface Header {
  revision: string;
  memberId: string;
  raftTerm: string;
}

export interface RangeResponse {
  header: Header;
  kvs: KeyValueOut[];
  count: string;
}

export interface Compare {
  key: Buffer;
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  version?: number;
  createRevision?: number;
  modRevision?: number;
  value?: Buffer;
}

export type RequestOp =
  | { requestRange: { key: Buffer; rangeEnd?: Buffer } }
  | { requestPut: { key: Buffer; value: Buffer; lease?: string } }
  | { requestDeleteRange: { key: Buffer; rangeEnd?: Buffer } };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header: Header;
  succeeded: boolean;
  responses: {
    response: 'responseRange' | 'responsePut' | 'responseDeleteRange' | 'responseTxn';
    responseRange?: RangeResponse;
    responsePut?: { header: Header };
    responseDeleteRange?: { deleted: string };
  }[];
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValueOut;
}

export interface WatchResponse {
  header: Header;
  watchId: string;
  created: boolean;
  canceled: boolean;
  compactRevision: string;
  cancelReason: string;
  events: WatchEvent[];
}

export interface MemberOut {
  ID: string;
  name: string;
  peerURLs: string[];
  isLearner: boolean;
}

/** Channel options: reconnect soon after a member comes back (grpc-js backs off to 2 min). */
const channelOptions: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.keepalive_time_ms': 2000,
  'grpc.keepalive_timeout_ms': 2000,
};

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

export class EtcdClient {
  private readonly clients = new Map<ServiceName, grpc.Client>();

  constructor(
    /** The member's name, recorded as the history's `node`. */
    readonly node: string,
    readonly endpoint: string,
    private readonly options: grpc.ChannelOptions = {},
  ) {}

  private service(name: ServiceName): grpc.Client {
    let client = this.clients.get(name);
    if (client === undefined) {
      client = rawClient(name, this.endpoint, { ...channelOptions, ...this.options });
      this.clients.set(name, client);
    }
    return client;
  }

  /** One unary call with a deadline `timeoutMs` from now. */
  call<T>(service: ServiceName, method: string, request: object, timeoutMs: number): Promise<T> {
    const client = this.service(service);
    const fn = (client as unknown as Record<string, Unary>)[method];
    if (fn === undefined) throw new Error(`no method ${service}.${method}`);
    return new Promise<T>((resolve, reject) => {
      fn.call(
        client,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error, response) => (error === null ? resolve(response as T) : reject(error)),
      );
    });
  }

  range(
    key: string,
    options: { serializable?: boolean; rangeEnd?: string; timeoutMs: number },
  ): Promise<RangeResponse> {
    return this.call<RangeResponse>(
      'KV',
      'Range',
      {
        key: Buffer.from(key),
        ...(options.rangeEnd !== undefined && { rangeEnd: Buffer.from(options.rangeEnd) }),
        serializable: options.serializable === true,
      },
      options.timeoutMs,
    );
  }

  put(
    key: string,
    value: string,
    options: { lease?: string; timeoutMs: number },
  ): Promise<{ header: Header }> {
    return this.call(
      'KV',
      'Put',
      {
        key: Buffer.from(key),
        value: Buffer.from(value),
        ...(options.lease !== undefined && { lease: options.lease }),
      },
      options.timeoutMs,
    );
  }

  txn(request: TxnRequest, timeoutMs: number): Promise<TxnResponse> {
    return this.call<TxnResponse>('KV', 'Txn', request, timeoutMs);
  }

  compact(revision: number, timeoutMs: number): Promise<unknown> {
    return this.call('KV', 'Compact', { revision: String(revision), physical: false }, timeoutMs);
  }

  leaseGrant(ttlSeconds: number, timeoutMs: number): Promise<{ ID: string; TTL: string }> {
    return this.call('Lease', 'LeaseGrant', { TTL: String(ttlSeconds) }, timeoutMs);
  }

  leaseRevoke(id: string, timeoutMs: number): Promise<unknown> {
    return this.call('Lease', 'LeaseRevoke', { ID: id }, timeoutMs);
  }

  /** One keep-alive round trip on a fresh stream; resolves the TTL granted (0: no such lease). */
  leaseKeepAliveOnce(id: string, timeoutMs: number): Promise<number> {
    const client = this.service('Lease') as unknown as Record<
      string,
      (options: grpc.CallOptions) => grpc.ClientDuplexStream<object, { TTL: string }>
    >;
    const stream = client['LeaseKeepAlive']!.call(this.service('Lease'), {
      deadline: Date.now() + timeoutMs,
    });
    return new Promise<number>((resolve, reject) => {
      stream.once('data', (response) => {
        resolve(Number(response.TTL));
        stream.cancel();
      });
      stream.once('error', reject);
      stream.once('end', () => reject(new Error('keep-alive stream ended without an answer')));
      stream.write({ ID: id });
    });
  }

  status(timeoutMs: number): Promise<{ memberId: string; leader: string; term: number }> {
    return this.call<{ header: Header; leader: string; raftTerm: string }>(
      'Maintenance',
      'Status',
      {},
      timeoutMs,
    ).then((s) => ({ memberId: s.header.memberId, leader: s.leader, term: Number(s.raftTerm) }));
  }

  moveLeader(targetId: bigint, timeoutMs: number): Promise<unknown> {
    return this.call('Maintenance', 'MoveLeader', { targetID: targetId.toString() }, timeoutMs);
  }

  memberList(timeoutMs: number): Promise<MemberOut[]> {
    return this.call<{ members: MemberOut[] }>('Cluster', 'MemberList', {}, timeoutMs).then(
      (r) => r.members,
    );
  }

  memberAdd(peerUrl: string, isLearner: boolean, timeoutMs: number): Promise<MemberOut> {
    return this.call<{ member: MemberOut }>(
      'Cluster',
      'MemberAdd',
      { peerURLs: [peerUrl], isLearner },
      timeoutMs,
    ).then((r) => r.member);
  }

  memberPromote(id: bigint, timeoutMs: number): Promise<unknown> {
    return this.call('Cluster', 'MemberPromote', { ID: id.toString() }, timeoutMs);
  }

  memberRemove(id: bigint, timeoutMs: number): Promise<unknown> {
    return this.call('Cluster', 'MemberRemove', { ID: id.toString() }, timeoutMs);
  }

  /** A bidirectional Watch stream (the caller writes create requests and reads responses). */
  watchStream(): grpc.ClientDuplexStream<object, WatchResponse> {
    const client = this.service('Watch') as unknown as Record<
      string,
      () => grpc.ClientDuplexStream<object, WatchResponse>
    >;
    return client['Watch']!.call(this.service('Watch'));
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/** The grpc status code of an error (or undefined for a non-grpc error). */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** A short description of an error for the history's `error` field. */
export function describeError(error: unknown): string {
  const e = error as { code?: number; details?: string; message?: string };
  if (typeof e.code === 'number' && e.details !== undefined) {
    return `${grpc.status[e.code] ?? e.code}: ${e.details}`;
  }
  return String(e.message ?? error);
}

/**
 * True when a write certainly did not take effect: the server refused it as invalid, or it
 * was never sent. Everything else (deadline, unavailable mid-call, "request timed out", leader
 * changes) may have been applied: indeterminate.
 */
export function definiteFailure(error: unknown): boolean {
  const code = grpcCode(error);
  const details = String((error as { details?: unknown }).details ?? '');
  // Refused before anything was proposed: a learner serves no writes; a channel that never
  // connected sent nothing.
  if (/not supported for learner|No connection established/.test(details)) return true;
  return (
    code === grpc.status.INVALID_ARGUMENT ||
    code === grpc.status.NOT_FOUND ||
    code === grpc.status.PERMISSION_DENIED ||
    code === grpc.status.UNAUTHENTICATED ||
    code === grpc.status.OUT_OF_RANGE
  );
}
