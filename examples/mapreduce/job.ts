/**
 * The job's state in Concord: every fact a coordinator or worker acts on lives under
 * `<job>/`, never only in a process's memory, so a standby coordinator resumes from it.
 *
 *   <job>/spec                 the job: input files, map tasks, R reduce buckets, work dir
 *   <job>/phase                'map' | 'reduce' | 'done' (moved on by the coordinator only)
 *   <job>/election/...         the coordinator's Election
 *   <job>/queue/<phase>/...    Queue of task numbers to run
 *   <job>/claims/<phase>/<N>   {worker, lease} under the worker's lease: N is being run
 *   <job>/done/<phase>/<N>     {worker, attempt, file(s)}: N's committed result (put once)
 *   <job>/barrier/map          Barrier: held until every map task is done
 *   <job>/barrier/finish       Barrier: held until every reduce task is done
 *   <job>/done                 the final record: the output files
 *
 * An attempt is the create revision of the claim it ran under: unique per claim, and the
 * fencing token its commit is checked against.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, KeyValue, OpResult } from '../../src/client/index.js';

export type Phase = 'map' | 'reduce';

export interface JobSpec {
  /** The input files; map task N reads `splits[N]`. */
  readonly splits: readonly (readonly string[])[];
  /** R: reduce tasks, one per hash bucket. */
  readonly buckets: number;
  /** Where intermediate and output files go (a file system every worker sees). */
  readonly workDir: string;
}

export interface Claim {
  readonly worker: string;
  readonly lease: string;
}

export interface Completion {
  readonly worker: string;
  readonly attempt: number;
  /** Map: the intermediate files by bucket; reduce: the output file. */
  readonly files: readonly string[];
}

export interface QueueItem {
  readonly phase: Phase;
  readonly task: number;
}

export function keys(job: string) {
  return {
    spec: `${job}/spec`,
    phase: `${job}/phase`,
    election: `${job}/election`,
    queue: (phase: Phase) => `${job}/queue/${phase}`,
    claims: (phase: Phase) => `${job}/claims/${phase}/`,
    claim: (phase: Phase, task: number) => `${job}/claims/${phase}/${task}`,
    doneDir: (phase: Phase) => `${job}/done/${phase}/`,
    done: (phase: Phase, task: number) => `${job}/done/${phase}/${task}`,
    mapBarrier: `${job}/barrier/map`,
    finishBarrier: `${job}/barrier/finish`,
    final: `${job}/done`,
  };
}

export type Keys = ReturnType<typeof keys>;

export function taskCount(spec: JobSpec, phase: Phase): number {
  return phase === 'map' ? spec.splits.length : spec.buckets;
}

/** The task number at the end of a claim or completion key. */
export function taskOf(kv: KeyValue): number {
  const key = kv.key.toString();
  return Number(key.slice(key.lastIndexOf('/') + 1));
}

export function parse<T>(kv: KeyValue): T {
  return JSON.parse(kv.value.toString()) as T;
}

/** The key-values of a Txn's get. */
export function kvsOf(result: OpResult | undefined): KeyValue[] {
  if (result?.type !== 'get') throw new Error('mapreduce: expected a get result');
  return result.kvs;
}

/** Reads the job's spec, or undefined when no coordinator has written it yet. */
export async function readSpec(client: Client, k: Keys): Promise<JobSpec | undefined> {
  const kv = await client.get(k.spec);
  return kv === undefined ? undefined : parse<JobSpec>(kv);
}

/**
 * Writes a file atomically: a temp file, then rename, so a reader sees all of it or none,
 * and a re-run attempt (another name) never touches a file someone may be reading.
 */
export function writeAtomically(path: string, data: string): void {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

export const mapFile = (spec: JobSpec, task: number, attempt: number, bucket: number): string =>
  join(spec.workDir, 'intermediate', `map-${task}-a${attempt}-r${bucket}.json`);

export const outputFile = (spec: JobSpec, bucket: number, attempt: number): string =>
  join(spec.workDir, 'output', `part-${bucket}-a${attempt}.json`);

/** One line of a process's progress: JSON on stdout, read by main.ts and the test. */
export function report(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields, at: Date.now() })}\n`);
}
