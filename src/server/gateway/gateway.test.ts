import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createGateway } from './gateway.js';

/**
 * The gateway's own bounds, behind a stand-in gRPC server that accepts calls and never
 * answers (so streams stay open): the stream limit, and refusals before any call is made.
 */
describe('gateway bounds', () => {
  const grpc = createHttp2Server();
  let calls = 0;
  const callListeners = new Set<() => void>();
  grpc.on('stream', () => {
    calls++; // accepted, never answered
    for (const listener of callListeners) listener();
  });
  /** Resolves once the stand-in server has seen `count` calls. */
  const callsSeen = (count: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (calls < count) return;
        callListeners.delete(check);
        resolve();
      };
      callListeners.add(check);
      check();
    });
  const gateway = createGateway({
    inject: (connection) => grpc.emit('connection', connection),
    requestBytesMax: 1024,
    onBug: (error) => {
      throw error;
    },
    streamsMax: 2,
  });
  const http = createHttpServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    void gateway.serve(request, response, path).then((served) => {
      if (!served) response.writeHead(404).end();
    });
  });
  let base = '';

  before(async () => {
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  after(async () => {
    gateway.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    grpc.close();
  });

  /** Sends a request and resolves its response (or never, for a stream left open). */
  const send = (path: string, body: string): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const request = httpRequest(`${base}${path}`, { method: 'POST' }, resolve);
      request.on('error', reject);
      request.end(body);
    });

  const text = async (response: IncomingMessage): Promise<string> => {
    let out = '';
    for await (const chunk of response) out += String(chunk);
    return out;
  };

  it('refuses a stream past streamsMax with RESOURCE_EXHAUSTED', async () => {
    const watch = '{"create_request":{"key":"YQ=="}}';
    // Two streams held open by the silent server; their responses never start.
    void send('/v3/watch', watch).catch(() => undefined);
    void send('/v3/watch', watch).catch(() => undefined);
    await callsSeen(2);
    const refused = await send('/v3/watch', watch);
    assert.equal(refused.statusCode, 429);
    assert.deepEqual(JSON.parse(await text(refused)), {
      error: 'concord: too many gateway streams (at most 2)',
      message: 'concord: too many gateway streams (at most 2)',
      code: 8,
    });
  });

  it('refuses bodies that are too large or not JSON before making a call', async () => {
    const big = await send(
      '/v3/kv/put',
      JSON.stringify({ key: 'YQ==', value: 'A'.repeat(1 << 20) }),
    );
    assert.equal(big.statusCode, 429);
    assert.equal((JSON.parse(await text(big)) as { code: number }).code, 8);
    const bad = await send('/v3/kv/put', '{"key":');
    assert.equal(bad.statusCode, 400);
    assert.equal((JSON.parse(await text(bad)) as { code: number }).code, 3);
    const wrongType = await send('/v3/kv/range', '{"limit":"ten"}');
    assert.equal(wrongType.statusCode, 400);
    const unknownEnum = await send('/v3/kv/range', '{"sort_order":"SIDEWAYS"}');
    assert.equal(unknownEnum.statusCode, 400);
  });
});
