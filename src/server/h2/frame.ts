/**
 * The HTTP/2 frame format (RFC 9113 Section 4.1) and its registry: frame types, flags, the
 * 9-octet frame header and the client connection preface (Section 3.4). Shared by the frame
 * reader and writer; nothing here allocates per frame.
 */

/** Frame types (RFC 9113 Section 6), by their wire values. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/**
 * Frame flags. The same bit means different things on different types (0x1 is END_STREAM on
 * DATA and HEADERS, ACK on SETTINGS and PING), so each name is only meaningful with its type.
 */
export const FrameFlag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Length (24 bits), type, flags, reserved bit + stream identifier (31 bits). */
export const frameHeaderBytes = 9;

/** The smallest SETTINGS_MAX_FRAME_SIZE, and its initial value (RFC 9113 Section 4.2). */
export const frameSizeMin = 16_384;
/** The largest SETTINGS_MAX_FRAME_SIZE: 2^24-1, what the 24-bit length field can carry. */
export const frameSizeMax = 16_777_215;

/** 2^31-1: the largest stream identifier, window size and WINDOW_UPDATE increment. */
export const uint31Max = 0x7fff_ffff;

/** PING's opaque data is exactly this long (Section 6.7). */
export const pingBytes = 8;

/**
 * What a client sends first (Section 3.4): chosen so that an HTTP/1.1 server rejects it and an
 * HTTP/2 server can tell a confused HTTP/1.1 client apart. A SETTINGS frame follows it.
 */
export const clientPreface: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const typeNames: readonly string[] = Object.keys(FrameType);

/** The RFC name of a frame type, for error messages; unknown types by their number. */
export function frameTypeName(type: number): string {
  return typeNames[type] ?? `type 0x${type.toString(16)}`;
}
