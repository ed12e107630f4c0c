/**
 * What the fast path's differential tests share (fast-path.test.ts for KV unary calls,
 * fast-path-stream.test.ts for keep-alive streams): a server over a fake member with the fast
 * path on or off, a probe telling which path served each call, gRPC framing, and the raw
 * HTTP/2 answer they compare.
 */
import type http2 from 'node:http2';
import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { observedDirectly } from '../../src/server/http2/fast-path-observer.js';
import { createServer, type ConcordServer } from '../../src/server/server.js';
import type { FakeMember } from './fake/fake-member.js';

/** One length-prefixed gRPC message. */
export const framed = (message: Buffer, compressed = 0): Buffer => {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
};

export interface Observed {
  path: string;
  code?: number;
}

/** Which path served each call: grpc-js's interceptor chain, or the fast path's observer. */
export class Probe {
  readonly viaGrpc: string[] = [];
  readonly viaFast: Observed[] = [];
  readonly interceptor: ServerInterceptor = observedDirectly<ServerInterceptor>(
    (descriptor, call) => {
      this.viaGrpc.push(descriptor.path);
      return new ServerInterceptingCall(call);
    },
    {
      start: (path) => {
        const entry: Observed = { path };
        this.viaFast.push(entry);
        return { finish: (code) => (entry.code ??= code) };
      },
    },
  );

  clear(): void {
    this.viaGrpc.length = 0;
    this.viaFast.length = 0;
  }
}

export interface Served {
  readonly member: FakeMember;
  readonly server: ConcordServer;
  readonly probe: Probe;
  readonly origin: string;
  readonly host: string;
}

/** A server over `member`, with the fast path on (`fast`) or grpc-js serving everything. */
export async function serve(
  member: FakeMember,
  fast: boolean,
  extra: ServerInterceptor[] = [],
): Promise<Served> {
  const probe = new Probe();
  const server = await createServer({
    api: member,
    listen: [new URL('http://127.0.0.1:0')],
    onBug: (error) => {
      throw error;
    },
    shutdownGraceMs: 2000,
    grpcFastPath: fast,
    grpcInterceptors: [probe.interceptor, ...extra],
  });
  const url = server.urls[0]!;
  return { member, server, probe, origin: url.origin, host: url.host };
}

/** A raw exchange's whole answer, as the tests compare it. */
export interface Answer {
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
  body: string;
  closeCode: number;
}

/** Headers without the date, which differs between any two answers. */
export function strip(headers: http2.IncomingHttpHeaders): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...headers };
  delete rest['date'];
  return rest;
}
