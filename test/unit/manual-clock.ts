import type { Clock } from '../../src/env/clock.js';

/** A clock that moves only when the test says so; timers fire in deadline order. */
export class ManualClock implements Clock {
  private time = 0;
  private timers: { at: number; every?: number; fn: () => void; id: number }[] = [];
  private nextId = 1;

  now(): number {
    return this.time;
  }

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, fn, ms);
  }

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, fn);
  }

  /** Moves time forward by `ms`, firing every timer that comes due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.time = next.at;
      if (next.every === undefined) this.timers.shift();
      else next.at += next.every;
      next.fn();
    }
    this.time = end;
  }

  private add(ms: number, fn: () => void, every?: number): () => void {
    const timer = { at: this.time + ms, every, fn, id: this.nextId++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
}
