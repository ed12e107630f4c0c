// HPACK against a real peer: Node's node:http2 client (nghttp2's encoder and decoder) talking
// to a raw-socket server (hpack-peer.ts) that decodes its request header blocks with our
// decoder and answers with blocks from our encoder. Requests carry typical gRPC headers,
// "-bin" headers, values that change per call and values repeated (so nghttp2 refers to its
// dynamic table), a value large enough for CONTINUATION frames, a never-indexed header;
// responses and trailers must reach the client as we sent them. One connection at the default
// table sizes, one with small ones on both sides (evictions, size updates owed at block start).
// Also grpc-go's first request, as etcdctl 3.4 sent it (test/server/http2/etcdctl-capture.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { after, describe, it } from 'node:test';
import { HpackDecoder } from '../../../src/server/h2/hpack-decoder.js';
import type { HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import { waitFor } from '../../helpers/wait.js';
import { etcdctlStatusConnection } from '../http2/etcdctl-capture.js';
import { RawPeer } from './hpack-peer.js';

type Pairs = [string, string][];
const sorted = (pairs: Pairs): Pairs =>
  [...pairs].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));

function requestHeaders(call: number, authority: string): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':scheme': 'http',
    ':authority': authority,
    ':path': call % 3 === 0 ? '/etcdserverpb.KV/Put' : '/etcdserverpb.KV/Range',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-accept-encoding': 'identity,deflate,gzip',
    'user-agent': 'grpc-node-js/1.10.0',
    'grpc-timeout': `${4990 + (call % 7)}m`,
    'x-request-id': `req-${call}`,
    'x-token-bin': randomBytes(12 + (call % 5)).toString('base64'),
    'x-static-bin': 'AAECAwQFBgcICQ==',
    'x-latin': 'caf\u00e9 \u00ff',
    authorization: 'Bearer abcdefghijklmnopqrstuvwxyz0123456789',
    'x-multi': ['one', 'two'],
    [http2.sensitiveHeaders]: ['authorization'],
  };
  if (call % 4 === 1) headers['x-large'] = 'v'.repeat(3000) + String(call);
  if (call === 6) headers['x-huge'] = 'w'.repeat(20_000); // over one 16 KiB frame
  return headers;
}

/** What the client put on the wire: one [name, value] per field, names lowercase. */
function sentPairs(headers: http2.OutgoingHttpHeaders): Pairs {
  const pairs: Pairs = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) pairs.push([name, String(one)]);
  }
  return pairs;
}

function respond(call: number): { headers: HeaderField[]; trailers: HeaderField[] } {
  return {
    headers: [
      { name: ':status', value: '200' },
      { name: 'content-type', value: 'application/grpc' },
      { name: 'grpc-accept-encoding', value: 'identity,deflate,gzip' },
      { name: 'x-call', value: String(call) },
      { name: 'x-resp-bin', value: Buffer.from([call, 1, 2, 255]).toString('base64') },
      { name: 'x-secret', value: 'hush', indexing: 'never' },
    ],
    trailers: [
      { name: 'grpc-status', value: call % 5 === 4 ? '5' : '0' },
      { name: 'grpc-message', value: `message for call ${call}`, indexing: 'without' },
    ],
  };
}

interface Answer {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
}

function call(
  client: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<Answer> {
  return waitFor<Answer>(`the response to ${String(headers['x-request-id'])}`, (done, fail) => {
    const request = client.request(headers, { endStream: false });
    let responseHeaders: http2.IncomingHttpHeaders | undefined;
    request.on('response', (received) => (responseHeaders = received));
    request.on('trailers', (trailers) => {
      if (responseHeaders === undefined) fail(new Error('trailers before response headers'));
      else done({ headers: responseHeaders, trailers });
    });
    request.on('error', fail);
    // A refused block (nghttp2 sends GOAWAY COMPRESSION_ERROR) closes the stream early.
    request.on('close', () => fail(new Error(`stream closed, rstCode ${request.rstCode}`)));
    request.resume();
    request.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

function checkAnswer(answer: Answer, callNumber: number): void {
  const { headers, trailers } = respond(callNumber);
  const expectedHeaders: Record<string | symbol, unknown> = {};
  for (const { name, value } of headers) expectedHeaders[name] = value;
  expectedHeaders[':status'] = 200; // node:http2 hands the status over as a number
  // nghttp2 saw our never-indexed literal and says so: the flag crossed the wire.
  expectedHeaders[http2.sensitiveHeaders] = ['x-secret'];
  assert.deepEqual(
    { ...answer.headers },
    expectedHeaders,
    `response headers of call ${callNumber}`,
  );
  const expectedTrailers: Record<string | symbol, unknown> = {};
  for (const { name, value } of trailers) expectedTrailers[name] = value;
  expectedTrailers[http2.sensitiveHeaders] = [];
  assert.deepEqual({ ...answer.trailers }, expectedTrailers, `trailers of call ${callNumber}`);
}

async function runConnection(
  peer: RawPeer,
  port: number,
  clientSettings: http2.Settings,
): Promise<http2.OutgoingHttpHeaders[]> {
  const client = http2.connect(`http://127.0.0.1:${port}`, { settings: clientSettings });
  client.on('error', () => undefined);
  const sent: http2.OutgoingHttpHeaders[] = [];
  try {
    // One at a time first, so each block is encoded against the table the previous one left;
    // then a burst of concurrent calls on the same connection.
    for (let n = 0; n < 12; n++) {
      const headers = requestHeaders(n, `127.0.0.1:${port}`);
      sent.push(headers);
      checkAnswer(await call(client, headers), n);
    }
    const burst = Array.from({ length: 8 }, (_, i) => requestHeaders(12 + i, `127.0.0.1:${port}`));
    sent.push(...burst);
    const answers = await Promise.all(burst.map((headers) => call(client, headers)));
    // In a burst, the server's call number follows arrival order: match by x-call.
    for (const answer of answers) checkAnswer(answer, Number(answer.headers['x-call']));
  } finally {
    client.close();
  }
  assert.equal(peer.error, undefined, `our decoder refused a block: ${String(peer.error)}`);
  return sent;
}

function checkReceived(
  peer: RawPeer,
  sent: http2.OutgoingHttpHeaders[],
  tableHoldsAll: boolean,
): void {
  assert.equal(peer.received.length, sent.length);
  for (const block of peer.received) {
    const id = block.fields.find(({ name }) => name === 'x-request-id')?.value;
    const headers = sent.find((h) => h['x-request-id'] === id);
    assert.ok(headers !== undefined, `a block with unknown x-request-id ${id}`);
    const decoded: Pairs = block.fields.map(({ name, value }) => [name, value]);
    assert.deepEqual(sorted(decoded), sorted(sentPairs(headers)), `request ${id}`);
    const authorization = block.fields.find(({ name }) => name === 'authorization');
    assert.equal(authorization?.neverIndexed, true, 'authorization arrives never-indexed');
    const custom = block.fields.find(({ name }) => name === 'x-static-bin');
    assert.equal(custom?.neverIndexed, false);
  }
  // nghttp2 indexes what repeats: with room in the table, a later request (call 2: no x-large)
  // costs a fraction of the first, so the dynamic table paths were exercised.
  const [first, , third] = peer.received as { octets: number }[] as [
    { octets: number },
    unknown,
    { octets: number },
  ];
  if (tableHoldsAll) {
    assert.ok(third.octets * 2 < first.octets, `blocks of ${first.octets} then ${third.octets}`);
  } else {
    // Our SETTINGS lowered the table to 256: nghttp2 owed, and sent, a size update.
    assert.ok(
      peer.received.some((block) => block.sizeUpdate),
      'a block opened with a size update',
    );
  }
  assert.ok(peer.continuations > 0, 'the 20000-octet header came in CONTINUATION frames');
}

describe('HPACK against node:http2 (nghttp2)', () => {
  const peers: RawPeer[] = [];
  after(async () => {
    for (const peer of peers) await peer.close();
  });

  it(
    'default table sizes: requests decode as sent, responses arrive as encoded',
    { timeout: 60_000 },
    async () => {
      const peer = new RawPeer({ respond });
      peers.push(peer);
      const port = await peer.listen();
      checkReceived(peer, await runConnection(peer, port, {}), true);
    },
  );

  it(
    'small tables both ways (server 256, client 128): evictions and owed size updates',
    { timeout: 60_000 },
    async () => {
      const peer = new RawPeer({ respond, headerTableSize: 256 });
      peers.push(peer);
      const port = await peer.listen();
      checkReceived(peer, await runConnection(peer, port, { headerTableSize: 128 }), false);
    },
  );

  it("grpc-go's first request (etcdctl 3.4 endpoint status, captured) decodes", () => {
    // The capture: preface (24), SETTINGS (9), SETTINGS ACK (9), then the HEADERS frame.
    const at = 24 + 9 + 9;
    const length = etcdctlStatusConnection.readUIntBE(at, 3);
    assert.equal(etcdctlStatusConnection[at + 3], 0x1, 'a HEADERS frame');
    const block = etcdctlStatusConnection.subarray(at + 9, at + 9 + length);
    const fields = new HpackDecoder().decodeList(block);
    const byName = new Map(fields.map(({ name, value }) => [name, value]));
    assert.equal(byName.get(':method'), 'POST');
    assert.equal(byName.get(':path'), '/etcdserverpb.Maintenance/Status');
    assert.equal(byName.get(':authority'), 'http://127.0.0.1:38517');
    assert.equal(byName.get('content-type'), 'application/grpc');
    assert.equal(byName.get('te'), 'trailers');
  });
});
