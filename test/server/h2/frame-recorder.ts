/**
 * Test helpers for the HTTP/2 frame layer: a FrameHandler that records every call as a plain
 * tuple (bytes copied, as hex or as Buffers, so records outlive the reader's views), a raw
 * frame builder that can build what the writer refuses to (bad lengths, wrong streams), and an
 * error matcher.
 */
import assert from 'node:assert/strict';
import {
  ConnectionError,
  type ErrorCode,
  type StreamError,
} from '../../../src/server/h2/errors.js';
import type { FrameHandler } from '../../../src/server/h2/frame-handler.js';
import { clientPreface } from '../../../src/server/h2/frame.js';
import type { SettingsEntry } from '../../../src/server/h2/settings.js';
import { rawFrame } from './raw-frames.js';

export type FrameEvent = readonly (string | number | boolean | Buffer)[];

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const copyOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes);

export class FrameRecorder implements FrameHandler {
  readonly events: FrameEvent[] = [];
  /** Every data/fragment view passed, to check what is a view and what a copy. */
  readonly views: Uint8Array[] = [];
  /** Bytes as hex (readable in a failure), or as copies (`copies`: for tests that read a lot). */
  private readonly bytesOf: (bytes: Uint8Array) => string | Buffer;

  constructor(copies = false) {
    this.bytesOf = copies ? copyOf : hexOf;
  }

  onData(streamId: number, data: Uint8Array, endStream: boolean, flowBytes: number): void {
    this.views.push(data);
    this.events.push(['data', streamId, this.bytesOf(data), endStream, flowBytes]);
  }
  onHeaders(streamId: number, fragment: Uint8Array, endStream: boolean, endHeaders: boolean): void {
    this.views.push(fragment);
    this.events.push(['headers', streamId, this.bytesOf(fragment), endStream, endHeaders]);
  }
  onContinuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): void {
    this.views.push(fragment);
    this.events.push(['continuation', streamId, this.bytesOf(fragment), endHeaders]);
  }
  onSettings(ack: boolean, entries: readonly SettingsEntry[]): void {
    this.events.push(['settings', ack, entries.map((e) => `${e.id}=${e.value}`).join(',')]);
  }
  onPing(ack: boolean, data: Uint8Array): void {
    this.events.push(['ping', ack, this.bytesOf(data)]);
  }
  onGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array): void {
    this.events.push(['goaway', lastStreamId, errorCode, this.bytesOf(debugData)]);
  }
  onRstStream(streamId: number, errorCode: number): void {
    this.events.push(['rst_stream', streamId, errorCode]);
  }
  onWindowUpdate(streamId: number, increment: number): void {
    this.events.push(['window_update', streamId, increment]);
  }
  onStreamError(error: StreamError): void {
    this.events.push(['stream_error', error.streamId, error.code]);
  }
}

export { rawFrame };

/** An empty SETTINGS frame: what must follow the preface. */
export const emptySettings = rawFrame(0x4, 0, 0);

/** The client preface and an empty SETTINGS, then `frames`. */
export function connection(...frames: Uint8Array[]): Buffer {
  return Buffer.concat([clientPreface, emptySettings, ...frames]);
}

/** A 32-bit big-endian value. */
export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

/** Asserts `run` throws a ConnectionError of `code` whose message matches `message`. */
export function assertConnectionError(run: () => void, code: ErrorCode, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConnectionError, `not a ConnectionError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}
