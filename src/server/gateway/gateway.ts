/**
 * etcd's JSON gRPC gateway on the client port: POST /v3/kv/range and the rest (./routes.ts).
 * Each request becomes a real gRPC call to this member's own gRPC server over an in-memory
 * HTTP/2 connection (./loopback.ts), so the checks, limits, interceptors, errors and (when it
 * lands) auth are exactly the gRPC API's. A request travels:
 *
 *   JSON body -> ./json-codec.ts -> protobuf bytes -> gRPC call -> protobuf bytes -> JSON
 *
 * Unary calls answer one JSON object, or `{"error","message","code"}` with the HTTP status
 * grpc-gateway gives that gRPC code. Streams (/v3/watch, /v3/lease/keepalive) read requests
 * from the body as they arrive and answer one `{"result": ...}` line per response until the
 * client goes away. As etcd, every answer allows any origin (etcd's default --cors '*').
 *
 * Bounds: a body is refused past the gRPC receive limit (--max-request-bytes + 512 KiB) in
 * base64; at most `streamsMax` gateway streams per member; a stream whose HTTP client reads
 * slowly stops reading gRPC responses, so HTTP/2 flow control and the handler's bounded
 * outbox hold the member back instead of a queue growing here.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { grpcOverheadBytes } from '../options.js';
import type { BugHandler } from '../status.js';
import { statusOf } from '../status.js';
import { BodyTooLarge, JsonValueSplitter, readBody } from './body.js';
import { errorBody, httpStatusOf, streamErrorLine } from './http-status.js';
import { JsonCodec } from './json-codec.js';
import type { CallStatus, LoopbackCall } from './loopback.js';
import { LoopbackChannel, metadataFrom } from './loopback.js';
import type { GatewayRoute } from './routes.js';
import { gatewayRoutes } from './routes.js';
import type { AnyMethod, Schema } from './schema.js';
import { gatewaySchema } from './schema.js';

export interface GatewayOptions {
  /** Hands a new connection to the gRPC server (its connection injector). */
  readonly inject: (connection: Duplex) => void;
  /** --max-request-bytes. */
  readonly requestBytesMax: number;
  readonly onBug: BugHandler;
  /** Concurrent streaming calls (/v3/watch, /v3/lease/keepalive, ...; default 256). */
  readonly streamsMax?: number;
}

/** Answers a gateway path and resolves true, or resolves false for any other path. */
export interface Gateway {
  serve(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean>;
  /** Ends the gateway's connection to the gRPC server. */
  close(): void;
}

const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'access-control-allow-headers': 'accept, content-type, authorization',
};

/** One route's method, with the JSON side's types. */
interface Ends {
  readonly method: AnyMethod;
  readonly requestType: string;
  readonly responseType: string;
}

export function createGateway(options: GatewayOptions): Gateway {
  // base64 makes 3 bytes 4; JSON adds a little around them. The gRPC server applies the real
  // limit (--max-request-bytes + 512 KiB) to the decoded message.
  const bodyBytesMax = Math.ceil(((options.requestBytesMax + grpcOverheadBytes) * 4) / 3) + 4096;
  const streamsMax = options.streamsMax ?? 256;
  const channel = new LoopbackChannel(options.inject);
  let streams = 0;
  let loaded: { schema: Schema; codec: JsonCodec } | undefined;
  const ends = new Map<GatewayRoute, Ends>();

  const load = (): { schema: Schema; codec: JsonCodec } => {
    if (loaded === undefined) {
      const schema = gatewaySchema();
      loaded = { schema, codec: new JsonCodec(schema) };
    }
    return loaded;
  };

  const endsOf = (route: GatewayRoute): Ends => {
    let found = ends.get(route);
    if (found === undefined) {
      const method = load().schema.method(route.service, route.method);
      // '/v3lockpb.Lock/Lock': messages are in the service's package.
      const protoPackage = method.path.slice(1, method.path.lastIndexOf('.'));
      const typeName = (definition: unknown): string =>
        `${protoPackage}.${(definition as { type: { name: string } }).type.name}`;
      found = {
        method,
        requestType: typeName(method.requestType),
        responseType: typeName(method.responseType),
      };
      ends.set(route, found);
    }
    return found;
  };

  const toBytes = (route: GatewayRoute, text: string): Buffer => {
    const { method, requestType } = endsOf(route);
    return method.requestSerialize(load().codec.decode(requestType, parseJson(text))) as Buffer;
  };

  const toJson = (route: GatewayRoute, bytes: Buffer): object => {
    const { method, responseType } = endsOf(route);
    const decoded = method.responseDeserialize(bytes) as Record<string, unknown>;
    return load().codec.encode(responseType, decoded);
  };

  const open = (
    route: GatewayRoute,
    request: IncomingMessage,
    handlers: { message(bytes: Buffer): void; end(status: CallStatus): void },
  ): LoopbackCall =>
    channel.open(endsOf(route).method.path, metadataFrom(request.headers), handlers);

  const unary = async (
    route: GatewayRoute,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    let bytes: Buffer;
    try {
      bytes = toBytes(route, await readBody(request, bodyBytesMax));
    } catch (error) {
      replyStatus(response, inputFailure(error, options.onBug));
      return;
    }
    let answer: Buffer | undefined;
    const status = await new Promise<CallStatus>((resolve) => {
      const call = open(route, request, {
        message: (message) => {
          answer ??= Buffer.from(message);
        },
        end: resolve,
      });
      response.once('close', () => call.cancel());
      call.write(bytes);
      call.end();
    });
    if (response.destroyed) return;
    if (status.code !== grpcStatus.OK || answer === undefined) {
      replyStatus(
        response,
        status.code !== grpcStatus.OK
          ? status
          : { code: grpcStatus.INTERNAL, details: 'concord: gateway call answered nothing' },
      );
      return;
    }
    response
      .writeHead(200, { ...corsHeaders, 'content-type': 'application/json' })
      .end(JSON.stringify(toJson(route, answer)));
  };

  const stream = (
    route: GatewayRoute,
    request: IncomingMessage,
    response: ServerResponse,
  ): void => {
    if (streams >= streamsMax) {
      replyStatus(response, {
        code: grpcStatus.RESOURCE_EXHAUSTED,
        details: `concord: too many gateway streams (at most ${streamsMax})`,
      });
      request.resume();
      return;
    }
    streams++;
    let live = true;
    const startResponse = (): void => {
      if (!response.headersSent) {
        response.writeHead(200, { ...corsHeaders, 'content-type': 'application/json' });
      }
    };
    const finish = (failure: CallStatus | undefined): void => {
      if (!live) return;
      live = false;
      streams--;
      call.cancel();
      if (response.destroyed) return;
      startResponse();
      if (failure !== undefined) response.write(`${JSON.stringify(streamErrorLine(failure))}\n`);
      response.end();
      // What the client still sends is read and dropped, so the answer is not cut short.
      request.resume();
    };
    const call = open(route, request, {
      message: (bytes) => {
        if (!live) return;
        startResponse();
        const line = `${JSON.stringify({ result: toJson(route, bytes) })}\n`;
        // A slow reader: stop taking responses until the HTTP response drains, so the gRPC
        // stream's flow control (and the handler's bounded outbox) hold the member back.
        if (!response.write(line)) {
          call.pauseResponses(true);
          response.once('drain', () => call.pauseResponses(false));
        }
      },
      end: (status) => finish(status.code === grpcStatus.OK ? undefined : status),
    });
    response.once('close', () => finish(undefined));

    const refuse = (error: unknown): void => finish(inputFailure(error, options.onBug));
    const splitter = new JsonValueSplitter(bodyBytesMax, (text) => {
      if (!call.write(toBytes(route, text))) {
        request.pause();
        call.onDrain(() => request.resume());
      }
    });
    request.setEncoding('utf8');
    request.on('data', (text: string) => {
      if (!live) return;
      try {
        splitter.push(text);
      } catch (error) {
        refuse(error);
      }
    });
    request.once('end', () => {
      if (!live) return;
      try {
        const rest = splitter.rest();
        if (rest.trim() !== '') call.write(toBytes(route, rest));
        call.end();
      } catch (error) {
        refuse(error);
      }
    });
  };

  return {
    serve: async (request, response, path) => {
      const route = gatewayRoutes.get(path);
      if (route === undefined) return false;
      if (request.method === 'OPTIONS') {
        response.writeHead(200, corsHeaders).end();
        return true;
      }
      if (request.method !== 'POST') {
        response
          .writeHead(405, {
            ...corsHeaders,
            'content-type': 'text/plain; charset=utf-8',
            'x-content-type-options': 'nosniff',
          })
          .end('Method Not Allowed\n');
        return true;
      }
      if (route.stream === true) stream(route, request, response);
      else await unary(route, request, response);
      return true;
    },
    close: () => channel.close(),
  };
}

function replyStatus(response: ServerResponse, failure: CallStatus): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response
    .writeHead(httpStatusOf(failure.code), { ...corsHeaders, 'content-type': 'application/json' })
    .end(JSON.stringify(errorBody(failure)));
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SyntaxError((error as Error).message, { cause: error });
  }
}

/** A body that could not become a request: its gRPC status. */
function inputFailure(error: unknown, onBug: BugHandler): CallStatus {
  if (error instanceof BodyTooLarge) {
    return {
      code: grpcStatus.RESOURCE_EXHAUSTED,
      details: `grpc: received message larger than max (more than ${error.bytesMax} bytes of JSON)`,
    };
  }
  if (error instanceof SyntaxError) {
    return { code: grpcStatus.INVALID_ARGUMENT, details: error.message };
  }
  return statusOf(error, onBug);
}
