/**
 * After answering a unary call, keep the event loop polling for a short window instead of
 * letting it sleep: a client that waits for each answer sends its next request within
 * microseconds on a LAN, and a sleeping process (on a VM, a halted virtual CPU) wakes late.
 * The same trade as Linux's SO_BUSY_POLL and Go's spinning scheduler threads, which etcd
 * gets for free: CPU for latency, only while it pays.
 *
 * While the window is open the loop runs setImmediate turns, each of which polls sockets
 * without blocking, so a request (or a follower's ack) that arrives is read at once. Between
 * turns it spins for `spinUs` without allocating, because a turn leaves ~250 bytes of garbage
 * (the Immediate and its async bookkeeping): back to back, ~90 turns a window made a 1-client
 * put's leader allocate 77 KB per write against 46 KB with polling off, and scavenge 59
 * times per 10,000 writes; with 20 µs spins it is 45 KB and 34 scavenges, each a 2-7 ms
 * pause. A request waits at most one spin longer to be read.
 * Measured under etcd-benchmark's 1-client put on this project's 2-core VM with 3 members:
 * 1,139/1,172/1,280 against 852/1,029/1,072 puts/s, p99 2.8/2.5/2.0 against 3.9/2.6/2.5 ms
 * (3 interleaved pairs); a 1 ms window did worse than 300 µs (it takes CPU the other
 * members need).
 *
 * It only pays when requests do come inside the window. Each window that ends without one is
 * a miss; while recent windows mostly missed (clients that pause longer, or none) it stays
 * off, trying again on one answer in `probeEvery` so that it learns when a client comes back.
 * An idle member never polls: windows open only after answers.
 */
export interface BusyPollOptions {
  /** How long the loop keeps polling after an answer, in µs (0: never). */
  readonly windowUs: number;
  /** How long to spin between two polling turns, in µs (0: turn back to back). */
  readonly spinUs?: number;
}

/** Default window: a loopback round trip and a client's turnaround fit well inside it. */
export const busyPollWindowUsDefault = 300;
// Of the last ~16 windows (an exponential average), at least this share must have caught a
// request for windows to keep opening.
const hitRatioMin = 0.5;
const probeEvery = 64;
/** Default spin between turns: a tenth of a loopback round trip. */
export const busyPollSpinUsDefault = 20;

// Spinning counts loop iterations, measured once against the clock: reading the clock
// itself allocates (a heap number per call) when done millions of times a second.
let iterationsPerUs = 0;
let spinSink = 0;
// Time spent in windows by every BusyPoll of this process: the event loop is per process.
let windowsMsTotal = 0;

/** Seconds this process's event loop has spent in polling windows (for /metrics). */
export function busyPollSeconds(): number {
  return windowsMsTotal / 1000;
}

function spin(iterations: number): void {
  let x = spinSink;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) | 0;
  spinSink = x; // keeps the loop from being optimised away
}

function measureIterationsPerUs(): number {
  if (iterationsPerUs === 0) {
    spin(100_000); // warm-up, so that what is timed is optimised code
    // The fastest of five: a sample the OS preempted is slow, and one slow measurement made
    // every later spin too short (a CI run saw 68 turns in a window meant for about 20).
    let fastestMs = Infinity;
    for (let sample = 0; sample < 5; sample++) {
      const start = performance.now();
      spin(200_000);
      fastestMs = Math.min(fastestMs, performance.now() - start);
    }
    iterationsPerUs = Math.max(1, 200_000 / (fastestMs * 1000));
  }
  return iterationsPerUs;
}

export class BusyPoll {
  private until = 0;
  private polling = false;
  private caught = false;
  private hitRatio = 1;
  private closedAnswers = 0;
  private spinIterations = -1; // measured at the first window
  private turns = 0;
  private lastTurns = 0;
  private openedAt = 0;
  private readonly turn = (): void => this.onTurn();

  constructor(private readonly options: BusyPollOptions) {}

  /** A request arrived: a window open now caught it. */
  arrived(): void {
    if (this.polling) this.caught = true;
  }

  /** An answer went out: open (or extend) a window, if windows have been paying. */
  answered(): void {
    if (this.options.windowUs <= 0) return;
    if (this.hitRatio < hitRatioMin && ++this.closedAnswers % probeEvery !== 0) return;
    if (this.spinIterations < 0) {
      this.spinIterations = Math.round(
        measureIterationsPerUs() * (this.options.spinUs ?? busyPollSpinUsDefault),
      );
    }
    const now = performance.now();
    this.until = now + this.options.windowUs / 1000;
    if (this.polling) return;
    this.polling = true;
    this.openedAt = now;
    this.caught = false;
    this.turns = 0;
    setImmediate(this.turn);
  }

  /** The share of recent windows that caught a request (for tests). */
  get ratio(): number {
    return this.hitRatio;
  }

  /** How many polling turns the last closed window ran (for tests). */
  get lastWindowTurns(): number {
    return this.lastTurns;
  }

  /** Whether a window is open (for tests). */
  get open(): boolean {
    return this.polling;
  }

  private onTurn(): void {
    // A request that arrives does not end the window: while it is served the loop waits
    // again (for followers' acks), and those wake-ups are spared too.
    this.turns++;
    const now = performance.now();
    if (now < this.until) {
      spin(this.spinIterations);
      setImmediate(this.turn);
      return;
    }
    this.polling = false;
    windowsMsTotal += now - this.openedAt;
    this.lastTurns = this.turns;
    this.hitRatio += ((this.caught ? 1 : 0) - this.hitRatio) / 16;
  }
}
