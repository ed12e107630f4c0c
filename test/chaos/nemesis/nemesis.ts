/**
 * A nemesis injects one kind of fault and takes it back. The scheduler (schedule.ts) starts one
 * at a random time, holds it for a random while, heals it, and records both in nemesis.jsonl
 * beside the history (same monotonic clock), for the report's timeline.
 */
import type { Prng } from '../../../src/base/prng.js';
import type { ChaosCluster } from '../cluster.js';

export interface NemesisContext {
  readonly chaos: ChaosCluster;
  readonly prng: Prng;
  /** Environment for a member restart that must be clean (no failpoint, true clock). */
  log(line: string): void;
}

export interface Nemesis {
  readonly name: string;
  /** Injects the fault; returns what it did (for the record), or undefined if it did nothing. */
  start(context: NemesisContext): Promise<string | undefined>;
  /** Takes the fault back (restarts, resumes, heals). Idempotent. */
  heal(context: NemesisContext): Promise<void>;
}

/** One line of nemesis.jsonl. */
export interface NemesisEvent {
  /** process.hrtime.bigint() nanoseconds, the history's clock; written as a string. */
  readonly time: bigint;
  readonly nemesis: string;
  readonly phase: 'start' | 'heal';
  readonly detail?: string;
}

export function formatNemesisEvent(event: NemesisEvent): string {
  return JSON.stringify({ ...event, time: event.time.toString() });
}
