/**
 * One gRPC connection (HTTP/2 session) to a server, for the KV, Lease, Watch and Maintenance
 * services, built from Concord's own .proto (etcd's field numbers, so it talks to etcd too).
 * Calls are promises; the messages are plain objects in the proto-loader shapes (int64 as
 * decimal strings, bytes as Buffer, enums as names).
 *
 * gRPC over a lean HTTP/2 session of our own (h2-session.ts), not through @grpc/grpc-js:
 * grpc-js spent about 0.9 ms of CPU per unary call here (its resolver, load balancer and call
 * stack on top of node:http2, which alone took about 0.25 ms), so on a 2-core host a
 * 100-client txn figure measured the generator as much as the servers. The messages are still
 * proto-loader's, so the shapes and encodings are the ones Concord's client uses.
 */
import { EventEmitter } from 'node:events';
import type { HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import { serviceConstructor, type ServiceName } from '../../../src/client/proto.js';
import { frameMessage, MessageReader } from '../../../src/server/http2/grpc-messages.js';
import { H2Session, type StreamListener } from './h2-session.js';

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
function statusError(fields: ReadonlyMap<string, string>): Error | undefined {
  const status = fields.get('grpc-status');
  if (status === '0') return undefined;
  if (status === undefined) return new Error('the call ended without a grpc-status');
  const raw = fields.get('grpc-message') ?? '';
  let message = raw;
  try {
    message = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded as gRPC asks: shown as it came.
  }
  return new Error(`${status} ${message}`.trim());
}

/**
 * A gRPC call's stream: its messages as they arrive, then its status (from the trailers, or
 * from the headers of a trailers-only answer) or the stream's failure, once.
 */
function callListener(
  onMessage: (message: Buffer) => void,
  onEnd: (error: Error | undefined) => void,
): StreamListener {
  // The fast path's message framing, with no limit on a message's length.
  const reader = new MessageReader(
    {
      onRequestMessage: (message) => {
        onMessage(message);
        return true;
      },
      onRequestTooLarge: () => {},
    },
    -1,
  );
  let status: ReadonlyMap<string, string> | undefined;
  return {
    onHeaders: (fields) => {
      if (fields.has('grpc-status')) status = fields;
    },
    // Copied: the session's bytes are valid only during the call, and the reader may hold them.
    onData: (data) => reader.push(Buffer.from(data)),
    onClose: (error) => {
      if (error !== undefined) onEnd(error);
      else if (status === undefined) onEnd(new Error('the call ended without a grpc-status'));
      else onEnd(statusError(status));
    },
  };
}

/**
 * Opens a connection of its own (never shared with another Connection to the same server).
 * A session that failed or that the server is closing is replaced by a new one at the next
 * call, so a caller can retry against a server that was not yet listening.
 */
export function connect(endpoint: string): Connection {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon);
  const port = Number(endpoint.slice(colon + 1));
  let session: H2Session | undefined;
  /** Open streams' cancels: closing the connection ends them quietly, as a cancel would. */
  const streams = new Set<() => void>();
  const open = (): H2Session => {
    if (session === undefined || !session.usable) session = new H2Session(host, port);
    return session;
  };
  const headers = (path: string, deadlineMs: number | undefined): HeaderField[] => [
    { name: ':method', value: 'POST' },
    { name: ':scheme', value: 'http' },
    { name: ':path', value: path },
    { name: ':authority', value: endpoint },
    { name: 'content-type', value: 'application/grpc' },
    { name: 'te', value: 'trailers' },
    ...(deadlineMs === undefined
      ? []
      : [
          {
            name: 'grpc-timeout',
            value: `${Math.ceil(deadlineMs)}m`,
            indexing: 'without' as const,
          },
        ]),
  ];
  return {
    unary: <Response>(
      service: ServiceName,
      name: string,
      message: object,
      deadlineMs?: number,
    ): Promise<Response> =>
      new Promise((resolve, reject) => {
        const method = methodOf(service, name);
        let response: Buffer | undefined;
        const listener = callListener(
          (body) => (response ??= body),
          (error) => {
            if (error !== undefined) reject(error);
            else if (response === undefined) reject(new Error(`${method.path}: no response`));
            else resolve(method.responseDeserialize(response) as Response);
          },
        );
        const h2 = open();
        const id = h2.request(headers(method.path, deadlineMs), false, listener);
        h2.writeData(id, frameMessage(method.requestSerialize(message)), true);
      }),
    stream: (service, name) => {
      const method = methodOf(service, name);
      const duplex = new EventEmitter() as DuplexCall;
      let cancelled = false;
      const listener = callListener(
        (body) => duplex.emit('data', method.responseDeserialize(body)),
        (error) => {
          streams.delete(duplex.cancel);
          if (cancelled) return;
          if (error !== undefined) duplex.emit('error', error);
          duplex.emit('end');
        },
      );
      const h2 = open();
      const id = h2.request(headers(method.path, undefined), false, listener);
      duplex.write = (message) =>
        h2.writeData(id, frameMessage(method.requestSerialize(message)), false);
      duplex.cancel = () => {
        cancelled = true;
        streams.delete(duplex.cancel);
        h2.cancel(id);
      };
      streams.add(duplex.cancel);
      return duplex;
    },
    close: () => {
      for (const cancel of [...streams]) cancel();
      session?.close();
    },
  };
}
