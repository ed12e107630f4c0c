/**
 * HTTP/2 error codes (RFC 9113 Section 7) and the two ways an endpoint reports a fault
 * (Section 5.4): a connection error ends the whole connection with GOAWAY, a stream error
 * ends one stream with RST_STREAM and leaves the others running.
 *
 * The codec layers (frame reader, settings, HPACK) throw these; the connection layer is the
 * one place that catches them and sends the frame. Anything else thrown is a bug.
 */

/** The error codes of RFC 9113 Section 7, by their wire values. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** One of the known codes. A peer may send others (Section 7: "treat as INTERNAL_ERROR"). */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const names: readonly string[] = Object.keys(ErrorCode);

/** The RFC name of a code, or its hex value for a code outside the registry. */
export function errorCodeName(code: number): string {
  return names[code] ?? `0x${code.toString(16)}`;
}

/**
 * A fault that ends the connection: the caller sends GOAWAY with `code` (and the message as
 * debug data, if it wants) and closes. RFC 9113 Section 5.4.1.
 */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${errorCodeName(code)}: ${message}`);
  }
}

/**
 * A fault confined to one stream: the caller sends RST_STREAM(streamId, code) and keeps the
 * connection. RFC 9113 Section 5.4.2.
 */
export class StreamError extends Error {
  override name = 'StreamError';
  constructor(
    readonly streamId: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`stream ${streamId} ${errorCodeName(code)}: ${message}`);
  }
}
