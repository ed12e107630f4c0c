/**
 * A raw-socket HTTP/2 server for the HPACK tests: just enough framing (RFC 9113 Sections 4, 6)
 * to take a real client's header blocks off the wire and answer each request with blocks from
 * our encoder. It reads the preface, SETTINGS (answering with ACK and taking the client's
 * SETTINGS_HEADER_TABLE_SIZE for our encoder), HEADERS with padding and priority, and
 * CONTINUATION; it ignores DATA and everything else (the bodies are tiny, well inside the
 * initial flow-control window). Its framing is raw-frames.ts, independent of src/server/h2's
 * frame layer, so an HPACK failure here is an HPACK failure.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { HpackDecoder, type DecodedField } from '../../../src/server/h2/hpack-decoder.js';
import { HpackEncoder, type HeaderField } from '../../../src/server/h2/hpack-encoder.js';
import {
  rawFlag,
  rawFrame,
  rawSetting,
  type RawFrame,
  RawFrameSplitter,
  RawHeaderBlocks,
  rawType,
} from './raw-frames.js';

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
        : rawSetting(settingsHeaderTableSize, tableSizeToApply);
    socket.write(rawFrame(rawType.settings, 0, 0, settings));

    const splitter = new RawFrameSplitter(true);
    const blocks = new RawHeaderBlocks();
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
          rawFrame(rawType.headers, rawFlag.endHeaders, streamId, headerBlock),
          rawFrame(rawType.data, 0, streamId, Buffer.from([0, 0, 0, 0, 0])),
          rawFrame(rawType.headers, rawFlag.endHeaders | rawFlag.endStream, streamId, trailerBlock),
        ]),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: RawFrame[];
      try {
        frames = splitter.push(chunk);
      } catch (error) {
        this.error = error;
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (frame.type === rawType.settings) {
          if (frame.flags & rawFlag.ack) {
            // Our SETTINGS now bind the client's encoder (RFC 9113 Section 6.5.3).
            if (tableSizeToApply !== undefined) decoder.setTableSizeLimit(tableSizeToApply);
            tableSizeToApply = undefined;
            continue;
          }
          for (let at = 0; at + 6 <= frame.payload.length; at += 6) {
            if (frame.payload.readUInt16BE(at) === settingsHeaderTableSize) {
              encoder.setPeerTableSize(frame.payload.readUInt32BE(at + 2));
            }
          }
          socket.write(rawFrame(rawType.settings, rawFlag.ack, 0));
        } else if (frame.type === rawType.headers || frame.type === rawType.continuation) {
          const complete = blocks.add(frame);
          if (complete === undefined) continue;
          this.continuations += complete.continuations;
          onBlock(complete.streamId, complete.block);
        }
      }
    });
  }
}
