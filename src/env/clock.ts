/**
 * The Clock port: wall time for leases and timeouts, and timers for ticks. The driver and the
 * server read time only through it, so tests can drive time by hand.
 */
export interface Clock {
  /** Monotonic milliseconds (not wall-clock dates; never goes backwards). */
  now(): number;
  /** Calls `fn` every `ms`; returns a function that stops it. */
  every(ms: number, fn: () => void): () => void;
  /**
   * Calls `fn` once after `ms`; returns a function that cancels it. A one-shot timer stands
   * for an operation someone waits on (a request's deadline, a retry), so it keeps the
   * process alive until it fires or is cancelled.
   */
  after(ms: number, fn: () => void): () => void;
}

/**
 * The real clock: performance.now() and node's timers. Periodic timers are unref'd (a ticking
 * member with nothing to do must not keep a process up); one-shot ones are not (see after).
 */
export const realClock: Clock = {
  now: () => performance.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
