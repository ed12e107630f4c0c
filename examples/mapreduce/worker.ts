/**
 * A worker: takes tasks from the phase's Queue, claims each under its Session's lease, runs
 * it, and commits the result with a Txn that holds only while its claim is still the one it
 * ran under (fencing: a worker whose lease expired, a zombie, cannot commit). Between the
 * phases it waits at the map Barrier; it stops when the finish Barrier falls.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  Barrier,
  Queue,
  ServerError,
  Session,
  compare,
  op,
  type Client,
} from '../../src/client/index.js';
import {
  keys,
  kvsOf,
  mapFile,
  outputFile,
  parse,
  readSpec,
  report,
  writeAtomically,
  type Completion,
  type JobSpec,
  type Keys,
  type Phase,
  type QueueItem,
} from './job.js';
import { bucketOf, countInto } from './words.js';

export interface WorkerOptions {
  readonly client: Client;
  readonly job: string;
  readonly name: string;
  /** The session's lease TTL in seconds: how long a dead worker's claims outlive it. */
  readonly ttl: number;
  /**
   * Demo and test knob: hold the first claim and never work on it, as a hung process would,
   * so that killing this worker mid-task is deterministic.
   */
  readonly stallAfterClaim?: boolean;
  /**
   * Demo and test knob: after the first claim, wait for SIGUSR2 before working on it (a
   * process paused past its lease, then resumed: a zombie whose commit must be refused).
   */
  readonly holdAfterClaim?: boolean;
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const { client, job, name, ttl } = options;
  const k = keys(job);
  const spec = await waitForSpec(client, k);
  let session = await Session.create(client, { ttl });
  report('worker-ready', { worker: name, lease: session.id.toString(16) });
  const phases: [Phase, string][] = [
    ['map', k.mapBarrier],
    ['reduce', k.finishBarrier],
  ];
  let knob: Knob | undefined = options.stallAfterClaim === true ? 'stall' : undefined;
  if (options.holdAfterClaim === true) knob = 'hold';
  for (const [phase, barrierKey] of phases) {
    const queue = new Queue(client, k.queue(phase));
    const barrier = new Barrier(client, barrierKey);
    for (;;) {
      const item = await nextItem(queue, barrier);
      if (item === undefined) break; // the phase is over: every task of it is committed
      if (item.phase !== phase) continue; // a stale item of an earlier phase
      // A lost lease took our claims with it; a new one makes us a new worker.
      if (session.isLost) session = await Session.create(client, { ttl });
      try {
        // The knobs act on the first claim only.
        if (await runTask(client, k, spec, session, name, item, knob)) knob = undefined;
      } catch (error) {
        // A claim under a lease that expired while we were paused ("requested lease not
        // found") fails before our client noticed the loss: the task is the coordinator's
        // to hand out again, we carry on under a new lease.
        if (!(error instanceof ServerError) || !error.details.includes('lease not found')) {
          throw error;
        }
        report('lease-gone', { worker: name, phase, task: item.task });
        session = await Session.create(client, { ttl });
      }
    }
    report('phase-over', { worker: name, phase });
  }
  await session.close().catch(() => undefined);
  report('worker-exit', { worker: name });
}

/**
 * The next task of the queue, or undefined once the barrier is down. Both are waited on at
 * once: a task re-enqueued after a worker died must find the workers that already wait at
 * the barrier. An item taken off the queue and then dropped here (both happened) is not lost:
 * the coordinator re-enqueues every task that is neither done, claimed nor queued.
 */
async function nextItem(queue: Queue, barrier: Barrier): Promise<QueueItem | undefined> {
  const stop = new AbortController();
  const item = queue
    .dequeue({ signal: stop.signal })
    .then((value) => JSON.parse(value.toString()) as QueueItem);
  const passed = barrier.wait({ signal: stop.signal }).then(() => undefined);
  item.catch(() => undefined);
  passed.catch(() => undefined);
  try {
    return await Promise.race([item, passed]);
  } finally {
    stop.abort();
  }
}

type Knob = 'stall' | 'hold';

/** Claims and runs one task; false if it was claimed or done already. */
async function runTask(
  client: Client,
  k: Keys,
  spec: JobSpec,
  session: Session,
  worker: string,
  item: QueueItem,
  knob: Knob | undefined,
): Promise<boolean> {
  const { phase, task } = item;
  const claimKey = k.claim(phase, task);
  const doneKey = k.done(phase, task);
  // Claim: only if nobody holds it and it is not done (so duplicate queue items are harmless).
  const claimed = await client
    .txn()
    .if(compare.createRevision(claimKey, '=', 0), compare.createRevision(doneKey, '=', 0))
    .then(
      op.put(claimKey, JSON.stringify({ worker, lease: session.id.toString(16) }), {
        lease: session.id,
      }),
    )
    .commit();
  if (!claimed.succeeded) {
    report('skipped', { worker, phase, task });
    return false;
  }
  const attempt = claimed.revision; // the claim's create revision: our fencing token
  report('claimed', { worker, phase, task, attempt });
  if (knob === 'stall') {
    report('stalling', { worker, phase, task, attempt });
    setInterval(() => undefined, 1 << 30);
    await new Promise<never>(() => undefined);
  } else if (knob === 'hold') {
    // Listening before saying so: the test pauses us as soon as it reads 'holding'.
    // (A signal listener does not keep the process alive; the interval does.)
    const alive = setInterval(() => undefined, 1 << 30);
    const resumed = new Promise((resolve) => process.once('SIGUSR2', resolve));
    report('holding', { worker, phase, task, attempt });
    await resumed;
    clearInterval(alive);
    report('resumed', { worker, phase, task, attempt });
  }
  const files =
    phase === 'map'
      ? runMap(spec, task, attempt)
      : [await runReduce(client, k, spec, task, attempt)];
  const record: Completion = { worker, attempt, files };
  const committed = await client
    .txn()
    .if(compare.createRevision(claimKey, '=', attempt), compare.createRevision(doneKey, '=', 0))
    .then(op.put(doneKey, JSON.stringify(record)), op.delete(claimKey))
    .commit();
  // A failed commit means our claim expired (and maybe another attempt committed): our files
  // are simply never referenced.
  report(committed.succeeded ? 'committed' : 'fenced', { worker, phase, task, attempt });
  return true;
}

/** Map: counts the split's words into R bucket files; returns them, by bucket. */
function runMap(spec: JobSpec, task: number, attempt: number): string[] {
  const buckets = Array.from({ length: spec.buckets }, () => new Map<string, number>());
  const counts = new Map<string, number>();
  for (const file of spec.splits[task] ?? []) countInto(counts, readFileSync(file, 'utf8'));
  for (const [word, count] of counts) buckets[bucketOf(word, spec.buckets)]!.set(word, count);
  return buckets.map((bucket, r) => {
    const path = mapFile(spec, task, attempt, r);
    mkdirSync(dirname(path), { recursive: true });
    writeAtomically(path, JSON.stringify([...bucket]));
    return path;
  });
}

/** Reduce: sums bucket `task` of every committed map attempt into one output file. */
async function runReduce(
  client: Client,
  k: Keys,
  spec: JobSpec,
  task: number,
  attempt: number,
): Promise<string> {
  const done = (await client.range(k.doneDir('map'), { prefix: true })).kvs;
  if (done.length !== spec.splits.length) {
    throw new Error(`mapreduce: reduce ${task} saw ${done.length}/${spec.splits.length} maps`);
  }
  const sums = new Map<string, number>();
  for (const kv of done) {
    const file = parse<Completion>(kv).files[task]!;
    for (const [word, count] of JSON.parse(readFileSync(file, 'utf8')) as [string, number][]) {
      sums.set(word, (sums.get(word) ?? 0) + count);
    }
  }
  const path = outputFile(spec, task, attempt);
  mkdirSync(dirname(path), { recursive: true });
  writeAtomically(path, JSON.stringify([...sums].sort((a, b) => (a[0] < b[0] ? -1 : 1))));
  return path;
}

/** The spec, once a coordinator has written it (workers may start first). */
async function waitForSpec(client: Client, k: Keys): Promise<JobSpec> {
  for (;;) {
    const read = await client.txn().then(op.get(k.spec)).commit();
    const kv = kvsOf(read.results[0])[0];
    if (kv !== undefined) return parse<JobSpec>(kv);
    const watcher = client.watch(k.spec, { startRevision: read.revision + 1 });
    try {
      for await (const batch of watcher) if (batch.events.some((e) => e.type === 'put')) break;
    } finally {
      await watcher.close();
    }
    const spec = await readSpec(client, k);
    if (spec !== undefined) return spec;
  }
}
