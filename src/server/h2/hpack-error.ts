/**
 * The one error HPACK decoding raises (RFC 7541 Section 2.3.3 / RFC 9113 Section 4.3): a
 * header block that cannot be decoded is a connection error of type COMPRESSION_ERROR, since
 * the two ends' dynamic tables can no longer be trusted to agree. The connection layer catches
 * it and sends GOAWAY; nothing else in the codec throws on bad input.
 */
import { ConnectionError, ErrorCode } from './errors.js';

/** Malformed HPACK input; `message` says what and where (the octet offset in the block). */
export class HpackError extends ConnectionError {
  override name = 'HpackError';
  constructor(message: string) {
    super(ErrorCode.COMPRESSION_ERROR, message);
  }
}

/**
 * The decoded header list is larger than SETTINGS_MAX_HEADER_LIST_SIZE. Unlike every other
 * HpackError, the decoder read the whole block first, so its dynamic table is still in step
 * with the peer's encoder: the connection layer MAY downgrade this to a stream error (RST_STREAM,
 * or a 431 response, RFC 9113 Section 10.5.1) and keep the connection. Left as is, it is a
 * COMPRESSION_ERROR like the rest, which is always safe.
 */
export class HeaderListSizeError extends HpackError {
  override name = 'HeaderListSizeError';
  constructor(
    readonly headerListSize: number,
    readonly headerListSizeMax: number,
  ) {
    super(`header list size ${headerListSize} exceeds the limit of ${headerListSizeMax} octets`);
  }
}
