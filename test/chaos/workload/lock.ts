/**
 * Locks with fencing tokens (Kleppmann 2016): clients take a lock (a key created only if
 * absent, on a lease), use its revision as a fencing token at a shared resource that refuses
 * any token below the highest it has seen, and release it by revoking the lease. Now and then
 * a "zombie" write arrives late with an old token, as a delayed request from a former holder
 * would: the resource must refuse it once a newer holder has written. Checked with
 * checkFencing: tokens grow with the order of holders, no two holders overlap, no stale token
 * is ever accepted.
 */
import { checkFencing, holdsFromHistory, type ResourceWrite } from '../checker/fencing.js';
import { pairOperations } from '../history/operation.js';
import type { EtcdClient } from '../client.js';
import { ClientProcess, pause, Refused, type Workload, type WorkloadContext } from './workload.js';

export const lockPrefix = 'lock/';
const lockKey = `${lockPrefix}the-lock`;
const resourceKey = `${lockPrefix}resource`;
/** Long enough that acquiring (grant + polling, each bounded) and holding fit well inside. */
const lockTtlSeconds = 8;
const acquireForMs = 3000;

/** The shared resource: accepts a write only with a token at least the highest seen. */
export class FencedResource {
  private highest = -1;
  readonly log: ResourceWrite[] = [];

  write(token: number, holder: string): boolean {
    const accepted = token >= this.highest;
    if (accepted) this.highest = token;
    this.log.push({ token, holder, accepted });
    return accepted;
  }
}

export function lockWorkload(options: { clients?: number } = {}): Workload {
  const clients = options.clients ?? 3;
  const resource = new FencedResource();
  const zombies: Promise<void>[] = [];
  let written = 0;

  async function client(context: WorkloadContext): Promise<void> {
    const prng = context.prng.fork();
    const proc = new ClientProcess(context, prng);
    const timeoutMs = context.opTimeoutMs;
    while (!context.signal.aborted) {
      let lease: string | undefined;
      const locked = await proc.op(
        { f: 'lock', key: lockKey },
        async (c) => {
          const started = performance.now();
          try {
            lease = (await c.leaseGrant(lockTtlSeconds, timeoutMs)).ID;
          } catch (error) {
            throw new Refused(`lease grant failed: ${(error as Error).message}`);
          }
          for (;;) {
            const token = await tryAcquire(c, lease, timeoutMs);
            if (token !== undefined) return token;
            if (performance.now() - started > acquireForMs) throw new Refused('lock busy');
            await pause(prng.range(30, 80), new AbortController().signal);
          }
        },
        { output: (token) => ({ token }) },
      );
      if (locked.ok) {
        const token = locked.result;
        const holder = `p${proc.process}`;
        for (let i = prng.range(1, 2); i > 0; i--) {
          const value = `w${++written}`;
          await proc.op(
            { f: 'fenced-write', key: resourceKey, value: { token, value } },
            async () => {
              if (!resource.write(token, holder)) throw new Refused('stale token');
            },
          );
        }
        if (prng.chance(0.2)) zombies.push(zombie(context, token, holder, prng.range(300, 1500)));
      }
      if (lease !== undefined) {
        const id = lease;
        await proc.op(
          { f: 'unlock', key: lockKey, ...(locked.ok && { value: { token: locked.result } }) },
          (c) => c.leaseRevoke(id, timeoutMs),
        );
      }
      await pause(prng.range(20, 100), context.signal);
    }
  }

  /** A former holder's write arriving late, under a fresh process number. */
  async function zombie(
    context: WorkloadContext,
    token: number,
    holder: string,
    delayMs: number,
  ): Promise<void> {
    await pause(delayMs, new AbortController().signal);
    const pending = context.recorder.invoke({
      process: context.nextProcess(),
      f: 'fenced-write',
      key: resourceKey,
      value: { token, value: `zombie-of-${holder}` },
    });
    if (resource.write(token, holder)) pending.ok();
    else pending.fail('stale token');
  }

  return {
    name: 'lock',
    async run(context) {
      await Promise.all(Array.from({ length: clients }, () => client(context)));
      await Promise.all(zombies);
    },
    async check(events) {
      const ops = pairOperations(events.filter((e) => e.key?.startsWith(lockPrefix) === true));
      // A hold ends no later than its lease could expire (a holder stuck past it is the
      // fencing token's business); 1 s of slack for a leader clock 10% fast.
      const holds = holdsFromHistory(ops, { leaseTtlSeconds: lockTtlSeconds, toleranceMs: 1000 });
      return checkFencing({ resourceLog: resource.log, holds });
    },
  };
}

/** One attempt: creates the lock key if absent; resolves its revision (the token) if it did. */
async function tryAcquire(
  c: EtcdClient,
  lease: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const key = Buffer.from(lockKey);
  const response = await c.txn(
    {
      compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
      success: [{ requestPut: { key, value: Buffer.from(lease), lease } }],
      failure: [],
    },
    timeoutMs,
  );
  return response.succeeded ? Number(response.header.revision) : undefined;
}
