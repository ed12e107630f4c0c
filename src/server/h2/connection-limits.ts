/**
 * The bounds an {@link H2Connection} holds a client to (RFC 9113 Section 10.5: "an endpoint
 * MAY treat activity that is suspicious as a connection error of type ENHANCE_YOUR_CALM"),
 * and the window sizes it grants. Every limit is an option so tests can make it small.
 */

export interface H2ConnectionOptions {
  /**
   * Connection receive window we grant at the start (the protocol's initial 65535 enlarged by
   * a WINDOW_UPDATE). It also bounds what paused streams can make us hold. Default 16 MiB.
   */
  readonly connectionWindowBytes?: number;
  /**
   * Resets of open streams per second, the client's RST_STREAMs and the stream errors it
   * provokes alike: past it, GOAWAY ENHANCE_YOUR_CALM. Opening a stream and having it reset at
   * once costs the server work for nothing the client sees ("rapid reset", CVE-2023-44487, and
   * "MadeYouReset", CVE-2025-8671), so the rate is bounded, generously for real cancellations.
   */
  readonly resetsPerSecondMax?: number;
  /**
   * Non-ACK PINGs per second with no request or DATA from the client in between: past it,
   * ENHANCE_YOUR_CALM. Pings that come with work are not counted: grpc-go measures the
   * bandwidth-delay product with a PING per round trip while responses flow (thousands a
   * second on loopback), and each costs us no more than the work it accompanies.
   */
  readonly pingsPerSecondMax?: number;
  /** Non-ACK SETTINGS per second (each is applied and ACKed): past it, ENHANCE_YOUR_CALM. */
  readonly settingsPerSecondMax?: number;
  /**
   * DATA frames per second with no octets and no END_STREAM: they cost a frame's work and
   * carry nothing (the "empty frames flood", CVE-2019-9518). Past it, ENHANCE_YOUR_CALM.
   */
  readonly emptyDataPerSecondMax?: number;
  /**
   * Octets written to the socket but not yet taken by the kernel. Queued DATA stops moving into
   * the socket at a quarter of this; past the whole (a client that stops reading while making
   * us answer PINGs, SETTINGS or headers-only responses), the connection is destroyed.
   * Default 4 MiB.
   */
  readonly outputBytesMax?: number;
  /**
   * How long the client has to acknowledge our SETTINGS (RFC 9113 6.5.3): past it, GOAWAY
   * SETTINGS_TIMEOUT. Also bounds a client that connects and never speaks. Default 10 s.
   */
  readonly settingsTimeoutMs?: number;
  /** How long `close()` waits for open streams before destroying the socket. Default 5 s. */
  readonly closeTimeoutMs?: number;
  /**
   * A consumer callback (onStream, onData, onClose, onWritable) threw: a bug in the consumer.
   * Its stream has been reset with INTERNAL_ERROR; the connection goes on. Default: a process
   * warning (the error is never swallowed silently, nor allowed to take the process down).
   */
  readonly onCallbackError?: (error: unknown, streamId: number) => void;
}

export interface Limits {
  readonly connectionWindowBytes: number;
  readonly resetsPerSecondMax: number;
  readonly pingsPerSecondMax: number;
  readonly settingsPerSecondMax: number;
  readonly emptyDataPerSecondMax: number;
  readonly outputBytesMax: number;
  readonly settingsTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly onCallbackError: (error: unknown, streamId: number) => void;
}

export function limitsOf(options: H2ConnectionOptions): Limits {
  return {
    connectionWindowBytes: options.connectionWindowBytes ?? 1 << 24,
    resetsPerSecondMax: options.resetsPerSecondMax ?? 1000,
    pingsPerSecondMax: options.pingsPerSecondMax ?? 100,
    settingsPerSecondMax: options.settingsPerSecondMax ?? 100,
    emptyDataPerSecondMax: options.emptyDataPerSecondMax ?? 100,
    outputBytesMax: options.outputBytesMax ?? 4 << 20,
    settingsTimeoutMs: options.settingsTimeoutMs ?? 10_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    onCallbackError: options.onCallbackError ?? warnCallbackError,
  };
}

function warnCallbackError(error: unknown, streamId: number): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.emitWarning(`HTTP/2 stream ${streamId}: a consumer callback threw: ${message}`);
}

/** Counts events in fixed one-second windows; `hit` is false once a window's count passes max. */
export class RateCap {
  private windowStart = 0;
  private count = 0;

  constructor(private readonly max: number) {}

  hit(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count <= this.max;
  }

  /** Forgets the count (the client did work: see pingsPerSecondMax). */
  clear(): void {
    this.count = 0;
  }
}
