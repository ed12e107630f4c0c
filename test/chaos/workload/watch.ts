/**
 * Watches: writers put and delete keys under one prefix (recording each change's revision),
 * while several watchers watch the whole prefix from the workload's first revision. Some
 * watchers drop their stream now and then and resume from the last revision they received
 * + 1, on another member; all of them resume when their member dies. At the end a sentinel
 * write is made and every watcher waits for it, so each is known to have caught up to it.
 * Checked with checkWatches: ordered, unduplicated, gapless, equal to the committed changes.
 * The deliveries are kept in watches.json beside the history.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { Prng } from '../../../src/base/prng.js';
import { checkWatches, committedChanges, type WatcherLog } from '../checker/watch.js';
import type { WatchEvent as CheckedEvent, WatchSession } from '../checker/watch.js';
import type { Value } from '../history/event.js';
import { pairOperations } from '../history/operation.js';
import { ClientProcess, pause, type Workload, type WorkloadContext } from './workload.js';

export const watchPrefix = 'watch/';
const rangeEnd = 'watch0'; // the prefix's end: '/' + 1
const sentinelKey = `${watchPrefix}~final`;

export interface WatchOptions {
  readonly writers?: number;
  readonly watchers?: number;
  readonly keys?: number;
  readonly thinkMs?: number;
}

interface Session {
  startRevision: number;
  events: CheckedEvent[];
  caughtUpTo?: number;
  /** Set when the member refused the start revision as compacted. */
  compactRevision?: number;
}

export function watchWorkload(options: WatchOptions = {}): Workload {
  const writerCount = options.writers ?? 2;
  const watcherCount = options.watchers ?? 3;
  const keys = options.keys ?? 4;
  const thinkMs = options.thinkMs ?? 25;
  const logs: { name: string; sessions: Session[] }[] = [];
  let written = 0;
  let sentinelRevision: number | undefined;

  async function writer(context: WorkloadContext, index: number): Promise<void> {
    const prng = context.prng.fork();
    const proc = new ClientProcess(context, prng);
    while (!context.signal.aborted) {
      const key = `${watchPrefix}${prng.int(keys)}`;
      const timeoutMs = context.opTimeoutMs;
      if (prng.chance(0.15)) {
        await proc.op(
          { f: 'delete', key },
          (c) =>
            c.txn(
              {
                compare: [],
                success: [{ requestDeleteRange: { key: Buffer.from(key) } }],
                failure: [],
              },
              timeoutMs,
            ),
          {
            // Deleting an absent key changes nothing and takes no revision: the header's is
            // some other change's, so it is not recorded as this one's.
            output: (r): Value =>
              Number(r.responses[0]?.responseDeleteRange?.deleted ?? 0) > 0
                ? { revision: Number(r.header.revision) }
                : { revision: null, deleted: 0 },
          },
        );
      } else {
        const value = `${index}.${++written}`;
        await proc.op({ f: 'write', key, value }, (c) => c.put(key, value, { timeoutMs }), {
          output: (r) => ({ revision: Number(r.header.revision) }),
        });
      }
      await pause(thinkMs, context.signal);
    }
  }

  /** One watcher: streams until told to stop and it has seen the sentinel. */
  async function watcher(
    context: WorkloadContext,
    name: string,
    startRevision: number,
    reconnects: boolean,
    done: Promise<void>,
  ): Promise<void> {
    const prng = context.prng.fork();
    const log = { name, sessions: [] as Session[] };
    logs.push(log);
    let next = startRevision;
    let finished = false;
    let giveUpAt = Number.POSITIVE_INFINITY;
    void done.then(() => {
      finished = true;
      giveUpAt = performance.now() + 60_000;
    });
    while (!(finished && sentinelRevision !== undefined && next > sentinelRevision)) {
      if (performance.now() > giveUpAt) {
        context.log(`watch: ${name} never caught up to the sentinel (revision ${next - 1})`);
        break;
      }
      const member = pickMember(context, prng);
      if (member === undefined) {
        await pause(200, new AbortController().signal);
        continue;
      }
      const session: Session = { startRevision: next, events: [] };
      log.sessions.push(session);
      const holdMs = reconnects ? prng.range(1500, 5000) : Number.POSITIVE_INFINITY;
      next = await stream(context, member, session, holdMs, () => finished);
      if (sentinelRevision !== undefined && next > sentinelRevision) {
        session.caughtUpTo = sentinelRevision;
      }
    }
  }

  /**
   * One session: a stream on `member` from session.startRevision, until `holdMs` passes, the
   * stream fails, or the sentinel arrived after the run ended. Resolves the next revision to
   * resume from.
   */
  function stream(
    context: WorkloadContext,
    member: ClusterMember,
    session: Session,
    holdMs: number,
    ending: () => boolean,
  ): Promise<number> {
    let next = session.startRevision;
    const call = context.chaos.client(member).watchStream();
    return new Promise<number>((resolve) => {
      let settled = false;
      const end = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(check);
        call.cancel();
        resolve(next);
      };
      const timer = setTimeout(end, Math.min(holdMs, 60_000));
      // A stream to a paused or cut-off member delivers nothing; once the run is over, give it
      // a bounded time to catch up, then move to another member.
      let quietSince = performance.now();
      const check = setInterval(() => {
        const caughtUp = sentinelRevision !== undefined && next > sentinelRevision;
        if (caughtUp && ending()) end();
        else if (ending() && performance.now() - quietSince > 3000) end();
      }, 100);
      call.on('data', (response) => {
        if (response.canceled) {
          context.log(`watch: ${member.name} canceled a watch: ${response.cancelReason}`);
          const compacted = Number(response.compactRevision);
          if (compacted > 0) {
            // Nothing before the compaction can come any more: resume after it.
            session.compactRevision = compacted;
            next = Math.max(next, compacted);
          }
          end();
          return;
        }
        for (const e of response.events) {
          const revision = Number(e.kv.modRevision);
          session.events.push({
            revision,
            key: e.kv.key.toString(),
            type: e.type === 'DELETE' ? 'delete' : 'put',
            value: e.type === 'DELETE' ? null : e.kv.value.toString(),
          });
          next = Math.max(next, revision + 1);
        }
        if (response.events.length > 0) quietSince = performance.now();
      });
      call.on('error', end);
      call.on('end', end);
      call.write({
        createRequest: {
          key: Buffer.from(watchPrefix),
          rangeEnd: Buffer.from(rangeEnd),
          startRevision: String(session.startRevision),
        },
      });
    });
  }

  return {
    name: 'watch',
    async run(context) {
      const first = await initialRevision(context);
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const watchers = Array.from({ length: watcherCount }, (_, i) =>
        watcher(context, `w${i}`, first + 1, i > 0, done),
      );
      await Promise.all(Array.from({ length: writerCount }, (_, i) => writer(context, i)));
      // The run is over and healed: one last write every watcher must see.
      sentinelRevision = await writeSentinel(context);
      finish();
      await Promise.all(watchers);
      writeFileSync(join(context.runDir, 'watches.json'), JSON.stringify(logs, null, 1));
    },
    async check(events) {
      const ops = pairOperations(events.filter((e) => e.key?.startsWith(watchPrefix) === true));
      const watchers: WatcherLog[] = logs.map((log) => ({
        watcher: log.name,
        key: watchPrefix,
        rangeEnd,
        sessions: log.sessions.map((s): WatchSession => ({
          startRevision: s.startRevision,
          events: s.events,
          ...(s.caughtUpTo !== undefined && { caughtUpTo: s.caughtUpTo }),
          ...(s.compactRevision !== undefined && { compactRevision: s.compactRevision }),
        })),
      }));
      return checkWatches({ ...committedChanges(ops), watchers });
    },
  };
}

function pickMember(context: WorkloadContext, prng: Prng): ClusterMember | undefined {
  const live = context.chaos.live();
  return live.length > 0 ? prng.pick(live) : undefined;
}

async function initialRevision(context: WorkloadContext): Promise<number> {
  for (;;) {
    const member = context.chaos.live()[0];
    if (member !== undefined) {
      try {
        const r = await context.chaos
          .client(member)
          .range(sentinelKey, { timeoutMs: context.opTimeoutMs });
        return Number(r.header.revision);
      } catch {
        // a fault already; try again
      }
    }
    await pause(200, new AbortController().signal);
  }
}

/** Writes the sentinel (retrying until acknowledged: the cluster is healed by now). */
async function writeSentinel(context: WorkloadContext): Promise<number> {
  const proc = new ClientProcess(context, context.prng.fork());
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const outcome = await proc.op(
      { f: 'write', key: sentinelKey, value: 'final' },
      (c) => c.put(sentinelKey, 'final', { timeoutMs: context.opTimeoutMs }),
      { output: (r) => ({ revision: Number(r.header.revision) }) },
    );
    if (outcome.ok) return Number(outcome.result.header.revision);
    await pause(200, new AbortController().signal);
  }
  throw new Error('the watch workload could not write its sentinel within 60 s of healing');
}
