/**
 * A client connection as the HTTP/2 session sees it after {@link AuthorityRewriter}: a Duplex
 * over the accepted socket whose readable side is the client's bytes, filtered, and whose
 * writable side goes straight to the socket.
 *
 * Node's HTTP/2 session drives any Duplex (through its JS stream adapter) as it drives a
 * socket; what it and grpc-js read of the socket itself (addresses, for peers, logs and
 * channelz) is forwarded here.
 *
 * Ownership: the socket belongs to this stream from construction on. Destroying either
 * destroys both; backpressure from the session pauses the socket.
 */
import type { AddressInfo, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { AuthorityRewriterOptions } from './authority-rewriter.js';
import { AuthorityRewriter } from './authority-rewriter.js';

export class AuthorityRewritingSocket extends Duplex {
  readonly #socket: Socket;
  readonly #rewriter: AuthorityRewriter;

  /**
   * @param socket a paused socket, whose first bytes the caller has already read
   * @param first those bytes (the sniffed start of the preface), read before anything else
   */
  constructor(socket: Socket, first: Buffer, options?: AuthorityRewriterOptions) {
    // The session ends its side itself (GOAWAY, then end); a client's FIN ends ours.
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#rewriter = new AuthorityRewriter(options);
    this.#forward(first);
    socket.on('data', (chunk: Buffer) => this.#forward(chunk));
    socket.on('end', () => this.push(null));
    // The listener already destroys a socket on 'error'; its 'close' follows and ends us.
    // Passing the error on would only move the same event to a stream nobody may listen to.
    socket.on('close', () => this.destroy());
  }

  /** How many :authority values this connection had rewritten. */
  get rewritten(): number {
    return this.#rewriter.rewritten;
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.#socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.#socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.#socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.#socket.localPort;
  }
  address(): AddressInfo | object {
    return this.#socket.address();
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.#socket.write(chunk, done);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    done: (error?: Error | null) => void,
  ): void {
    // One syscall for what the session wrote in one go (HEADERS, DATA, trailers).
    this.#socket.cork();
    chunks.forEach(({ chunk }, index) =>
      this.#socket.write(chunk, index === chunks.length - 1 ? done : undefined),
    );
    this.#socket.uncork();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#socket.end(() => done());
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.#socket.destroy();
    done(error);
  }

  #forward(chunk: Buffer): void {
    let more = true;
    for (const bytes of this.#rewriter.push(chunk)) more = this.push(bytes);
    if (!more) this.#socket.pause();
  }
}
