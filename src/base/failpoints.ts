/**
 * Failpoints: named crash points compiled into the product, armed only by the environment, as
 * etcd's gofail does. test/chaos restarts a member with `CONCORD_FAILPOINTS` set to make it
 * die at an exact point (between a WAL write and its fsync, in the middle of a snapshot, ...)
 * and then checks that nothing acknowledged was lost.
 *
 * `CONCORD_FAILPOINTS` is a comma-separated list of `name=terms`, where terms are gofail's:
 * one or more `[N*][P%]action` joined by `->`, each term used for its N hits (forever without
 * N) and then the next. Actions: `off` (nothing, to skip hits), `panic` (log a line on stderr
 * and SIGKILL itself: a crash, with no exit handlers run), `exit(code)`, `sleep(ms)` (blocks the
 * whole process, like a long GC pause), `print` (log a line).
 *
 * The variable is read once, when this module loads; with it unset `failpoint()` is one
 * comparison. A name the product does not know refuses to start: a typo would otherwise arm
 * nothing and the test would prove nothing.
 *
 * @example
 * // CONCORD_FAILPOINTS='raftAfterSave=20*off->panic' crashes at the 21st WAL fsync.
 * failpoint('raftAfterSave');
 */
import { writeSync } from 'node:fs';

/** Every failpoint the product has, and where it sits. */
export const failpointNames = [
  /** WAL: the batch is written but not yet fsynced. */
  'raftBeforeSave',
  /** WAL: the batch is fsynced, before anyone is told. */
  'raftAfterSave',
  /** Apply: committed entries are about to be applied to the state machine. */
  'beforeApply',
  /** Apply: entries applied, before waiters and the applied index move on. */
  'afterApply',
  /** Snapshot: about to write the snapshot file. */
  'raftBeforeSaveSnap',
  /** Snapshot: the temporary file is written and synced but not yet renamed into place. */
  'raftMidSaveSnap',
  /** Snapshot: the file is in place. */
  'raftAfterSaveSnap',
  /** Compaction: a physical compaction step is about to run. */
  'compactBeforeStep',
  /** Compaction: a step ran (more may remain: a crash mid-compaction). */
  'compactAfterStep',
] as const;

export type FailpointName = (typeof failpointNames)[number];

export type FailpointAction =
  | { readonly kind: 'off' }
  | { readonly kind: 'panic' }
  | { readonly kind: 'print' }
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'sleep'; readonly ms: number };

export interface FailpointTerm {
  /** Hits this term takes before the next term applies; undefined: forever. */
  readonly count: number | undefined;
  /** The chance (0..100) that a hit runs the action (a hit that does not still counts). */
  readonly percent: number;
  readonly action: FailpointAction;
}

/** Parses `CONCORD_FAILPOINTS`; throws an Error naming the bad part. */
export function parseFailpoints(text: string): Map<FailpointName, FailpointTerm[]> {
  const armed = new Map<FailpointName, FailpointTerm[]>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!(failpointNames as readonly string[]).includes(name)) {
      throw new Error(
        `CONCORD_FAILPOINTS: unknown failpoint '${name}' (known: ${failpointNames.join(', ')})`,
      );
    }
    const spec = eq < 0 ? 'panic' : part.slice(eq + 1).trim();
    armed.set(name as FailpointName, spec.split('->').map(parseTerm));
  }
  return armed;
}

function parseTerm(text: string): FailpointTerm {
  const match = /^\s*(?:(\d+)\*)?(?:(\d+(?:\.\d+)?)%)?([a-z]+)(?:\((\d+)\))?\s*$/.exec(text);
  const bad = (): Error => new Error(`CONCORD_FAILPOINTS: cannot parse term '${text}'`);
  if (match === null) throw bad();
  const [, count, percent, verb, argument] = match;
  const number = argument === undefined ? undefined : Number(argument);
  let action: FailpointAction;
  if (verb === 'off' || verb === 'panic' || verb === 'print') {
    if (number !== undefined) throw bad();
    action = { kind: verb };
  } else if (verb === 'exit') action = { kind: 'exit', code: number ?? 1 };
  else if (verb === 'sleep' && number !== undefined) action = { kind: 'sleep', ms: number };
  else throw bad();
  return {
    count: count === undefined ? undefined : Number(count),
    percent: percent === undefined ? 100 : Number(percent),
    action,
  };
}

/** The terms still to run per armed name (undefined: nothing armed, the common case). */
let armed: Map<FailpointName, FailpointTerm[]> | undefined;
const hits = new Map<FailpointName, number>();

/** (Re)arms from a spec; for tests. `undefined` disarms everything. */
export function armFailpoints(spec: string | undefined): void {
  armed = spec === undefined || spec.trim() === '' ? undefined : parseFailpoints(spec);
  hits.clear();
}

armFailpoints(process.env['CONCORD_FAILPOINTS']);

/** What the last hit of each failpoint did, for tests of this module. */
export const failpointLog: { name: FailpointName; action: FailpointAction['kind'] }[] = [];

/** A named crash point: does nothing unless CONCORD_FAILPOINTS armed `name`. */
export function failpoint(name: FailpointName): void {
  if (armed === undefined) return;
  const terms = armed.get(name);
  if (terms === undefined) return;
  const term = terms[0];
  if (term === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  if (term.count !== undefined && hit >= term.count) {
    terms.shift();
    hits.set(name, 0);
  } else hits.set(name, hit);
  if (term.percent < 100 && Math.random() * 100 >= term.percent) return;
  run(name, term.action);
}

function run(name: FailpointName, action: FailpointAction): void {
  if (action.kind === 'off') return;
  failpointLog.push({ name, action: action.kind });
  // Synchronous, so the line is out before the process dies.
  const say = (what: string): void => {
    writeSync(2, `${JSON.stringify({ level: 'warn', msg: `failpoint ${name}: ${what}` })}\n`);
  };
  switch (action.kind) {
    case 'print':
      say('hit');
      return;
    case 'sleep':
      say(`sleeping ${action.ms} ms`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, action.ms);
      return;
    case 'exit':
      say(`exit(${action.code})`);
      process.exit(action.code);
      return;
    case 'panic':
      say('panic');
      process.kill(process.pid, 'SIGKILL');
      return;
  }
}
