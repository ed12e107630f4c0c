/**
 * One gRPC connection (HTTP/2 session) to a server, for the KV, Lease, Watch and Maintenance
 * services, built from Concord's own .proto (etcd's field numbers, so it talks to etcd too).
 * Calls are promises; the messages are plain objects in the proto-loader shapes (int64 as
 * decimal strings, bytes as Buffer, enums as names).
 *
 * gRPC over node:http2 directly, not through @grpc/grpc-js: grpc-js spent about 0.9 ms of
 * CPU per unary call here (its resolver, load balancer and call stack on top of node:http2),
 * so on a 2-core host a 100-client txn figure measured the generator as much as the server.
 * node:http2 with the same messages costs about a third of that. The messages are still
 * proto-loader's, so the shapes and encodings are the ones Concord's client uses.
 */
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import { serviceConstructor, type ServiceName } from '../../../src/client/proto.js';
import { GrpcFrames, grpcFrame } from './grpc-frames.js';

export interface ResponseHeader {
  readonly revision: string;
}

export interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly modRevision: string;
}

/**
 * A bidirectional call: `write` sends a request; 'data' delivers each response, 'error' a
 * failure (a status other than OK, or the connection's), 'end' the server's close.
 */
export interface DuplexCall extends EventEmitter {
  write(request: object): void;
  /** Stops the call at once (RST_STREAM CANCEL), as a client abandoning it would. */
  cancel(): void;
}

export interface Connection {
  unary<Response>(
    service: 'KV' | 'Lease' | 'Maintenance',
    method: string,
    request: object,
    deadlineMs?: number,
  ): Promise<Response>;
  /** A new bidirectional stream (LeaseKeepAlive or Watch). */
  stream(service: 'Lease' | 'Watch', method: string): DuplexCall;
  close(): void;
}

interface Method {
  readonly path: string;
  readonly requestSerialize: (request: object) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => unknown;
}

const methods = new Map<string, Method>();

/** proto-loader's definition of service.method: its path and message codecs. */
function methodOf(service: ServiceName, name: string): Method {
  const id = `${service}.${name}`;
  let method = methods.get(id);
  if (method === undefined) {
    const found = (serviceConstructor(service).service as unknown as Record<string, Method>)[name];
    if (found === undefined) throw new Error(`no method ${id}`);
    method = found;
    methods.set(id, method);
  }
  return method;
}

/** The error a finished call's status means, or undefined for OK. */
function statusError(headers: http2.IncomingHttpHeaders, path: string): Error | undefined {
  const status = headers['grpc-status'];
  if (status === '0') return undefined;
  if (status === undefined) return new Error(`${path}: no grpc-status`);
  const message = decodeURIComponent(String(headers['grpc-message'] ?? ''));
  return new Error(`${status} ${message}`.trim());
}

/**
 * Opens a connection of its own (never shared with another Connection to the same server).
 * A session that failed or closed is replaced by a new one at the next call, so a caller
 * can retry against a server that was not yet listening.
 */
export function connect(endpoint: string): Connection {
  let session: http2.ClientHttp2Session | undefined;
  const open = (): http2.ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      session = http2.connect(`http://${endpoint}`);
      // A refused or dropped connection fails its streams; the session's own error is that.
      session.on('error', () => {});
    }
    return session;
  };
  const request = (path: string, deadlineMs: number | undefined): http2.ClientHttp2Stream =>
    open().request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(deadlineMs === undefined ? {} : { 'grpc-timeout': `${Math.ceil(deadlineMs)}m` }),
    });
  return {
    unary: <Response>(
      service: ServiceName,
      name: string,
      message: object,
      deadlineMs?: number,
    ): Promise<Response> =>
      new Promise((resolve, reject) => {
        const method = methodOf(service, name);
        const call = request(method.path, deadlineMs);
        const frames = new GrpcFrames();
        let status: http2.IncomingHttpHeaders | undefined;
        // A trailers-only answer (an error at once) carries its status in the headers.
        call.on('response', (headers) => {
          if (headers['grpc-status'] !== undefined) status = headers;
        });
        call.on('trailers', (trailers) => (status = trailers));
        call.on('data', (chunk: Buffer) => frames.push(chunk));
        call.on('error', reject);
        call.on('close', () => {
          const failure =
            status === undefined
              ? new Error(`${method.path}: stream closed (code ${call.rstCode})`)
              : statusError(status, method.path);
          if (failure !== undefined) return reject(failure);
          const body = frames.next();
          if (body === undefined) return reject(new Error(`${method.path}: no response`));
          resolve(method.responseDeserialize(body) as Response);
        });
        call.end(grpcFrame(method.requestSerialize(message)));
      }),
    stream: (service, name) => {
      const method = methodOf(service, name);
      const call = request(method.path, undefined);
      const frames = new GrpcFrames();
      const duplex = new EventEmitter() as DuplexCall;
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        duplex.emit('error', error);
      };
      call.on('data', (chunk: Buffer) => {
        frames.push(chunk);
        for (let body = frames.next(); body !== undefined; body = frames.next())
          duplex.emit('data', method.responseDeserialize(body));
      });
      call.on('trailers', (trailers) => {
        const failure = statusError(trailers, method.path);
        if (failure !== undefined) fail(failure);
      });
      call.on('error', fail);
      call.on('close', () => duplex.emit('end'));
      duplex.write = (message) => call.write(grpcFrame(method.requestSerialize(message)));
      duplex.cancel = () => {
        failed = true;
        call.close(http2.constants.NGHTTP2_CANCEL);
      };
      return duplex;
    },
    close: () => session?.close(),
  };
}
