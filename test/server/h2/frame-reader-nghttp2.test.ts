/**
 * Differential test of the reader's checks against nghttp2's: each case is a client
 * connection (preface, SETTINGS, a HEADERS opening stream 1, the frames under test, then a
 * GET on stream 7 as a barrier) sent both to a real node:http2 server over a socket and to
 * FrameReader. The outcome on each side: a GOAWAY with its code (a connection error), a
 * RST_STREAM with its code (a stream error), or neither (the barrier's response came back:
 * it is written by JavaScript after nghttp2 has processed, and answered, all that came
 * before it, so an earlier RST_STREAM has been sent by then).
 *
 * Each case states the outcome RFC 9113 asks for, which FrameReader must give. nghttp2 must
 * give it too, but for two things: Node destroys a session whose nghttp2 reports an invalid
 * frame, and its GOAWAY then says INTERNAL_ERROR whatever nghttp2's code was (so only "a
 * connection error" is compared); and where nghttp2 chose differently from the RFC's text,
 * the case names nghttp2's outcome and why.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionError, ErrorCode } from '../../../src/server/h2/errors.js';
import { clientPreface, FrameFlag, FrameType } from '../../../src/server/h2/frame.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import { waitFor } from '../../helpers/wait.js';
import { emptySettings, FrameRecorder, rawFrame, u32 } from './frame-recorder.js';

const { DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY } = FrameType;
const { WINDOW_UPDATE, CONTINUATION } = FrameType;
const { ACK, END_HEADERS, PADDED } = FrameFlag;

type Outcome = 'none' | `goaway ${string}` | `rst ${string}`;

/** GET http://localhost/ (:method, :scheme, :path indexed; :authority a literal without indexing). */
const getBlock = Buffer.concat([
  Buffer.from([0x82, 0x86, 0x84, 0x01, 9]),
  Buffer.from('localhost'),
]);
const openStream1 = rawFrame(HEADERS, END_HEADERS, 1, getBlock);
const barrierStreamId = 7;
const barrier = rawFrame(HEADERS, END_HEADERS | FrameFlag.END_STREAM, barrierStreamId, getBlock);

function bytesOf(frames: readonly Buffer[]): Buffer {
  return Buffer.concat([clientPreface, emptySettings, openStream1, ...frames, barrier]);
}

const codeName = (code: number): string =>
  Object.entries(ErrorCode).find(([, value]) => value === code)?.[0] ?? `0x${code.toString(16)}`;

/** What FrameReader makes of the bytes. */
function ours(bytes: Buffer): Outcome {
  const recorder = new FrameRecorder();
  try {
    new FrameReader(recorder).push(bytes);
  } catch (error) {
    if (error instanceof ConnectionError) return `goaway ${codeName(error.code)}`;
    throw error;
  }
  const streamError = recorder.events.find((event) => event[0] === 'stream_error');
  return streamError === undefined ? 'none' : `rst ${codeName(streamError[2] as number)}`;
}

/** What a node:http2 server answers to the bytes. */
function theirs(port: number, bytes: Buffer): Promise<Outcome> {
  return waitFor<Outcome>(
    'the node:http2 server to answer with GOAWAY or the barrier response',
    (done, fail) => {
      const socket = net.connect(port, '127.0.0.1');
      let input = Buffer.alloc(0);
      let rst: Outcome | undefined;
      const finish = (outcome: Outcome): void => {
        socket.destroy();
        done(outcome);
      };
      socket.on('data', (chunk: Buffer) => {
        input = Buffer.concat([input, chunk]);
        while (input.length >= 9 && input.length >= 9 + input.readUIntBE(0, 3)) {
          const length = input.readUIntBE(0, 3);
          const type = input[3];
          const streamId = input.readUInt32BE(5);
          const payload = input.subarray(9, 9 + length);
          input = input.subarray(9 + length);
          if (type === GOAWAY) return finish(`goaway ${codeName(payload.readUInt32BE(4))}`);
          if (type === RST_STREAM) rst ??= `rst ${codeName(payload.readUInt32BE(0))}`;
          if (type === HEADERS && streamId === barrierStreamId) return finish(rst ?? 'none');
        }
      });
      socket.on('close', () => finish(rst ?? 'goaway (closed without GOAWAY)'));
      socket.on('error', fail);
      socket.write(bytes);
    },
  );
}

const padded = (pad: number, length: number): Buffer =>
  Buffer.concat([Buffer.from([pad]), Buffer.alloc(length - 1)]);
const settings = (id: number, value: number): Buffer => {
  const out = Buffer.alloc(6);
  out.writeUInt16BE(id);
  out.writeUInt32BE(value, 2);
  return out;
};
const priority = (dependency: number): Buffer =>
  Buffer.concat([u32(dependency), Buffer.from([16])]);

const goaway = (code: keyof typeof ErrorCode): Outcome => `goaway ${code}`;
const rst = (code: keyof typeof ErrorCode): Outcome => `rst ${code}`;

interface Case {
  /** The frames after stream 1 was opened. */
  frames: Buffer[];
  /** What RFC 9113 asks for, and FrameReader gives. */
  rfc: Outcome;
  /** What nghttp2 does instead, and why that is allowed or known. */
  nghttp2?: { outcome: Outcome; why: string };
}

const cases: Record<string, Case> = {
  'nothing wrong': { frames: [], rfc: 'none' },
  'DATA with padding': { frames: [rawFrame(DATA, PADDED, 1, padded(3, 10))], rfc: 'none' },
  'DATA padding >= payload': {
    frames: [rawFrame(DATA, PADDED, 1, padded(3, 3))],
    rfc: goaway('PROTOCOL_ERROR'), // 6.1 "MUST treat this as a connection error"
  },
  'DATA PADDED without a pad length': {
    frames: [rawFrame(DATA, PADDED, 1)],
    rfc: goaway('FRAME_SIZE_ERROR'), // 4.2: too small to contain mandatory frame data
    nghttp2: {
      outcome: goaway('PROTOCOL_ERROR'),
      why: 'nghttp2 calls a missing Pad Length a protocol error',
    },
  },
  'DATA on stream 0': {
    frames: [rawFrame(DATA, 0, 0, Buffer.from('x'))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'DATA above max frame size': {
    frames: [rawFrame(DATA, 0, 1, Buffer.alloc(16_385))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'HEADERS on stream 0': {
    frames: [rawFrame(HEADERS, END_HEADERS, 0, getBlock)],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'HEADERS padding >= payload': {
    frames: [rawFrame(HEADERS, PADDED | END_HEADERS, 3, padded(4, 4))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'HEADERS depending on itself': {
    frames: [
      rawFrame(
        HEADERS,
        FrameFlag.PRIORITY | END_HEADERS,
        3,
        Buffer.concat([priority(3), getBlock]),
      ),
    ],
    rfc: goaway('PROTOCOL_ERROR'), // 5.3.1 says stream error; escalated (frame-reader.ts says why), as nghttp2 does
  },
  'PRIORITY on stream 0': {
    frames: [rawFrame(PRIORITY, 0, 0, priority(1))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'PRIORITY valid': { frames: [rawFrame(PRIORITY, 0, 3, priority(1))], rfc: 'none' },
  'PRIORITY of 4 octets': {
    frames: [rawFrame(PRIORITY, 0, 3, Buffer.alloc(4))],
    rfc: rst('FRAME_SIZE_ERROR'), // 6.3 "MUST be treated as a stream error"
    nghttp2: {
      outcome: goaway('FRAME_SIZE_ERROR'),
      why: 'escalated to the connection (5.4.1 allows)',
    },
  },
  'PRIORITY depending on itself': {
    frames: [rawFrame(PRIORITY, 0, 3, priority(3))],
    rfc: rst('PROTOCOL_ERROR'), // 5.3.1: a stream error
    nghttp2: {
      outcome: goaway('PROTOCOL_ERROR'),
      why: 'escalated to the connection (5.4.1 allows)',
    },
  },
  'RST_STREAM on stream 0': {
    frames: [rawFrame(RST_STREAM, 0, 0, u32(8))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'RST_STREAM of 3 octets': {
    frames: [rawFrame(RST_STREAM, 0, 1, Buffer.alloc(3))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'SETTINGS on stream 1': { frames: [rawFrame(SETTINGS, 0, 1)], rfc: goaway('PROTOCOL_ERROR') },
  'SETTINGS of 5 octets': {
    frames: [rawFrame(SETTINGS, 0, 0, Buffer.alloc(5))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'SETTINGS ACK with a payload': {
    frames: [rawFrame(SETTINGS, ACK, 0, settings(3, 1))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'SETTINGS_ENABLE_PUSH 2': {
    frames: [rawFrame(SETTINGS, 0, 0, settings(2, 2))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'SETTINGS_INITIAL_WINDOW_SIZE 2^31': {
    frames: [rawFrame(SETTINGS, 0, 0, settings(4, 2 ** 31))],
    rfc: goaway('FLOW_CONTROL_ERROR'),
  },
  'SETTINGS_MAX_FRAME_SIZE 16383': {
    frames: [rawFrame(SETTINGS, 0, 0, settings(5, 16_383))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'SETTINGS_MAX_FRAME_SIZE 2^24': {
    frames: [rawFrame(SETTINGS, 0, 0, settings(5, 2 ** 24))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'SETTINGS unknown id': { frames: [rawFrame(SETTINGS, 0, 0, settings(0xabc, 7))], rfc: 'none' },
  'PUSH_PROMISE from a client': {
    frames: [rawFrame(PUSH_PROMISE, END_HEADERS, 1, Buffer.concat([u32(2), getBlock]))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'PING of 7 octets': {
    frames: [rawFrame(PING, 0, 0, Buffer.alloc(7))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'PING on stream 1': {
    frames: [rawFrame(PING, 0, 1, Buffer.alloc(8))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'GOAWAY of 7 octets': {
    frames: [rawFrame(GOAWAY, 0, 0, Buffer.alloc(7))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'GOAWAY on stream 1': {
    frames: [rawFrame(GOAWAY, 0, 1, Buffer.alloc(8))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'WINDOW_UPDATE of 3 octets': {
    frames: [rawFrame(WINDOW_UPDATE, 0, 0, Buffer.alloc(3))],
    rfc: goaway('FRAME_SIZE_ERROR'),
  },
  'WINDOW_UPDATE of 0 on stream 0': {
    frames: [rawFrame(WINDOW_UPDATE, 0, 0, u32(0))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'WINDOW_UPDATE of 0 on stream 1': {
    frames: [rawFrame(WINDOW_UPDATE, 0, 1, u32(0))],
    rfc: rst('PROTOCOL_ERROR'), // 6.9: a stream error on a stream's window
    nghttp2: {
      outcome: goaway('INTERNAL_ERROR'),
      why: 'escalated to the connection (5.4.1 allows)',
    },
  },
  'CONTINUATION outside a header block': {
    frames: [rawFrame(CONTINUATION, END_HEADERS, 1)],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'HEADERS + CONTINUATION': {
    frames: [
      rawFrame(HEADERS, 0, 3, getBlock.subarray(0, 1)),
      rawFrame(CONTINUATION, END_HEADERS, 3, getBlock.subarray(1)),
    ],
    rfc: 'none',
  },
  'DATA inside a header block': {
    frames: [rawFrame(HEADERS, 0, 3, getBlock), rawFrame(DATA, 0, 1, Buffer.from('x'))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'PING inside a header block': {
    frames: [rawFrame(HEADERS, 0, 3, getBlock), rawFrame(PING, 0, 0, Buffer.alloc(8))],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'CONTINUATION of another stream': {
    frames: [rawFrame(HEADERS, 0, 3, getBlock), rawFrame(CONTINUATION, END_HEADERS, 5)],
    rfc: goaway('PROTOCOL_ERROR'),
  },
  'unknown frame type': { frames: [rawFrame(0xfa, 0xff, 1, Buffer.alloc(17))], rfc: 'none' },
};

describe('FrameReader checks agree with nghttp2 (a node:http2 server)', () => {
  let server: http2.Http2Server;
  let port = 0;
  before(async () => {
    server = http2.createServer();
    // Stream 1 stays open (DATA and WINDOW_UPDATE on it are valid); the barrier is answered.
    server.on('stream', (stream) => {
      stream.on('error', () => {}); // streams the cases reset
      if (stream.id === barrierStreamId) stream.respond({ ':status': 200 }, { endStream: true });
    });
    // Sessions the cases break: their errors are the point, the outcome is read off the wire.
    server.on('session', (session) => session.on('error', () => {}));
    server.on('sessionError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  for (const [name, { frames, rfc, nghttp2 }] of Object.entries(cases)) {
    it(name, async () => {
      const bytes = bytesOf(frames);
      assert.equal(ours(bytes), rfc, 'FrameReader');
      const theirOutcome = await theirs(port, bytes);
      // Node answers nghttp2's invalid-frame reports with GOAWAY(INTERNAL_ERROR).
      const masked = rfc.startsWith('goaway') && theirOutcome === 'goaway INTERNAL_ERROR';
      if (!masked) assert.equal(theirOutcome, nghttp2?.outcome ?? rfc, nghttp2?.why ?? 'nghttp2');
    });
  }
});
