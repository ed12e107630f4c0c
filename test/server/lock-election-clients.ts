/**
 * Raw gRPC clients for etcd's Lock (v3lockpb) and Election (v3electionpb) services, built
 * from our own .proto files, as another language's etcd client would call them.
 */
import * as grpc from '@grpc/grpc-js';
import { etcdServices } from '../../src/server/proto.js';

export function lockClient(endpoint: string): grpc.Client {
  const Lock = grpc.makeClientConstructor(etcdServices().Lock, 'Lock');
  return new Lock(endpoint, grpc.credentials.createInsecure());
}

export function electionClient(endpoint: string): grpc.Client {
  const Election = grpc.makeClientConstructor(etcdServices().Election, 'Election');
  return new Election(endpoint, grpc.credentials.createInsecure());
}

export interface WireHeader {
  revision: string;
}
export interface WireKv {
  key: Buffer;
  value: Buffer;
  createRevision: string;
  modRevision: string;
  lease: string;
}
export interface LeaderKey {
  name: Buffer;
  key: Buffer;
  rev: string;
  lease: string;
}
export interface LockResponse {
  header: WireHeader;
  key: Buffer;
}
export interface CampaignResponse {
  header: WireHeader;
  leader: LeaderKey;
}
export interface LeaderResponse {
  header: WireHeader;
  kv: WireKv;
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

/** A unary call that can be cancelled while it waits (a Lock or Campaign in the queue). */
export interface PendingCall<Response> {
  readonly result: Promise<Response>;
  /** Whether the call has answered (either way), without waiting. */
  settled(): boolean;
  cancel(): void;
}

/** `metadata`: e.g. an auth `token`, as etcd clients send it. */
export function call<Response>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata: grpc.Metadata = new grpc.Metadata(),
): PendingCall<Response> {
  const unary = (client as unknown as Record<string, UnaryMethod>)[method];
  if (unary === undefined) throw new Error(`no method ${method}`);
  let done = false;
  let handle: grpc.ClientUnaryCall | undefined;
  const result = new Promise<Response>((resolve, reject) => {
    handle = unary.call(client, request, metadata, (error, response) => {
      done = true;
      if (error === null) resolve(response as Response);
      else reject(error);
    });
  });
  return { result, settled: () => done, cancel: () => handle?.cancel() };
}

/** An Observe stream: every LeaderResponse received so far, and how it ended. */
export class Observation {
  readonly seen: LeaderResponse[] = [];
  error: grpc.ServiceError | undefined;
  private readonly stream: grpc.ClientReadableStream<LeaderResponse>;

  constructor(client: grpc.Client, name: string) {
    const observe = (client as unknown as Record<string, (request: object) => unknown>)[
      'Observe'
    ] as (request: object) => grpc.ClientReadableStream<LeaderResponse>;
    this.stream = observe.call(client, { name: Buffer.from(name) });
    this.stream.on('data', (response: LeaderResponse) => {
      this.seen.push(response);
    });
    this.stream.on('error', (error: grpc.ServiceError) => {
      this.error = error;
    });
  }

  /** The values observed so far, as text. */
  values(): string[] {
    return this.seen.map((response) => response.kv.value.toString());
  }

  cancel(): void {
    this.stream.cancel();
  }
}
