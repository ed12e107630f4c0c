/**
 * H2CallStream (src/server/http2/h2-call-stream.ts) keeps one listener per event in a slot
 * instead of an EventEmitter: these hold it to an emitter's semantics for what FastCall and
 * FastStream do (on, once, a listener that registers again while it runs) and for what no
 * caller does today (a second listener for an event). A real H2Stream drives it; its owner,
 * the connection, only records what it is asked to send.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { HeaderField } from '../../src/server/h2/hpack-encoder.js';
import { H2Stream, queuedBytesHighWater, type StreamOwner } from '../../src/server/h2/stream.js';
import { H2CallStream } from '../../src/server/http2/h2-call-stream.js';

class RecordingOwner implements StreamOwner {
  readonly sent: string[] = [];
  sendHeaders(_stream: H2Stream, fields: readonly HeaderField[], endStream: boolean): void {
    this.sent.push(
      `headers ${fields.map((f) => `${f.name}=${f.value}`).join(' ')}${endStream ? ' end' : ''}`,
    );
  }
  /** How many octets sendData may take per call. */
  window = Infinity;
  sendData(_stream: H2Stream, data: Uint8Array): number {
    const sent = Math.min(this.window, data.length);
    if (sent > 0) this.sent.push(`data ${sent}`);
    return sent;
  }
  pump(): void {}
  sendEnd(stream: H2Stream): void {
    this.sent.push(`end ${stream.trailers.map((f) => `${f.name}=${f.value}`).join(' ')}`);
  }
  sendReset(): void {}
  consumed(): void {}
  callbackFailed(_stream: H2Stream, error: unknown): void {
    throw error;
  }
}

function callStream(): { h2: H2Stream; call: H2CallStream; owner: RecordingOwner } {
  const owner = new RecordingOwner();
  const h2 = new H2Stream(1, owner, 65_535, 65_535);
  return { h2, call: new H2CallStream(h2, new Socket()), owner };
}

describe('H2CallStream listeners', () => {
  it('runs an `on` listener for every chunk and a `once` listener once', () => {
    const { h2, call } = callStream();
    const seen: string[] = [];
    call.on('data', (chunk) => seen.push(`on ${chunk!.toString()}`));
    call.once('end', () => seen.push('end'));
    call.once('close', () => seen.push('close'));
    h2.receive(Buffer.from('ab'), false);
    h2.receive(Buffer.from('cd'), true);
    h2.notifyClose(0);
    h2.notifyClose(0);
    assert.deepEqual(seen, ['on ab', 'on cd', 'end', 'close']);
    assert.equal(call.destroyed, true, 'closed by the stream');
  });

  it('copies request bytes out of the view it was handed', () => {
    const { h2, call } = callStream();
    const chunks: Buffer[] = [];
    call.on('data', (chunk) => chunks.push(chunk!));
    const view = Buffer.from('xyz');
    h2.receive(view, false);
    view.fill(0);
    assert.equal(chunks[0]!.toString(), 'xyz', 'a copy, not the connection buffer');
  });

  it('lets a `once` listener register again while it runs, as FastStream waits for drain', async () => {
    const { h2, call, owner } = callStream();
    owner.window = 0; // nothing goes out: writes queue until the test drains them
    call.respond({ ':status': 200 }, {});
    let drains = 0;
    const again = (): void => {
      drains++;
      if (drains < 2) call.once('drain', again);
    };
    call.once('drain', again);
    for (let turn = 0; turn < 3; turn++) {
      assert.equal(call.write(Buffer.alloc(queuedBytesHighWater + 1)), false, 'over the bound');
      h2.dequeue(queuedBytesHighWater + 1); // the window opened: the queue is empty again
      await new Promise<void>((resolve) => setImmediate(resolve)); // onWritable is a microtask
    }
    assert.equal(drains, 2, 'each registration ran once, and none after the last');
  });

  it('asks for trailers after the last DATA when the answer waits for them', () => {
    const { call, owner } = callStream();
    call.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    call.once('wantTrailers', () => call.sendTrailers({ 'grpc-status': 0, 'grpc-message': 'OK' }));
    call.end(Buffer.from('answer'));
    assert.deepEqual(owner.sent, [
      'headers :status=200 content-type=application/grpc',
      'data 6',
      'end grpc-status=0 grpc-message=OK',
    ]);
    assert.equal(call.closed, true);
  });

  it('runs a second listener for an event after the first, with its own once', () => {
    const { h2, call } = callStream();
    const seen: string[] = [];
    call.on('data', (chunk) => seen.push(`first ${chunk!.toString()}`));
    call.once('data', (chunk) => seen.push(`second ${chunk!.toString()}`));
    h2.receive(Buffer.from('1'), false);
    h2.receive(Buffer.from('2'), false);
    assert.deepEqual(seen, ['first 1', 'second 1', 'first 2']);
  });

  it('keeps the order listeners were added in when the first one has gone', () => {
    const { h2, call } = callStream();
    const seen: string[] = [];
    call.once('data', () => seen.push('first'));
    call.on('data', () => seen.push('second'));
    h2.receive(Buffer.from('1'), false); // the first goes
    call.on('data', () => seen.push('third'));
    h2.receive(Buffer.from('2'), false);
    assert.deepEqual(seen, ['first', 'second', 'second', 'third']);
  });

  it("accepts an 'error' listener (this layer reports failures as 'close') and refuses others", () => {
    const { call } = callStream();
    assert.equal(
      call.on('error', () => assert.fail('never emitted')),
      call,
    );
    assert.throws(() => call.on('aborted', () => undefined), /H2CallStream has no 'aborted' event/);
  });
});
