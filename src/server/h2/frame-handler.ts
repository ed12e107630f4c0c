/**
 * What the frame reader calls for each frame it parses (RFC 9113 Section 6), one method per
 * frame type, so a frame costs one virtual call and no event object or closure.
 *
 * Lifetime rule: every Uint8Array passed to a method (payloads, fragments, PING data, GOAWAY
 * debug data) is a view into the reader's input chunk or its reassembly buffer. It is valid
 * only during the call; a handler that keeps the bytes past its return must copy them.
 *
 * Not delivered: PRIORITY (deprecated by RFC 9113 5.3.2; the reader checks it and reports a
 * malformed one through onStreamError), PUSH_PROMISE (a client cannot push: the reader fails
 * the connection), and frames of unknown types (ignored, Section 5.5).
 *
 * A method may throw a ConnectionError (an HPACK decoder's COMPRESSION_ERROR, say): it leaves
 * the reader's `push` and the reader is closed. It must not call the reader's `push` itself.
 */
import type { StreamError } from './errors.js';
import type { SettingsEntry } from './settings.js';

export interface FrameHandler {
  /**
   * DATA (Section 6.1), padding removed. `flowControlledBytes` is the frame's whole payload
   * length, padding included: that is what counts against flow control windows (6.9.1).
   */
  onData(streamId: number, data: Uint8Array, endStream: boolean, flowControlledBytes: number): void;

  /**
   * HEADERS (Section 6.2), padding and priority fields removed. Without `endHeaders`, the
   * block continues in CONTINUATION frames of the same stream, which the reader guarantees
   * come next.
   */
  onHeaders(streamId: number, fragment: Uint8Array, endStream: boolean, endHeaders: boolean): void;

  /** CONTINUATION (Section 6.10): the next fragment of the block `onHeaders` began. */
  onContinuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): void;

  /**
   * SETTINGS (Section 6.5). Values are already validated (settings.ts); unknown ids included
   * for the caller to ignore. An ACK has no entries.
   */
  onSettings(ack: boolean, entries: readonly SettingsEntry[]): void;

  /** PING (Section 6.7): 8 octets of opaque data; a non-ACK PING wants a PING ACK of them. */
  onPing(ack: boolean, data: Uint8Array): void;

  /** GOAWAY (Section 6.8). `errorCode` may be outside the registry (treat as INTERNAL_ERROR). */
  onGoaway(lastStreamId: number, errorCode: number, debugData: Uint8Array): void;

  /** RST_STREAM (Section 6.4). */
  onRstStream(streamId: number, errorCode: number): void;

  /** WINDOW_UPDATE (Section 6.9): `streamId` 0 is the connection window. Increment >= 1. */
  onWindowUpdate(streamId: number, increment: number): void;

  /**
   * A stream error the reader found (a WINDOW_UPDATE of 0 on a stream, a malformed PRIORITY):
   * the caller sends RST_STREAM and the reader goes on with the next frame.
   */
  onStreamError(error: StreamError): void;
}
