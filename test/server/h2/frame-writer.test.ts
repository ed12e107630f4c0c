import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../../../src/base/assert.js';
import { ErrorCode } from '../../../src/server/h2/errors.js';
import { clientPreface, FrameType } from '../../../src/server/h2/frame.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import { FrameWriter } from '../../../src/server/h2/frame-writer.js';
import { emptySettings, FrameRecorder } from './frame-recorder.js';

/** Parses the writer's output with the reader (behind a client preface). */
function parse(bytes: Uint8Array, maxFrameSize?: number) {
  const recorder = new FrameRecorder();
  const reader = new FrameReader(recorder, { maxFrameSize });
  reader.push(Buffer.concat([clientPreface, emptySettings, bytes]));
  return recorder.events.slice(1);
}

/** The frame headers in `bytes` as [length, type, flags, streamId]. */
function headers(bytes: Buffer): number[][] {
  const out: number[][] = [];
  for (let at = 0; at < bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
    out.push([bytes.readUIntBE(at, 3), bytes[at + 3]!, bytes[at + 4]!, bytes.readUInt32BE(at + 5)]);
  }
  return out;
}

const pattern = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i & 0xff));

describe('FrameWriter: exact bytes (RFC 9113 6)', () => {
  it('writes the control frames as the RFC lays them out', () => {
    const writer = new FrameWriter();
    writer.writeSettingsAck();
    writer.writePingAck(Buffer.from('01234567'));
    writer.writeWindowUpdate(3, 0x7fff_ffff);
    writer.writeRstStream(5, ErrorCode.CANCEL);
    writer.writeGoaway(7, ErrorCode.ENHANCE_YOUR_CALM, Buffer.from('hi'));
    writer.writeSettings([{ id: 3, value: 100 }]);
    assert.equal(
      writer.take().toString('hex'),
      [
        '000000' + '04' + '01' + '00000000',
        '000008' + '06' + '01' + '00000000' + Buffer.from('01234567').toString('hex'),
        '000004' + '08' + '00' + '00000003' + '7fffffff',
        '000004' + '03' + '00' + '00000005' + '00000008',
        '00000a' + '07' + '00' + '00000000' + '00000007' + '0000000b' + '6869',
        '000006' + '04' + '00' + '00000000' + '0003' + '00000064',
      ].join(''),
    );
  });

  it('writes HEADERS and DATA with their flags', () => {
    const writer = new FrameWriter();
    writer.writeHeaders(1, Buffer.from([0x88]), false);
    writer.writeData(1, Buffer.from('ok'), false);
    writer.writeHeaders(1, Buffer.from([0x40]), true);
    assert.equal(
      writer.take().toString('hex'),
      '000001010400000001' + '88' + '000002000000000001' + '6f6b' + '000001010500000001' + '40',
    );
  });
});

describe('FrameWriter: output read back by the FrameReader', () => {
  it('round-trips every frame type', () => {
    const writer = new FrameWriter();
    writer.writeSettings([
      { id: 4, value: 1 << 20 },
      { id: 6, value: 0xffff_ffff },
    ]);
    writer.writeSettingsAck();
    writer.writePing(Buffer.from('pingping'));
    writer.writePingAck(Buffer.from('pongpong'));
    writer.writeWindowUpdate(0, 1);
    writer.writeRstStream(3, ErrorCode.REFUSED_STREAM);
    writer.writeHeaders(3, Buffer.from([0x82, 0x86]), true);
    writer.writeData(5, Buffer.from('body'), true);
    writer.writeGoaway(5, ErrorCode.NO_ERROR);
    assert.deepEqual(parse(writer.take()), [
      ['settings', false, '4=1048576,6=4294967295'],
      ['settings', true, ''],
      ['ping', false, Buffer.from('pingping').toString('hex')],
      ['ping', true, Buffer.from('pongpong').toString('hex')],
      ['window_update', 0, 1],
      ['rst_stream', 3, ErrorCode.REFUSED_STREAM],
      ['headers', 3, '8286', true, true],
      ['data', 5, Buffer.from('body').toString('hex'), true, 4],
      ['goaway', 5, 0, ''],
    ]);
  });

  it('splits a header block into HEADERS + CONTINUATIONs at the peer max frame size', () => {
    const writer = new FrameWriter();
    const block = pattern(40_000);
    writer.writeHeaders(9, block, true);
    const bytes = writer.take();
    assert.deepEqual(headers(bytes), [
      [16_384, FrameType.HEADERS, 0x1, 9], // END_STREAM on HEADERS, covering the block
      [16_384, FrameType.CONTINUATION, 0, 9],
      [7_232, FrameType.CONTINUATION, 0x4, 9], // END_HEADERS on the last
    ]);
    const events = parse(bytes);
    assert.equal(events.map((e) => e[2]).join(''), block.toString('hex'));
  });

  it('writes a block of exactly the max size as one frame, and follows a larger peer max', () => {
    const writer = new FrameWriter();
    writer.writeHeaders(1, pattern(16_384), false);
    assert.deepEqual(headers(writer.take()), [[16_384, FrameType.HEADERS, 0x4, 1]]);
    writer.setPeerMaxFrameSize(65_536);
    writer.writeHeaders(1, pattern(40_000), false);
    writer.writeData(1, pattern(70_000), true);
    assert.deepEqual(headers(writer.take()), [
      [40_000, FrameType.HEADERS, 0x4, 1],
      [65_536, FrameType.DATA, 0, 1],
      [4_464, FrameType.DATA, 0x1, 1],
    ]);
  });

  it('splits DATA at the peer max frame size, END_STREAM only on the last', () => {
    const writer = new FrameWriter();
    const body = pattern(40_000);
    writer.writeData(3, body, true);
    const bytes = writer.take();
    assert.deepEqual(headers(bytes), [
      [16_384, FrameType.DATA, 0, 3],
      [16_384, FrameType.DATA, 0, 3],
      [7_232, FrameType.DATA, 0x1, 3],
    ]);
    assert.equal(
      parse(bytes)
        .map((e) => e[2])
        .join(''),
      body.toString('hex'),
    );
  });

  it('writes empty DATA as one empty frame (ending a stream)', () => {
    const writer = new FrameWriter();
    writer.writeData(3, Buffer.alloc(0), true);
    assert.equal(writer.pendingBytes, 9);
    assert.deepEqual(parse(writer.take()), [['data', 3, '', true, 0]]);
  });

  it('cuts GOAWAY debug data to what fits in one frame', () => {
    const writer = new FrameWriter();
    writer.writeGoaway(1, ErrorCode.PROTOCOL_ERROR, pattern(20_000));
    const bytes = writer.take();
    assert.deepEqual(headers(bytes), [[16_384, FrameType.GOAWAY, 0, 0]]);
    assert.equal(parse(bytes)[0]?.[3], pattern(16_376).toString('hex'));
  });
});

describe('FrameWriter: one buffer per turn', () => {
  it('take returns what was written since the last take, then nothing', () => {
    const writer = new FrameWriter();
    assert.equal(writer.take().length, 0);
    writer.writeSettingsAck();
    writer.writeData(1, Buffer.from('x'), true);
    assert.equal(writer.pendingBytes, 19);
    assert.equal(writer.take().length, 19);
    assert.equal(writer.pendingBytes, 0);
    assert.equal(writer.take().length, 0);
  });

  it('never writes into bytes already taken, within a slab and across a new one', () => {
    const writer = new FrameWriter({ slabBytes: 64 });
    writer.writeData(1, Buffer.from('first'), false);
    const first = writer.take();
    const firstCopy = Buffer.from(first);
    writer.writeData(1, Buffer.from('second'), false);
    const second = writer.take();
    writer.writeData(1, pattern(1000), false); // needs a new, larger slab
    writer.writeData(1, pattern(100), true);
    const third = writer.take();
    assert.deepEqual(first, firstCopy);
    assert.deepEqual(
      parse(Buffer.concat([first, second, third])).map((e) => e[2]),
      [
        Buffer.from('first').toString('hex'),
        Buffer.from('second').toString('hex'),
        pattern(1000).toString('hex'),
        pattern(100).toString('hex'),
      ],
    );
  });

  it('does not keep a slab grown for one large turn once it is taken', () => {
    const writer = new FrameWriter({ slabBytes: 1024 });
    writer.writeData(1, pattern(100_000), false); // a turn of ~100 KB: a slab of ~200 KB
    assert.equal(writer.take().length, 100_000 + 7 * 9);
    // Per connection: a grown slab kept would be megabytes held by every idle connection.
    assert.equal(writer.retainedBytes, 1024, 'the slab back at slabBytes');
    writer.writeData(1, Buffer.from('next'), true);
    assert.deepEqual(parse(writer.take())[0], [
      'data',
      1,
      Buffer.from('next').toString('hex'),
      true,
      4,
    ]);
  });

  it('keeps many streams frames in order in one output', () => {
    const writer = new FrameWriter({ slabBytes: 256 });
    for (let id = 1; id < 2000; id += 2) {
      writer.writeHeaders(id, Buffer.from([0x88]), false);
      writer.writeData(id, Buffer.from(`reply ${id}`), false);
      writer.writeHeaders(id, Buffer.from([0x40, 0x01, 0x61, 0x01, 0x30]), true);
    }
    const events = parse(writer.take());
    assert.equal(events.length, 3000);
    assert.deepEqual(events[2997], ['headers', 1999, '88', false, true]);
    assert.deepEqual(events[2998], [
      'data',
      1999,
      Buffer.from('reply 1999').toString('hex'),
      false,
      10,
    ]);
  });
});

describe('FrameWriter: arguments that would be bugs', () => {
  it('asserts on values the wire cannot carry', () => {
    const writer = new FrameWriter();
    assert.throws(() => writer.writeWindowUpdate(1, 0), AssertionError);
    assert.throws(() => writer.writeWindowUpdate(1, 2 ** 31), AssertionError);
    assert.throws(() => writer.writeData(0, Buffer.from('x'), false), AssertionError);
    assert.throws(() => writer.writeHeaders(2 ** 31, Buffer.from('x'), false), AssertionError);
    assert.throws(() => writer.writePingAck(Buffer.alloc(7)), AssertionError);
    assert.throws(() => writer.setPeerMaxFrameSize(16_383), AssertionError);
    assert.throws(() => writer.writeSettings([{ id: 1, value: 2 ** 32 }]), AssertionError);
  });
});
