/**
 * Request bodies for the gateway: bounded in bytes, and split into JSON values for the
 * streaming calls, whose bodies carry one request after another (grpc-gateway reads them
 * with Go's json.Decoder, so they may be separated by newlines, spaces or nothing at all).
 */
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {
  constructor(readonly bytesMax: number) {
    super(`request body larger than ${bytesMax} bytes`);
  }
}

/** The whole body as text; rejects with BodyTooLarge (and stops reading) past `bytesMax`. */
export function readBody(request: IncomingMessage, bytesMax: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > bytesMax) {
        request.off('data', onData);
        request.resume();
        reject(new BodyTooLarge(bytesMax));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

/**
 * Splits a stream of text into top-level JSON objects (or arrays).
 * Each complete value's text is handed to `onValue`; a value longer than `valueBytesMax`
 * throws BodyTooLarge, so one endless value cannot grow the buffer without bound.
 */
export class JsonValueSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  constructor(
    private readonly valueBytesMax: number,
    private readonly onValue: (text: string) => void,
  ) {}

  push(text: string): void {
    this.buffer += text;
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const c = this.buffer[i] as string;
      if (this.start < 0) {
        if (/\s/.test(c)) continue;
        this.start = i;
        if (c !== '{' && c !== '[') {
          // Requests are objects; anything else goes on whole, for the decoder to refuse.
          this.emit(i, this.buffer.length);
          break;
        }
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          this.emit(this.start, i + 1);
          i = -1;
        }
      }
    }
    if (this.start < 0) {
      this.buffer = '';
      this.scanned = 0;
    } else {
      this.scanned = this.buffer.length;
      if (this.buffer.length - this.start > this.valueBytesMax) {
        throw new BodyTooLarge(this.valueBytesMax);
      }
    }
  }

  /** The text left when the body ended: a value cut short, or '' when there is none. */
  rest(): string {
    return this.start < 0 ? '' : this.buffer.slice(this.start);
  }

  private emit(from: number, to: number): void {
    const text = this.buffer.slice(from, to);
    this.buffer = this.buffer.slice(to);
    this.start = -1;
    this.depth = 0;
    this.scanned = 0;
    this.onValue(text);
  }
}
