/**
 * The nemesis schedule: one fault at a time, chosen by the run's seeded PRNG among the enabled
 * nemeses, started after a random quiet interval, held for a random while, then healed. The
 * times are random but drawn from the seed; what the cluster does in between is not
 * deterministic (real processes), so a seed replays the plan, not the run.
 */
import { hrtime } from 'node:process';
import { pause } from '../workload/workload.js';
import type { Nemesis, NemesisContext, NemesisEvent } from './nemesis.js';

export interface ScheduleOptions {
  readonly nemeses: readonly Nemesis[];
  /** Quiet time between faults, [min, max] ms. */
  readonly quietMs?: readonly [number, number];
  /** How long a fault is held, [min, max] ms. */
  readonly holdMs?: readonly [number, number];
  readonly signal: AbortSignal;
  readonly record: (event: NemesisEvent) => void;
  /** A heal that failed (a member that would not restart, say): an anomaly of the run. */
  readonly onHealFailure: (nemesis: string, error: Error) => void;
}

/** Runs faults until `signal` aborts, then heals the one in force; resolves the faults count. */
export async function runSchedule(
  context: NemesisContext,
  options: ScheduleOptions,
): Promise<number> {
  const { nemeses, signal } = options;
  const [quietMin, quietMax] = options.quietMs ?? [1000, 3000];
  const [holdMin, holdMax] = options.holdMs ?? [1500, 4000];
  let faults = 0;
  if (nemeses.length === 0) {
    // No faults: the workloads run for the time alone.
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  }
  while (!signal.aborted) {
    await pause(context.prng.range(quietMin, quietMax), signal);
    if (signal.aborted) break;
    const nemesis = context.prng.pick(nemeses);
    const began = hrtime.bigint();
    let detail: string | undefined;
    try {
      detail = await nemesis.start(context);
    } catch (error) {
      detail = `failed to start: ${(error as Error).message}`;
      context.log(`nemesis ${nemesis.name}: ${detail}`);
    }
    if (detail === undefined) continue;
    faults++;
    options.record({ time: began, nemesis: nemesis.name, phase: 'start', detail });
    context.log(`nemesis ${nemesis.name}: ${detail}`);
    await pause(context.prng.range(holdMin, holdMax), signal);
    await heal(context, nemesis, options);
  }
  return faults;
}

/** Heals one nemesis, recording it; a failure to heal is reported, not thrown. */
export async function heal(
  context: NemesisContext,
  nemesis: Nemesis,
  options: Pick<ScheduleOptions, 'record' | 'onHealFailure'>,
): Promise<void> {
  try {
    const detail = await nemesis.heal(context);
    options.record({
      time: hrtime.bigint(),
      nemesis: nemesis.name,
      phase: 'heal',
      ...(typeof detail === 'string' && { detail }),
    });
  } catch (error) {
    options.onHealFailure(nemesis.name, error as Error);
    options.record({
      time: hrtime.bigint(),
      nemesis: nemesis.name,
      phase: 'heal',
      detail: `failed: ${(error as Error).message.slice(0, 500)}`,
    });
  }
}
