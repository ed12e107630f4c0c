/**
 * A raw-socket HTTP/2 server for the HPACK tests: just enough framing (RFC 9113 Sections 4, 6)
 * to take a real client's header blocks off the wire and answer each request with blocks from
 * our encoder. It reads the preface, SETTINGS (answering with ACK and taking the client's
 * SETTINGS_HEADER_TABLE_SIZE for our encoder), HEADERS with padding and priority, and
 * CONTINUATION; it ignores DATA and everything else (the bodies are tiny, well inside the
 * initial flow-control window). Deliberately independent of src/server/h2's frame layer, so
 * an HPACK failure here is an HPACK failure.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { HpackDecoder, type DecodedField } from '../../../src/server/h2/hpack-decoder.js';
import { HpackEncoder, type HeaderField } from '../../../src/server/h2/hpack-encoder.js';

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frameHeaderLength = 9;
const type = { data: 0x0, headers: 0x1, settings: 0x4, continuation: 0x9 } as const;
const flag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;
const settingsHeaderTableSize = 0x1;

/** One request's header block as it arrived, and what our decoder made of it. */
export interface ReceivedBlock {
  readonly streamId: number;
  readonly octets: number;
  /** Whether the block opened with a dynamic table size update (RFC 7541 Section 6.3). */
  readonly sizeUpdate: boolean;
  readonly fields: DecodedField[];
}

export interface RawPeerOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE, announced to the client; default: not sent (4096). */
  readonly headerTableSize?: number;
  /** The response to stream `streamId`, the `call`th request on the connection (from 0). */
  readonly respond: (call: number) => { headers: HeaderField[]; trailers: HeaderField[] };
}

export class RawPeer {
  readonly received: ReceivedBlock[] = [];
  /** CONTINUATION frames seen: a block split across frames reached the decoder joined. */
  continuations = 0;
  /** A decoding error, if the client's blocks were refused (the test then fails on it). */
  error: unknown;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: RawPeerOptions) {
    this.server = createServer((socket) => this.serve(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new HpackDecoder({ headerListSizeMax: 1 << 20 });
    const encoder = new HpackEncoder();
    let tableSizeToApply = this.options.headerTableSize;
    const settings =
      tableSizeToApply === undefined
        ? Buffer.alloc(0)
        : setting(settingsHeaderTableSize, tableSizeToApply);
    socket.write(frame(type.settings, 0, 0, settings));

    let buffered = Buffer.alloc(0);
    let prefaceSeen = false;
    let fragments: Buffer[] = [];
    let blockStream = 0;
    let calls = 0;
    const onBlock = (streamId: number, block: Buffer): void => {
      let fields: DecodedField[];
      try {
        fields = decoder.decodeList(block);
      } catch (error) {
        this.error = error;
        socket.destroy();
        return;
      }
      const sizeUpdate = ((block[0] ?? 0) & 0xe0) === 0x20;
      this.received.push({ streamId, octets: block.length, sizeUpdate, fields });
      const { headers, trailers } = this.options.respond(calls++);
      // encode() returns a view of the encoder's buffer: copy before the next block.
      const headerBlock = Buffer.from(encoder.encode(headers));
      const trailerBlock = Buffer.from(encoder.encode(trailers));
      socket.write(
        Buffer.concat([
          frame(type.headers, flag.endHeaders, streamId, headerBlock),
          frame(type.data, 0, streamId, Buffer.from([0, 0, 0, 0, 0])),
          frame(type.headers, flag.endHeaders | flag.endStream, streamId, trailerBlock),
        ]),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!prefaceSeen) {
        if (buffered.length < preface.length) return;
        if (!buffered.subarray(0, preface.length).equals(preface)) {
          this.error = new Error('bad connection preface');
          socket.destroy();
          return;
        }
        buffered = buffered.subarray(preface.length);
        prefaceSeen = true;
      }
      while (buffered.length >= frameHeaderLength) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < frameHeaderLength + length) break;
        const frameType = buffered[3] as number;
        const flags = buffered[4] as number;
        const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
        let payload = buffered.subarray(frameHeaderLength, frameHeaderLength + length);
        buffered = buffered.subarray(frameHeaderLength + length);
        if (frameType === type.settings) {
          if (flags & flag.ack) {
            // Our SETTINGS now bind the client's encoder (RFC 9113 Section 6.5.3).
            if (tableSizeToApply !== undefined) decoder.setTableSizeLimit(tableSizeToApply);
            tableSizeToApply = undefined;
            continue;
          }
          for (let at = 0; at + 6 <= payload.length; at += 6) {
            if (payload.readUInt16BE(at) === settingsHeaderTableSize) {
              encoder.setPeerTableSize(payload.readUInt32BE(at + 2));
            }
          }
          socket.write(frame(type.settings, flag.ack, 0, Buffer.alloc(0)));
        } else if (frameType === type.headers) {
          if (flags & flag.padded) {
            const padding = payload[0] as number;
            payload = payload.subarray(1, payload.length - padding);
          }
          if (flags & flag.priority) payload = payload.subarray(5);
          fragments = [Buffer.from(payload)];
          blockStream = streamId;
          if (flags & flag.endHeaders) onBlock(streamId, Buffer.concat(fragments));
        } else if (frameType === type.continuation) {
          this.continuations += 1;
          fragments.push(Buffer.from(payload));
          if (flags & flag.endHeaders) onBlock(blockStream, Buffer.concat(fragments));
        }
      }
    });
  }
}

function frame(frameType: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(frameHeaderLength);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = frameType;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

function setting(id: number, value: number): Buffer {
  const out = Buffer.alloc(6);
  out.writeUInt16BE(id, 0);
  out.writeUInt32BE(value, 2);
  return out;
}
