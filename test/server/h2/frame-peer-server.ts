/**
 * A minimal HTTP/2 server for the differential tests: a plain `net` server whose connections
 * parse what the client sends with FrameReader and answer with FrameWriter, one socket write
 * per chunk read (as the future server layer will, per event-loop turn). It records every
 * frame it reads. Each request that ends gets a hand-encoded response: HEADERS (:status 200,
 * content-type), DATA echoing the request body (or its size, when large), trailing HEADERS
 * (grpc-status 0) with END_STREAM; a request whose body is "reset" gets RST_STREAM instead.
 * Received DATA is returned to the connection window at once with WINDOW_UPDATE (stream
 * windows are 1 MiB by our SETTINGS), so request bodies of any size keep flowing. Responses
 * are small or sized by the test to fit the client's 64 KiB windows: this server does no
 * flow control of its own. HPACK blocks are hand-written literals without indexing, so no dynamic table
 * is involved on either side.
 */
import net from 'node:net';
import { ConnectionError, ErrorCode, type StreamError } from '../../../src/server/h2/errors.js';
import { FrameReader } from '../../../src/server/h2/frame-reader.js';
import { FrameWriter } from '../../../src/server/h2/frame-writer.js';
import {
  applySettings,
  initialSettings,
  localSettings,
  type Settings,
  type SettingsEntry,
  settingsEntries,
} from '../../../src/server/h2/settings.js';
import { FrameRecorder } from './frame-recorder.js';

/** An HPACK prefixed integer (RFC 7541 5.1). */
function hpackInteger(value: number, prefixBits: number, flags: number): number[] {
  const mask = 2 ** prefixBits - 1;
  if (value < mask) return [flags | value];
  const out = [flags | mask];
  let rest = value - mask;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A literal header field without indexing, new name (RFC 7541 6.2.2), no Huffman. */
export function literalField(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([
    Buffer.from([0x00, ...hpackInteger(n.length, 7, 0)]),
    n,
    Buffer.from(hpackInteger(v.length, 7, 0)),
    v,
  ]);
}

/** 0x88: ":status: 200", index 8 of the static table (RFC 7541 Appendix A). */
const status200 = Buffer.from([0x88]);

export interface PeerServerOptions {
  /** Extra response header fields (name, value), e.g. one long enough to need CONTINUATION. */
  responseFields?: readonly [string, string][];
  /** A response body of this many octets instead of the echo. */
  responseBodyBytes?: number;
  /** Sent instead of any response once the client's SETTINGS arrive. */
  goaway?: { code: ErrorCode; debug: string };
}

/** One connection's frames as read, plus the request streams it saw. */
export class PeerConnection extends FrameRecorder {
  readonly reader = new FrameReader(this);
  readonly writer = new FrameWriter();
  readonly peerSettings: Settings = { ...initialSettings };
  /** Request bodies by stream id, and header block sizes. */
  readonly bodies = new Map<number, Buffer[]>();
  readonly headerBlockBytes = new Map<number, number>();
  readonly errors: Error[] = [];
  /** Socket writes and the responses they carried, to see responses share writes. */
  writes = 0;
  responses = 0;
  private lastStreamId = 0;

  constructor(
    readonly socket: net.Socket,
    private readonly options: PeerServerOptions,
  ) {
    super();
    // The server preface (RFC 9113 3.4): our SETTINGS, first thing on the connection.
    this.writer.writeSettings(settingsEntries(localSettings));
    socket.write(this.writer.take());
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (error) => this.errors.push(error));
  }

  private read(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      this.errors.push(error);
      this.writer.writeGoaway(this.lastStreamId, error.code, Buffer.from(error.message));
    }
    const out = this.writer.take();
    if (out.length > 0) {
      this.writes++;
      this.socket.write(out);
    }
  }

  override onSettings(ack: boolean, entries: readonly SettingsEntry[]): void {
    super.onSettings(ack, entries);
    if (ack) return;
    applySettings(this.peerSettings, entries);
    this.writer.setPeerMaxFrameSize(this.peerSettings.maxFrameSize);
    this.writer.writeSettingsAck();
    if (this.options.goaway !== undefined) {
      const { code, debug } = this.options.goaway;
      this.writer.writeGoaway(0, code, Buffer.from(debug));
    }
  }

  override onPing(ack: boolean, data: Uint8Array): void {
    super.onPing(ack, data);
    if (!ack) this.writer.writePingAck(data);
  }

  override onHeaders(id: number, fragment: Uint8Array, endStream: boolean, endHeaders: boolean) {
    super.onHeaders(id, fragment, endStream, endHeaders);
    this.lastStreamId = id;
    this.bodies.set(id, []);
    this.headerBlockBytes.set(id, fragment.length);
    if (endStream) this.respond(id);
  }

  override onContinuation(id: number, fragment: Uint8Array, endHeaders: boolean): void {
    super.onContinuation(id, fragment, endHeaders);
    this.headerBlockBytes.set(id, (this.headerBlockBytes.get(id) ?? 0) + fragment.length);
  }

  override onData(id: number, data: Uint8Array, endStream: boolean, flowBytes: number): void {
    super.onData(id, data, endStream, flowBytes);
    // A copy: the view is only valid during this call.
    this.bodies.get(id)?.push(Buffer.from(data));
    if (flowBytes > 0) this.writer.writeWindowUpdate(0, flowBytes);
    if (endStream) this.respond(id);
  }

  override onStreamError(error: StreamError): void {
    super.onStreamError(error);
    this.writer.writeRstStream(error.streamId, error.code);
  }

  /** HEADERS, DATA and trailers of one response, all into this turn's output. */
  private respond(id: number): void {
    this.responses++;
    const body = Buffer.concat(this.bodies.get(id) ?? []);
    if (body.toString() === 'reset')
      return this.writer.writeRstStream(id, ErrorCode.REFUSED_STREAM);
    const fields = [status200, literalField('content-type', 'application/grpc')];
    for (const [name, value] of this.options.responseFields ?? []) {
      fields.push(literalField(name, value));
    }
    this.writer.writeHeaders(id, Buffer.concat(fields), false);
    const reply =
      this.options.responseBodyBytes !== undefined
        ? Buffer.alloc(this.options.responseBodyBytes, 'z')
        : body.length > 1000
          ? Buffer.from(`received ${body.length} octets`)
          : Buffer.concat([Buffer.from('echo:'), body]);
    this.writer.writeData(id, reply, false);
    this.writer.writeHeaders(id, literalField('grpc-status', '0'), true);
  }
}

/** Starts a server on 127.0.0.1:0; `connections` fills as clients connect. */
export async function startPeerServer(options: PeerServerOptions = {}): Promise<{
  server: net.Server;
  port: number;
  connections: PeerConnection[];
}> {
  const connections: PeerConnection[] = [];
  const server = net.createServer((socket) =>
    connections.push(new PeerConnection(socket, options)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, connections };
}
