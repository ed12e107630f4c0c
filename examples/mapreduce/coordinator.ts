/**
 * The coordinator: elected (Election), it writes the job, keeps every task of the current
 * phase either queued, claimed or done, and moves the phase on when all are done. It keeps
 * nothing in memory that matters: a standby that wins the election after it dies reads the
 * phase and the task states from Concord and carries on.
 *
 * Its writes that change the job (the spec, a phase change) are fenced by its election key:
 * they hold only while that key, created when it won, still exists. Enqueueing is not fenced:
 * a duplicate queue item is harmless, since a worker claims a task only if it is neither
 * claimed nor done.
 */
import {
  Election,
  Queue,
  ServerError,
  Session,
  compare,
  op,
  type Client,
  type Compare,
} from '../../src/client/index.js';
import { inputFiles } from './count-locally.js';
import {
  keys,
  kvsOf,
  parse,
  readSpec,
  report,
  taskCount,
  taskOf,
  type Completion,
  type JobSpec,
  type Keys,
  type Phase,
  type QueueItem,
} from './job.js';

export interface CoordinatorOptions {
  readonly client: Client;
  readonly job: string;
  readonly name: string;
  readonly ttl: number;
  /** Only for the coordinator that creates the job (a standby finds it in Concord). */
  readonly input: string;
  readonly buckets: number;
  readonly workDir: string;
  /** Files per map task. */
  readonly filesPerTask: number;
  /**
   * How often to look at every task even without a change of claims (ms): a worker that
   * died between taking a task off the queue and claiming it leaves no event behind.
   */
  readonly sweepMs?: number;
}

export async function runCoordinator(options: CoordinatorOptions): Promise<void> {
  const { client, name } = options;
  const k = keys(options.job);
  for (;;) {
    const session = await Session.create(client, { ttl: options.ttl });
    const election = new Election(session, k.election);
    report('campaigning', { coordinator: name });
    try {
      await election.campaign(name);
      const fence = compare.createRevision(election.key!, '=', election.revision);
      report('leading', { coordinator: name, term: election.revision });
      if (await lead(options, k, session, election, fence)) break;
    } catch (error) {
      if (!lost(session, error)) throw error;
    }
    // Fail closed: without our lease another coordinator may lead. We stop acting at once,
    // and campaign again under a new lease (the job's state is in Concord, not in us).
    report('session-lost', { coordinator: name });
  }
  const final = await client.getString(k.final);
  report('job-done', { coordinator: name, final: final === undefined ? null : JSON.parse(final) });
}

/** Whether a failure is our session's loss (noticed by the client, or by the server first). */
function lost(session: Session, error: unknown): boolean {
  if (session.isLost) return true;
  return error instanceof ServerError && error.details.includes('lease not found');
}

/** Leads until the job is done (true) or our session is lost (false). */
async function lead(
  options: CoordinatorOptions,
  k: Keys,
  session: Session,
  election: Election,
  fence: Compare,
): Promise<boolean> {
  const { client, name } = options;
  const spec = (await readSpec(client, k)) ?? (await createJob(client, k, fence, options));
  const claimsChanged = new Wakeup(client, `${options.job}/claims/`);
  const seenClaimed = new Set<string>();
  let lastProgress = '';
  try {
    for (;;) {
      if (session.isLost) return false;
      const phase = (await client.getString(k.phase)) as Phase | 'done' | undefined;
      if (phase === 'done' || phase === undefined) break;
      const state = await snapshot(client, k, phase);
      const total = taskCount(spec, phase);
      const progress = `${phase} ${state.done.size}/${total} done, ${state.claimed.size} running`;
      if (progress !== lastProgress) {
        report('progress', { coordinator: name, phase, done: state.done.size, total });
        lastProgress = progress;
      }
      if (state.done.size === total) {
        await advance(client, k, fence, phase, election);
        continue;
      }
      for (let task = 0; task < total; task++) {
        const id = `${phase}/${task}`;
        if (state.claimed.has(task)) seenClaimed.add(id);
        if (state.done.has(task) || state.claimed.has(task) || state.queued.has(task)) continue;
        const item: QueueItem = { phase, task };
        await new Queue(client, k.queue(phase)).enqueue(JSON.stringify(item));
        // A task we saw claimed that is now neither claimed nor done: its worker died.
        report(seenClaimed.has(id) ? 'requeued' : 'enqueued', { coordinator: name, phase, task });
      }
      await claimsChanged.next(options.sweepMs ?? 1_000);
    }
  } finally {
    claimsChanged.close();
  }
  await session.close().catch(() => undefined);
  return true;
}

/** Writes the spec, the phase and both barriers in one Txn (all or none, once). */
async function createJob(
  client: Client,
  k: Keys,
  fence: Compare,
  options: CoordinatorOptions,
): Promise<JobSpec> {
  const files = inputFiles(options.input);
  const splits: string[][] = [];
  for (let i = 0; i < files.length; i += options.filesPerTask) {
    splits.push(files.slice(i, i + options.filesPerTask));
  }
  const spec: JobSpec = { splits, buckets: options.buckets, workDir: options.workDir };
  await client
    .txn()
    .if(fence, compare.createRevision(k.spec, '=', 0))
    .then(
      op.put(k.spec, JSON.stringify(spec)),
      op.put(k.phase, 'map'),
      op.put(k.mapBarrier, ''),
      op.put(k.finishBarrier, ''),
    )
    .commit();
  const written = await readSpec(client, k);
  if (written === undefined) throw new Error('mapreduce: lost the leadership before the job began');
  report('job-created', {
    coordinator: options.name,
    mapTasks: splits.length,
    buckets: spec.buckets,
  });
  return written;
}

/**
 * Every task of the phase is done: move on, in one fenced Txn. After map: the phase becomes
 * reduce and the map barrier falls (workers go on to reduce). After reduce: the final record
 * names each bucket's committed output, and the finish barrier falls (workers stop).
 */
async function advance(
  client: Client,
  k: Keys,
  fence: Compare,
  phase: Phase,
  election: Election,
): Promise<void> {
  const txn = client.txn().if(fence, compare.value(k.phase, '=', phase));
  if (phase === 'map') {
    // Leftover duplicate map items go too: no worker will take them any more.
    txn.then(
      op.put(k.phase, 'reduce'),
      op.delete(k.mapBarrier),
      op.delete(`${k.queue('map')}/`, { prefix: true }),
    );
  } else {
    const outputs = (await client.range(k.doneDir('reduce'), { prefix: true })).kvs
      .map((kv) => [taskOf(kv), parse<Completion>(kv).files[0]] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, file]) => file);
    txn.then(
      op.put(k.final, JSON.stringify({ outputs })),
      op.put(k.phase, 'done'),
      op.delete(k.finishBarrier),
      op.delete(`${k.queue('reduce')}/`, { prefix: true }),
    );
  }
  const result = await txn.commit();
  if (!result.succeeded && !(await election.isLeader())) {
    throw new Error('mapreduce: no longer the coordinator');
  }
  report('phase-advanced', { from: phase });
}

interface PhaseState {
  readonly done: Set<number>;
  readonly claimed: Set<number>;
  readonly queued: Set<number>;
}

/** Which tasks are done, claimed and queued, read at one revision (one Txn). */
async function snapshot(client: Client, k: Keys, phase: Phase): Promise<PhaseState> {
  const read = await client
    .txn()
    .then(
      op.get(k.doneDir(phase), { prefix: true, keysOnly: true }),
      op.get(k.claims(phase), { prefix: true, keysOnly: true }),
      op.get(`${k.queue(phase)}/`, { prefix: true }),
    )
    .commit();
  return {
    done: new Set(kvsOf(read.results[0]).map(taskOf)),
    claimed: new Set(kvsOf(read.results[1]).map(taskOf)),
    queued: new Set(kvsOf(read.results[2]).map((kv) => parse<QueueItem>(kv).task)),
  };
}

/** Resolves `next()` at the next change under a prefix, or after a timeout at the latest. */
class Wakeup {
  private wake: (() => void) | undefined;
  private pending = false;
  private readonly stop = new AbortController();

  constructor(client: Client, prefix: string) {
    const watcher = client.watch(prefix, { prefix: true, signal: this.stop.signal });
    void (async () => {
      for await (const batch of watcher) {
        if (batch.events.length === 0) continue;
        this.pending = true;
        this.wake?.();
      }
    })().catch(() => undefined);
  }

  async next(timeoutMs: number): Promise<void> {
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.wake = undefined;
    this.pending = false;
  }

  close(): void {
    this.stop.abort();
  }
}
