import type { Operation } from '../history/operation.js';
import type { Anomaly, CheckResult } from './result.js';

/** One write the shared resource was asked to make, in the resource's own order. */
export interface ResourceWrite {
  /** The fencing token presented: the lock key's revision (Kleppmann's fencing tokens). */
  readonly token: number;
  readonly holder: string;
  readonly accepted: boolean;
  readonly op?: Operation;
}

/** An interval in which `holder` certainly held the lock: from its lock call's return to its
 *  unlock call's invocation (it may have held it longer, never shorter). */
export interface Hold {
  readonly holder: string;
  readonly token: number;
  readonly acquired: bigint;
  /** Undefined when it never unlocked (it crashed; its lease let the lock go at an unknown
   *  time): such a hold is not checked for overlap. */
  readonly released?: bigint;
  readonly ops?: readonly Operation[];
}

export interface FencingInput {
  readonly resourceLog: readonly ResourceWrite[];
  readonly holds?: readonly Hold[];
}

/**
 * Checks a lock used with fencing tokens (Kleppmann, "How to do distributed locking", 2016):
 * the tokens the resource accepted never go down ('stale-token-accepted'), no token is used
 * by two holders ('token-reused'), no two holders certainly held the lock at the same time
 * ('overlapping-holders'), and a later holder has a larger token ('token-order').
 *
 * @example
 *   checkFencing({ resourceLog: resource.log(), holds: holdsFromHistory(ops) });
 */
export function checkFencing(input: FencingInput): CheckResult {
  const anomalies: Anomaly[] = [];
  const anomaly = (
    kind: string,
    message: string,
    ops: readonly (Operation | undefined)[],
  ): void => {
    anomalies.push({
      checker: 'fencing',
      kind,
      message,
      ops: ops.filter((op) => op !== undefined),
    });
  };
  let highest: ResourceWrite | undefined;
  for (const write of input.resourceLog) {
    if (!write.accepted) continue;
    if (highest !== undefined && write.token < highest.token) {
      anomaly(
        'stale-token-accepted',
        `the resource accepted ${write.holder}'s token ${write.token} after ${highest.holder}'s token ${highest.token}`,
        [highest.op, write.op],
      );
    } else if (
      highest !== undefined &&
      write.token === highest.token &&
      write.holder !== highest.holder
    ) {
      anomaly(
        'token-reused',
        `token ${write.token} was presented by both ${highest.holder} and ${write.holder}`,
        [highest.op, write.op],
      );
    }
    if (highest === undefined || write.token > highest.token) highest = write;
  }
  const holds = [...(input.holds ?? [])].sort((a, b) =>
    a.acquired < b.acquired ? -1 : a.acquired > b.acquired ? 1 : 0,
  );
  for (let i = 0; i < holds.length; i++) {
    const a = holds[i]!;
    for (let j = i + 1; j < holds.length; j++) {
      const b = holds[j]!;
      const ops = [...(a.ops ?? []), ...(b.ops ?? [])];
      if (a.token === b.token && a.holder !== b.holder) {
        anomaly(
          'token-reused',
          `${a.holder} and ${b.holder} both acquired the lock with token ${a.token}`,
          ops,
        );
      }
      if (a.released === undefined) continue;
      if (b.acquired < a.released && a.holder !== b.holder) {
        anomaly(
          'overlapping-holders',
          `${b.holder} (token ${b.token}) acquired the lock while ${a.holder} (token ${a.token}) held it`,
          ops,
        );
      } else if (b.acquired >= a.released && b.token < a.token) {
        anomaly(
          'token-order',
          `${b.holder} acquired the lock after ${a.holder} released it, with a smaller token (${b.token} < ${a.token})`,
          ops,
        );
      }
    }
  }
  return { checker: 'fencing', valid: anomalies.length === 0, anomalies };
}

export interface HoldOptions {
  /** The TTL of the lease the lock key is on, when the lock op grants it itself: the lock may
   *  be lost to expiry, without an unlock, from lock invoke + TTL on. Default: no expiry. */
  readonly leaseTtlSeconds?: number;
  /** How much earlier than that a member may expire it (clock drift). Default 0. */
  readonly toleranceMs?: number;
}

/**
 * The holds of a history (FORMAT.md, "Locks and fencing"): each ok `lock` (its output's
 * token), ended by the same process's next `unlock` invocation, or earlier by the lock's lease
 * running out (options), since a holder whose lease expired no longer holds the lock, whatever
 * it believes: that is what fencing tokens are for. The holder is the process.
 */
export function holdsFromHistory(ops: readonly Operation[], options: HoldOptions = {}): Hold[] {
  const holds: Hold[] = [];
  const open = new Map<number, { lock: Operation; token: number }>();
  const expiry = (lock: Operation): bigint | undefined =>
    options.leaseTtlSeconds === undefined
      ? undefined
      : lock.invokeTime +
        BigInt(Math.round(options.leaseTtlSeconds * 1000 - (options.toleranceMs ?? 0))) *
          1_000_000n;
  const hold = (lock: Operation, token: number, unlock: Operation | undefined): Hold => {
    const ends = [unlock?.invokeTime, expiry(lock)].filter((t) => t !== undefined);
    const released = ends.length === 0 ? undefined : ends.reduce((a, b) => (a < b ? a : b));
    return {
      holder: `p${lock.process}`,
      token,
      acquired: lock.returnTime!,
      ...(released !== undefined && { released }),
      ops: unlock === undefined ? [lock] : [lock, unlock],
    };
  };
  for (const op of [...ops].sort((a, b) => a.invokeIndex - b.invokeIndex)) {
    if (op.f === 'lock' && op.type === 'ok') {
      const token = (op.output as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'number')
        throw new Error(`lock of process ${op.process}: ok value must be {"token": <revision>}`);
      open.set(op.process, { lock: op, token });
    } else if (op.f === 'unlock') {
      const held = open.get(op.process);
      if (held === undefined) continue;
      open.delete(op.process);
      holds.push(hold(held.lock, held.token, op));
    }
  }
  for (const held of open.values()) holds.push(hold(held.lock, held.token, undefined));
  return holds;
}
