import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../../../src/base/assert.js';
import { ConnectionError, ErrorCode } from '../../../src/server/h2/errors.js';
import { clientPreface, FrameFlag, FrameType } from '../../../src/server/h2/frame.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import {
  assertConnectionError,
  connection,
  emptySettings,
  FrameRecorder,
  rawFrame,
  u32,
} from './frame-recorder.js';

const { DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY } = FrameType;
const { WINDOW_UPDATE, CONTINUATION } = FrameType;
const { END_STREAM, ACK, END_HEADERS, PADDED } = FrameFlag;

/** Reads `bytes` (preface and SETTINGS included) in one push; returns the events after SETTINGS. */
function read(bytes: Uint8Array, options?: ConstructorParameters<typeof FrameReader>[1]) {
  const recorder = new FrameRecorder();
  const reader = new FrameReader(recorder, options);
  reader.push(bytes);
  return recorder.events.slice(1);
}

/** Asserts reading `frames` after a valid preface fails with a ConnectionError. */
function rejects(frames: Uint8Array[], code: ErrorCode, message: RegExp): void {
  assertConnectionError(() => read(connection(...frames)), code, message);
}

describe('FrameReader: the client connection preface (RFC 9113 3.4)', () => {
  it('accepts the preface followed by SETTINGS', () => {
    const recorder = new FrameRecorder();
    new FrameReader(recorder).push(connection());
    assert.deepEqual(recorder.events, [['settings', false, '']]);
  });

  it('rejects an HTTP/1.1 request as a bad preface, with PROTOCOL_ERROR', () => {
    const reader = new FrameReader(new FrameRecorder());
    assertConnectionError(
      () => reader.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
      ErrorCode.PROTOCOL_ERROR,
      /preface \(octet 0 differs\)/,
    );
    assert.equal(reader.isClosed, true);
  });

  it('finds a preface that goes wrong late, even fed one octet at a time', () => {
    const bad = Buffer.from(clientPreface);
    bad[20] = 0x41;
    const reader = new FrameReader(new FrameRecorder());
    for (let i = 0; i < 20; i++) reader.push(bad.subarray(i, i + 1));
    assertConnectionError(
      () => reader.push(bad.subarray(20, 21)),
      ErrorCode.PROTOCOL_ERROR,
      /octet 20/,
    );
  });

  it('requires SETTINGS (not an ACK) as the first frame', () => {
    const ping = rawFrame(PING, 0, 0, Buffer.alloc(8));
    assertConnectionError(
      () => read(Buffer.concat([clientPreface, ping])),
      ErrorCode.PROTOCOL_ERROR,
      /PING frame before the client's first SETTINGS/,
    );
    assertConnectionError(
      () => read(Buffer.concat([clientPreface, rawFrame(SETTINGS, ACK, 0)])),
      ErrorCode.PROTOCOL_ERROR,
      /before the client's first SETTINGS/,
    );
  });

  it("on a client: no preface, the server's SETTINGS first", () => {
    const recorder = new FrameRecorder();
    new FrameReader(recorder, { clientPreface: false }).push(
      Buffer.concat([emptySettings, rawFrame(PING, 0, 0, Buffer.alloc(8))]),
    );
    assert.deepEqual(
      recorder.events.map((e) => e[0]),
      ['settings', 'ping'],
    );
    assertConnectionError(
      () =>
        new FrameReader(new FrameRecorder(), { clientPreface: false }).push(
          rawFrame(PING, 0, 0, Buffer.alloc(8)),
        ),
      ErrorCode.PROTOCOL_ERROR,
      /server preface: PING frame before the server's first SETTINGS/,
    );
  });

  it('ignores input after a connection error', () => {
    const recorder = new FrameRecorder();
    const reader = new FrameReader(recorder);
    assert.throws(() => reader.push(Buffer.from('nope')), ConnectionError);
    reader.push(connection());
    assert.deepEqual(recorder.events, []);
  });
});

describe('FrameReader: frame size (RFC 9113 4.2)', () => {
  it('fails a frame above SETTINGS_MAX_FRAME_SIZE on its header alone', () => {
    const reader = new FrameReader(new FrameRecorder());
    reader.push(connection());
    const header = rawFrame(DATA, 0, 1, undefined, 16_385);
    assertConnectionError(
      () => reader.push(header),
      ErrorCode.FRAME_SIZE_ERROR,
      /DATA frame of 16385 octets exceeds SETTINGS_MAX_FRAME_SIZE 16384/,
    );
  });

  it('fails an oversized frame whose header arrives split across chunks', () => {
    const reader = new FrameReader(new FrameRecorder());
    reader.push(connection());
    const header = rawFrame(HEADERS, 0, 1, undefined, 0xff_ffff);
    reader.push(header.subarray(0, 4));
    assertConnectionError(
      () => reader.push(header.subarray(4)),
      ErrorCode.FRAME_SIZE_ERROR,
      /HEADERS frame of 16777215 octets exceeds/,
    );
  });

  it('accepts a frame of exactly the max, and larger ones when configured', () => {
    const big = Buffer.alloc(16_384, 7);
    assert.equal(read(connection(rawFrame(DATA, 0, 1, big)))[0]?.[4], 16_384);
    const bigger = Buffer.alloc(20_000, 7);
    const events = read(connection(rawFrame(DATA, 0, 1, bigger)), { maxFrameSize: 32_768 });
    assert.equal(events[0]?.[4], 20_000);
  });

  it('rejects a configured max outside 16384..2^24-1 as a bug', () => {
    assert.throws(
      () => new FrameReader(new FrameRecorder(), { maxFrameSize: 100 }),
      AssertionError,
    );
  });
});

describe('FrameReader: DATA and HEADERS padding (RFC 9113 6.1, 6.2)', () => {
  it('strips DATA padding and reports the padded length for flow control', () => {
    const payload = Buffer.from([3, 0xaa, 0xbb, 0, 0, 0]);
    assert.deepEqual(read(connection(rawFrame(DATA, PADDED | END_STREAM, 1, payload))), [
      ['data', 1, 'aabb', true, 6],
    ]);
  });

  it('accepts padding that leaves no data, rejects padding as long as the payload', () => {
    const empty = Buffer.from([2, 0, 0]);
    assert.deepEqual(read(connection(rawFrame(DATA, PADDED, 1, empty))), [
      ['data', 1, '', false, 3],
    ]);
    rejects(
      [rawFrame(DATA, PADDED, 1, Buffer.from([3, 0, 0]))],
      ErrorCode.PROTOCOL_ERROR,
      /DATA padding of 3 octets exceeds its payload of 3/,
    );
  });

  it('rejects a PADDED frame too short for its Pad Length octet', () => {
    rejects([rawFrame(DATA, PADDED, 1)], ErrorCode.FRAME_SIZE_ERROR, /DATA of 0 octets too short/);
  });

  it('strips HEADERS padding and priority fields', () => {
    const payload = Buffer.concat([
      Buffer.from([2]), // pad length
      u32(0x8000_0003), // exclusive, depends on stream 3
      Buffer.from([15]), // weight
      Buffer.from([0x82, 0x86]), // fragment
      Buffer.from([0, 0]), // padding
    ]);
    const flags = PADDED | FrameFlag.PRIORITY | END_HEADERS | END_STREAM;
    assert.deepEqual(read(connection(rawFrame(HEADERS, flags, 5, payload))), [
      ['headers', 5, '8286', true, true],
    ]);
  });

  it('rejects HEADERS whose padding eats into the priority fields', () => {
    const payload = Buffer.concat([Buffer.from([2]), u32(3), Buffer.from([15, 0])]);
    const flags = PADDED | FrameFlag.PRIORITY | END_HEADERS;
    rejects([rawFrame(HEADERS, flags, 5, payload)], ErrorCode.PROTOCOL_ERROR, /padding of 2/);
    rejects(
      [rawFrame(HEADERS, FrameFlag.PRIORITY | END_HEADERS, 5, Buffer.alloc(4))],
      ErrorCode.FRAME_SIZE_ERROR,
      /HEADERS of 4 octets too short for its 5 octets/,
    );
  });

  it('rejects HEADERS that depend on their own stream', () => {
    const payload = Buffer.concat([u32(5), Buffer.from([15, 0x82])]);
    rejects(
      [rawFrame(HEADERS, FrameFlag.PRIORITY | END_HEADERS, 5, payload)],
      ErrorCode.PROTOCOL_ERROR,
      /HEADERS of stream 5 depends on itself/,
    );
  });
});

describe('FrameReader: stream identifiers (RFC 9113 6)', () => {
  const onStreamZero: [string, Buffer][] = [
    ['DATA', rawFrame(DATA, 0, 0, Buffer.from('x'))],
    ['HEADERS', rawFrame(HEADERS, END_HEADERS, 0, Buffer.from([0x82]))],
    ['PRIORITY', rawFrame(PRIORITY, 0, 0, Buffer.alloc(5))],
    ['RST_STREAM', rawFrame(RST_STREAM, 0, 0, u32(8))],
    ['CONTINUATION', rawFrame(CONTINUATION, END_HEADERS, 0)],
  ];
  for (const [name, frame] of onStreamZero) {
    it(`rejects ${name} on stream 0 with PROTOCOL_ERROR`, () => {
      rejects([frame], ErrorCode.PROTOCOL_ERROR, new RegExp(`${name} on stream 0`));
    });
  }

  const onStream: [string, Buffer][] = [
    ['SETTINGS', rawFrame(SETTINGS, 0, 1)],
    ['PING', rawFrame(PING, 0, 1, Buffer.alloc(8))],
    ['GOAWAY', rawFrame(GOAWAY, 0, 1, Buffer.alloc(8))],
  ];
  for (const [name, frame] of onStream) {
    it(`rejects ${name} on a stream with PROTOCOL_ERROR`, () => {
      rejects(
        [frame],
        ErrorCode.PROTOCOL_ERROR,
        new RegExp(`${name} on stream 1, not on stream 0`),
      );
    });
  }

  it('ignores the reserved bit of the stream identifier', () => {
    assert.deepEqual(read(connection(rawFrame(DATA, 0, 0x8000_0001, Buffer.from('x')))), [
      ['data', 1, '78', false, 1],
    ]);
  });

  it('rejects PUSH_PROMISE from a client', () => {
    rejects(
      [rawFrame(PUSH_PROMISE, END_HEADERS, 1, u32(2))],
      ErrorCode.PROTOCOL_ERROR,
      /PUSH_PROMISE/,
    );
  });
});

describe('FrameReader: fixed-length frames (RFC 9113 6.4, 6.5, 6.7, 6.8, 6.9)', () => {
  const wrongLengths: [string, Buffer, RegExp][] = [
    ['SETTINGS of 5 octets', rawFrame(SETTINGS, 0, 0, Buffer.alloc(5)), /not a multiple of 6/],
    [
      'SETTINGS ACK with a payload',
      rawFrame(SETTINGS, ACK, 0, Buffer.alloc(6)),
      /ACK with a payload/,
    ],
    ['PING of 7 octets', rawFrame(PING, 0, 0, Buffer.alloc(7)), /PING of 7 octets, not 8/],
    ['PING of 9 octets', rawFrame(PING, ACK, 0, Buffer.alloc(9)), /PING of 9 octets, not 8/],
    ['WINDOW_UPDATE of 3', rawFrame(WINDOW_UPDATE, 0, 0, Buffer.alloc(3)), /of 3 octets, not 4/],
    ['WINDOW_UPDATE of 5', rawFrame(WINDOW_UPDATE, 0, 1, Buffer.alloc(5)), /of 5 octets, not 4/],
    ['RST_STREAM of 3', rawFrame(RST_STREAM, 0, 1, Buffer.alloc(3)), /of 3 octets, not 4/],
    ['RST_STREAM of 5', rawFrame(RST_STREAM, 0, 1, Buffer.alloc(5)), /of 5 octets, not 4/],
    ['GOAWAY of 7', rawFrame(GOAWAY, 0, 0, Buffer.alloc(7)), /less than 8/],
  ];
  for (const [name, frame, message] of wrongLengths) {
    it(`rejects ${name} with FRAME_SIZE_ERROR`, () => {
      rejects([frame], ErrorCode.FRAME_SIZE_ERROR, message);
    });
  }

  it('delivers SETTINGS, PING, GOAWAY, RST_STREAM and WINDOW_UPDATE', () => {
    const settings = Buffer.from([0, 4, 0, 0x10, 0, 0, 0, 0x42, 0, 0, 0, 1]);
    const ping = Buffer.from('01234567');
    const goaway = Buffer.concat([u32(0x8000_0007), u32(0xb), Buffer.from('calm')]);
    assert.deepEqual(
      read(
        connection(
          rawFrame(SETTINGS, 0, 0, settings),
          rawFrame(SETTINGS, ACK, 0),
          rawFrame(PING, 0, 0, ping),
          rawFrame(PING, ACK, 0, ping),
          rawFrame(GOAWAY, 0, 0, goaway),
          rawFrame(RST_STREAM, 0, 3, u32(8)),
          rawFrame(WINDOW_UPDATE, 0, 0, u32(0x8000_0400)),
          rawFrame(WINDOW_UPDATE, 0, 3, u32(0x7fff_ffff)),
        ),
      ),
      [
        ['settings', false, '4=1048576,66=1'],
        ['settings', true, ''],
        ['ping', false, ping.toString('hex')],
        ['ping', true, ping.toString('hex')],
        ['goaway', 7, 0xb, Buffer.from('calm').toString('hex')],
        ['rst_stream', 3, 8],
        ['window_update', 0, 0x400],
        ['window_update', 3, 0x7fff_ffff],
      ],
    );
  });

  it('checks SETTINGS values (settings.ts) before delivering any', () => {
    const push2 = Buffer.from([0, 4, 0, 0, 0, 1, 0, 2, 0, 0, 0, 2]);
    rejects([rawFrame(SETTINGS, 0, 0, push2)], ErrorCode.PROTOCOL_ERROR, /ENABLE_PUSH/);
  });
});

describe('FrameReader: WINDOW_UPDATE of 0 (RFC 9113 6.9)', () => {
  it('is a stream error on a stream, and reading goes on', () => {
    const events = read(
      connection(rawFrame(WINDOW_UPDATE, 0, 3, u32(0)), rawFrame(WINDOW_UPDATE, 0, 3, u32(1))),
    );
    assert.deepEqual(events, [
      ['stream_error', 3, ErrorCode.PROTOCOL_ERROR],
      ['window_update', 3, 1],
    ]);
  });

  it('is a connection error on stream 0', () => {
    rejects(
      [rawFrame(WINDOW_UPDATE, 0, 0, u32(0x8000_0000))],
      ErrorCode.PROTOCOL_ERROR,
      /increment of 0/,
    );
  });
});

describe('FrameReader: PRIORITY (RFC 9113 6.3), ignored but checked', () => {
  it('delivers nothing for a valid PRIORITY', () => {
    assert.deepEqual(
      read(connection(rawFrame(PRIORITY, 0, 3, Buffer.concat([u32(1), Buffer.from([7])])))),
      [],
    );
  });

  it('reports a wrong length and a self-dependency as stream errors', () => {
    const events = read(
      connection(
        rawFrame(PRIORITY, 0, 3, Buffer.alloc(4)),
        rawFrame(PRIORITY, 0, 5, Buffer.concat([u32(5), Buffer.from([7])])),
        rawFrame(PING, 0, 0, Buffer.alloc(8)),
      ),
    );
    assert.deepEqual(events, [
      ['stream_error', 3, ErrorCode.FRAME_SIZE_ERROR],
      ['stream_error', 5, ErrorCode.PROTOCOL_ERROR],
      ['ping', false, '0000000000000000'],
    ]);
  });
});

describe('FrameReader: header blocks and CONTINUATION (RFC 9113 4.3, 6.10)', () => {
  const open = rawFrame(HEADERS, END_STREAM, 1, Buffer.from([0x82]));

  it('delivers HEADERS then its CONTINUATIONs', () => {
    const events = read(
      connection(
        open,
        rawFrame(CONTINUATION, 0, 1, Buffer.from([0x86])),
        rawFrame(CONTINUATION, END_HEADERS, 1, Buffer.from([0x84])),
        rawFrame(DATA, 0, 3, Buffer.from('x')),
      ),
    );
    assert.deepEqual(events, [
      ['headers', 1, '82', true, false],
      ['continuation', 1, '86', false],
      ['continuation', 1, '84', true],
      ['data', 3, '78', false, 1],
    ]);
  });

  const intruders: [string, Buffer][] = [
    ['DATA', rawFrame(DATA, 0, 1, Buffer.from('x'))],
    ['PING', rawFrame(PING, 0, 0, Buffer.alloc(8))],
    ['HEADERS', rawFrame(HEADERS, END_HEADERS, 3, Buffer.from([0x82]))],
    ['type 0xfa', rawFrame(0xfa, 0, 0)],
  ];
  for (const [name, frame] of intruders) {
    it(`rejects ${name} inside a header block with PROTOCOL_ERROR`, () => {
      rejects(
        [open, frame],
        ErrorCode.PROTOCOL_ERROR,
        new RegExp(`${name} frame .*only CONTINUATION`),
      );
    });
  }

  it('rejects a CONTINUATION of another stream', () => {
    rejects(
      [open, rawFrame(CONTINUATION, END_HEADERS, 3)],
      ErrorCode.PROTOCOL_ERROR,
      /CONTINUATION on stream 3 inside the header block of stream 1/,
    );
  });

  it('rejects a CONTINUATION outside a header block', () => {
    const closed = rawFrame(HEADERS, END_HEADERS, 1, Buffer.from([0x82]));
    rejects(
      [rawFrame(CONTINUATION, END_HEADERS, 1)],
      ErrorCode.PROTOCOL_ERROR,
      /outside a header block/,
    );
    rejects(
      [closed, rawFrame(CONTINUATION, 0, 1)],
      ErrorCode.PROTOCOL_ERROR,
      /outside a header block/,
    );
  });

  it('bounds a header block across CONTINUATIONs with ENHANCE_YOUR_CALM', () => {
    const fragment = Buffer.alloc(1000, 0x82);
    const frames = [rawFrame(HEADERS, 0, 1, fragment)];
    for (let i = 0; i < 3; i++) frames.push(rawFrame(CONTINUATION, 0, 1, fragment));
    assert.equal(read(connection(...frames), { headerBlockBytesMax: 4036 }).length, 4);
    assertConnectionError(
      () => read(connection(...frames), { headerBlockBytesMax: 4035 }),
      ErrorCode.ENHANCE_YOUR_CALM,
      /header block of stream 1 exceeds 4035 octets/,
    );
  });

  it('bounds a flood of empty CONTINUATIONs too, and resets the count per block', () => {
    const flood = [rawFrame(HEADERS, 0, 1)];
    for (let i = 0; i < 10_000; i++) flood.push(rawFrame(CONTINUATION, 0, 1));
    rejects(flood, ErrorCode.ENHANCE_YOUR_CALM, /exceeds 65536 octets/);
    const blocks: Buffer[] = [];
    for (let id = 1; id < 200; id += 2) {
      blocks.push(rawFrame(HEADERS, END_HEADERS, id, Buffer.alloc(1000, 0x82)));
    }
    assert.equal(read(connection(...blocks)).length, 100);
  });
});

describe('FrameReader: other frame types and handler contract', () => {
  it('ignores frames of unknown types (RFC 9113 4.1, 5.5)', () => {
    const events = read(
      connection(rawFrame(0x0a, 0xff, 0, Buffer.alloc(30)), rawFrame(0xff, 0, 7)),
    );
    assert.deepEqual(events, []);
  });

  it('closes when a handler throws, and passes the error on', () => {
    const recorder = new FrameRecorder();
    recorder.onPing = () => {
      throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, 'from the handler');
    };
    const reader = new FrameReader(recorder);
    assertConnectionError(
      () => reader.push(connection(rawFrame(PING, 0, 0, Buffer.alloc(8)))),
      ErrorCode.COMPRESSION_ERROR,
      /from the handler/,
    );
    assert.equal(reader.isClosed, true);
  });

  it('refuses a push from inside a handler', () => {
    const recorder = new FrameRecorder();
    const reader = new FrameReader(recorder);
    recorder.onPing = () => reader.push(emptySettings);
    assert.throws(
      () => reader.push(connection(rawFrame(PING, 0, 0, Buffer.alloc(8)))),
      AssertionError,
    );
  });

  it('passes views into the chunk for a frame within it, copies for a split frame', () => {
    const recorder = new FrameRecorder();
    const reader = new FrameReader(recorder);
    // A chunk of its own (not in Buffer's shared pool), so "same ArrayBuffer" means "a view".
    const chunk = new Uint8Array(
      connection(
        rawFrame(DATA, 0, 1, Buffer.from('whole')),
        rawFrame(DATA, 0, 1, Buffer.from('split')),
      ),
    );
    reader.push(chunk.subarray(0, chunk.length - 2));
    reader.push(chunk.subarray(chunk.length - 2));
    assert.equal(recorder.views.length, 2);
    assert.equal(recorder.views[0]?.buffer, chunk.buffer, 'the whole frame is a view');
    assert.notEqual(recorder.views[1]?.buffer, chunk.buffer, 'the split frame is a copy');
    assert.deepEqual(
      recorder.events.slice(1).map((e) => e[2]),
      [Buffer.from('whole').toString('hex'), Buffer.from('split').toString('hex')],
    );
  });
});
