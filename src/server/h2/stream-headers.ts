/**
 * A request's header block, checked as RFC 9113 Sections 8.2 and 8.3.1 require while HPACK
 * decodes it: the decoder hands each field to {@link HeaderBlockCollector.header} (no field
 * objects), which fills a {@link RequestHeaders} or records why the request is malformed.
 *
 * A malformed request is a stream error of type PROTOCOL_ERROR (8.1.1), never a connection
 * error: the block was decoded whole, so the HPACK tables stay in step and the connection
 * goes on. The same collector checks a request's trailers (8.1: no pseudo-header fields).
 */
import type { HeaderVisitor } from './hpack-decoder.js';

/** What a consumer sees of a request's header block. */
export class RequestHeaders {
  method = '';
  scheme = '';
  /** Empty when the client sent no :authority (8.3.1: it may use Host, or nothing). */
  authority = '';
  path = '';
  /** The content-length field's value, -1 without one (8.1.1: the DATA must add up to it). */
  contentLength = -1;
  /** The regular fields in order, flat: name, value, name, value, ... */
  readonly fields: string[] = [];

  /** The first value of the regular field `name` (lowercase), if any. */
  get(name: string): string | undefined {
    const fields = this.fields;
    for (let at = 0; at < fields.length; at += 2) {
      if (fields[at] === name) return fields[at + 1];
    }
    return undefined;
  }
}

const methodSeen = 1;
const schemeSeen = 2;
const authoritySeen = 4;
const pathSeen = 8;

/** Decodes into a RequestHeaders (`beginRequest`) or checks trailers (`beginTrailers`). */
export class HeaderBlockCollector implements HeaderVisitor {
  request = new RequestHeaders();
  /** Why the block is malformed; undefined while it is well-formed. */
  error: string | undefined;
  private trailers = false;
  private pseudoSeen = 0;
  private regularSeen = false;

  beginRequest(): void {
    this.request = new RequestHeaders();
    this.begin(false);
  }

  /** Trailers are checked but not kept: gRPC clients send none, and nothing reads them. */
  beginTrailers(): void {
    this.begin(true);
  }

  private begin(trailers: boolean): void {
    this.trailers = trailers;
    this.error = undefined;
    this.pseudoSeen = 0;
    this.regularSeen = false;
  }

  header(name: string, value: string): void {
    if (this.error !== undefined) return;
    if (!validValue(value)) return this.fail(`field ${name} has a NUL, CR or LF in its value`);
    if (name.charCodeAt(0) === 0x3a /* : */) return this.pseudo(name, value);
    this.regularSeen = true;
    if (!validName(name)) return this.fail(`field name ${JSON.stringify(name)} is not lowercase`);
    if (connectionSpecific(name, value)) return this.fail(`connection-specific field ${name}`);
    if (this.trailers) return;
    if (name === 'content-length') this.contentLength(value);
    this.request.fields.push(name, value);
  }

  /** Ends the block; returns why it is malformed, or undefined. */
  finish(): string | undefined {
    if (this.error !== undefined || this.trailers) return this.error;
    const seen = this.pseudoSeen;
    if (this.request.method === 'CONNECT') {
      // 8.5: CONNECT names only an authority. Checked so that it is refused, not misread.
      if ((seen & (schemeSeen | pathSeen)) !== 0 || (seen & authoritySeen) === 0) {
        return 'CONNECT request with :scheme or :path, or without :authority';
      }
      return undefined;
    }
    if ((seen & methodSeen) === 0) return 'request without :method';
    if ((seen & schemeSeen) === 0) return 'request without :scheme';
    if ((seen & pathSeen) === 0 || this.request.path === '') return 'request without :path';
    return undefined;
  }

  private contentLength(value: string): void {
    const length = /^[0-9]{1,15}$/.test(value) ? Number(value) : -1;
    const request = this.request;
    if (length < 0) return this.fail(`content-length ${JSON.stringify(value)} is not a length`);
    if (request.contentLength >= 0 && request.contentLength !== length) {
      return this.fail('content-length repeated with another value');
    }
    request.contentLength = length;
  }

  private pseudo(name: string, value: string): void {
    if (this.trailers) return this.fail(`pseudo-header ${name} in trailers`);
    if (this.regularSeen) return this.fail(`pseudo-header ${name} after a regular field`);
    const request = this.request;
    let bit: number;
    switch (name) {
      case ':method':
        bit = methodSeen;
        request.method = value;
        break;
      case ':scheme':
        bit = schemeSeen;
        request.scheme = value;
        break;
      case ':authority':
        bit = authoritySeen;
        request.authority = value;
        break;
      case ':path':
        bit = pathSeen;
        request.path = value;
        break;
      default:
        // :status is a response's; anything else is undefined (8.3).
        return this.fail(`pseudo-header ${name} is not a request's`);
    }
    if ((this.pseudoSeen & bit) !== 0) return this.fail(`pseudo-header ${name} repeated`);
    this.pseudoSeen |= bit;
  }

  private fail(message: string): void {
    this.error = message;
  }
}

/** 8.2.1: no octets 0x00-0x20, 0x41-0x5a (uppercase) or 0x7f-0xff in a field name. */
function validName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x41 && c <= 0x5a) || c >= 0x7f) return false;
  }
  return true;
}

/** 8.2.1: no NUL, LF or CR in a value (they would split a field in HTTP/1). */
function validValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
  }
  return true;
}

/** 8.2.2: HTTP/1 connection fields have no meaning in HTTP/2; TE may only be "trailers". */
function connectionSpecific(name: string, value: string): boolean {
  switch (name) {
    case 'connection':
    case 'proxy-connection':
    case 'keep-alive':
    case 'transfer-encoding':
    case 'upgrade':
      return true;
    case 'te':
      return value !== 'trailers';
    default:
      return false;
  }
}
