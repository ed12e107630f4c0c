/**
 * The Clock port: wall time for leases and timeouts, and timers for ticks. The driver and the
 * server read time only through it, so tests can drive time by hand.
 */
export interface Clock {
  /** Monotonic milliseconds (not wall-clock dates; never goes backwards). */
  now(): number;
  /** Calls `fn` every `ms`; returns a function that stops it. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** The real clock: performance.now() and node's timers (unref'd: they never keep a process up). */
export const realClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
