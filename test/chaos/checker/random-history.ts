import { Prng } from '../../../src/base/prng.js';
import type { Operation } from '../history/operation.js';
import type { RegisterValue } from './register-model.js';

/** Floats in [0, 1) from Concord's seeded PRNG, so generated histories replay by seed. */
export function seededRandom(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.float();
}

export interface RandomRegisterOptions {
  readonly seed: number;
  readonly keys: number;
  readonly opsPerKey: number;
  /** Concurrent clients per key. */
  readonly processesPerKey: number;
  /** Fraction of operations that end indeterminate (`info`). Default 0. */
  readonly infoRate?: number;
}

interface Planned {
  op: Operation;
  /** When it really took effect (strictly inside its interval), or undefined: never. */
  at: number | undefined;
}

/**
 * A register history that is linearizable by construction: every operation takes effect at a
 * random instant inside its interval, and reads return what the register held at theirs. Each
 * client runs one operation at a time; an `info` operation takes effect or not, at random,
 * possibly after its client gave up. For the checker's positive and performance tests.
 */
export function randomRegisterHistory(options: RandomRegisterOptions): Operation[] {
  const random = seededRandom(options.seed);
  const all: Operation[] = [];
  let nextValue = 1;
  let nextProcess = 0;
  for (let k = 0; k < options.keys; k++) {
    const key = `k${k}`;
    const planned: Planned[] = [];
    const clock = Array.from({ length: options.processesPerKey }, () => Math.floor(random() * 10));
    const process = clock.map(() => nextProcess++);
    for (let i = 0; i < options.opsPerKey; i++) {
      const lane = Math.floor(random() * clock.length);
      const invoke = clock[lane]!;
      const ret = invoke + 2 + Math.floor(random() * 20);
      clock[lane] = ret + 1 + Math.floor(random() * 5);
      const info = random() < (options.infoRate ?? 0);
      const roll = random();
      const f = roll < 0.5 ? 'read' : roll < 0.8 ? 'write' : 'cas';
      const at =
        info && random() < 0.5
          ? undefined
          : invoke + 1 + random() * (ret - invoke - 1.5) + (info ? random() * 30 : 0);
      const base = {
        process: process[lane]!,
        key,
        invokeTime: BigInt(invoke),
        invokeIndex: 0,
        ...(info ? { type: 'info' as const } : { type: 'ok' as const, returnTime: BigInt(ret) }),
      };
      if (info) process[lane] = nextProcess++; // Jepsen: a process that saw info is retired
      if (f === 'read') planned.push({ op: { ...base, f }, at });
      else if (f === 'write') planned.push({ op: { ...base, f, input: String(nextValue++) }, at });
      else planned.push({ op: { ...base, f, input: [null, String(nextValue++)] }, at });
    }
    all.push(...resolve(planned));
  }
  return all.map((op, invokeIndex) => ({ ...op, invokeIndex }));
}

/** Plays the operations at their instants, filling in reads' outputs and cas' expected values
 *  (a cas expects the value it will find, so it succeeds; one whose planned effect is never
 *  becomes a write that never happened). Unapplied reads and failed plans are dropped. */
function resolve(planned: Planned[]): Operation[] {
  let value: RegisterValue = null;
  const out: Operation[] = [];
  const applied = planned.filter((p) => p.at !== undefined).sort((a, b) => a.at! - b.at!);
  for (const { op } of applied) {
    if (op.f === 'read') {
      out.push(op.type === 'ok' ? { ...op, output: value } : op);
    } else if (op.f === 'write') {
      value = op.input as string;
      out.push(op);
    } else {
      const next = (op.input as [null, string])[1];
      out.push({ ...op, input: [value, next] });
      value = next;
    }
  }
  for (const { op, at } of planned) if (at === undefined && op.f !== 'read') out.push(op);
  return out;
}
