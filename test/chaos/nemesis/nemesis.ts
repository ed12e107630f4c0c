/**
 * A nemesis injects one kind of fault and takes it back. The scheduler (schedule.ts) starts one
 * at a random time, holds it for a random while, heals it, and records both in nemesis.jsonl
 * beside the history (same monotonic clock), for the report's timeline.
 */
import type { Prng } from '../../../src/base/prng.js';
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { ChaosCluster } from '../cluster.js';

export interface NemesisContext {
  readonly chaos: ChaosCluster;
  readonly prng: Prng;
  log(line: string): void;
  /** A member found dead that no nemesis killed: a crash, reported as an anomaly. */
  onCrash?(member: ClusterMember, logTail: string): void;
}

export interface Nemesis {
  readonly name: string;
  /** Injects the fault; returns what it did (for the record), or undefined if it did nothing. */
  start(context: NemesisContext): Promise<string | undefined>;
  /** Takes the fault back (restarts, resumes, heals); may say what it found. Idempotent. */
  heal(context: NemesisContext): Promise<string | void>;
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
