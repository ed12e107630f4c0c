/**
 * One chaos run: start a real cluster, run the workloads while the nemesis schedule injects
 * faults, heal everything, let the clients finish, check the history, and leave the history,
 * the nemesis log and the report in the run directory.
 *
 * @example
 * const outcome = await runChaos({ workloads: ['register'], nemeses: ['kill'], timeS: 30, seed: 7 });
 * if (!outcome.passed) console.log(outcome.verdict);
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Prng } from '../../src/base/prng.js';
import type { Anomaly, CheckResult } from './checker/result.js';
import { openHistoryLog } from './history/jsonl.js';
import { HistoryRecorder } from './history/recorder.js';
import { ChaosCluster, defaultNetMode, type NetMode } from './cluster.js';
import { formatNemesisEvent, type NemesisContext, type NemesisEvent } from './nemesis/nemesis.js';
import { restartDead } from './nemesis/process-faults.js';
import { runSchedule } from './nemesis/schedule.js';
import { clockEnv } from './nemesis/clock.js';
import {
  nemeses as nemesisRegistry,
  nemesisUnavailable,
  workloads as workloadRegistry,
} from './registry.js';
import { writeReport } from './run-report.js';
import type { WorkloadContext } from './workload/workload.js';

export interface RunOptions {
  readonly workloads: readonly string[];
  readonly nemeses: readonly string[];
  readonly timeS: number;
  readonly seed: number;
  /** Members (3 or 5; default 3). */
  readonly size?: number;
  readonly mode?: NetMode;
  /** Where run directories go (default chaos-runs/ in the working directory). */
  readonly outDir?: string;
  readonly opTimeoutMs?: number;
  /** Extra member flags. */
  readonly args?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface RunOutcome {
  readonly dir: string;
  readonly operations: number;
  readonly faults: number;
  readonly anomalies: readonly Anomaly[];
  readonly results: readonly CheckResult[];
  /** True only when every checker said valid (an 'unknown' is not a pass). */
  readonly passed: boolean;
  /** The one-line verdict, with the counts. */
  readonly verdict: string;
}

/** Member flags every chaos cluster gets: frequent snapshots, so crashes meet them too. */
const memberArgs = ['--snapshot-count', '100', '--log-level', 'warn'];

export async function runChaos(options: RunOptions): Promise<RunOutcome> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = new Date();
  const dir = resolve(
    options.outDir ?? 'chaos-runs',
    `${options.seed}-${started.toISOString().replace(/[:.]/g, '-')}`,
  );
  mkdirSync(dir, { recursive: true });
  const prng = new Prng(options.seed);
  const mode = options.mode ?? defaultNetMode().mode;
  const workloads = options.workloads.map((name) => workloadRegistry[name]!());
  const usable = options.nemeses.filter((name) => {
    const why = nemesisUnavailable(name);
    if (why !== undefined) log(`chaos: skipping the ${name} nemesis: ${why}`);
    return why === undefined;
  });
  const nemeses = usable.map((name) => nemesisRegistry[name]!());
  log(
    `chaos: seed ${options.seed}, ${options.size ?? 3} members (${mode}), workloads ${workloads.map((w) => w.name).join(',')}, nemeses ${nemeses.map((n) => n.name).join(',') || 'none'}, ${options.timeS} s; run dir ${dir}`,
  );

  const historyLog = openHistoryLog(join(dir, 'history.jsonl'));
  const recorder = new HistoryRecorder({ sink: historyLog.append });
  const nemesisEvents: NemesisEvent[] = [];
  const harnessAnomalies: Anomaly[] = [];
  const record = (event: NemesisEvent): void => {
    nemesisEvents.push(event);
    writeFileSync(join(dir, 'nemesis.jsonl'), formatNemesisEvent(event) + '\n', { flag: 'a' });
  };
  const onHealFailure = (nemesis: string, error: Error): void => {
    harnessAnomalies.push({
      checker: 'harness',
      kind: 'heal-failed',
      message: `healing ${nemesis} failed: ${error.message.slice(0, 2000)}`,
      ops: [],
    });
    log(`chaos: healing ${nemesis} failed: ${error.message.slice(0, 300)}`);
  };

  const chaos = await ChaosCluster.start({
    size: options.size ?? 3,
    mode,
    args: [...memberArgs, ...(options.args ?? [])],
    ...(usable.includes('clock') && { env: clockEnv }),
  });
  let faults: number;
  const results: CheckResult[] = [];
  try {
    const nemesisContext: NemesisContext = {
      chaos,
      prng: prng.fork(),
      log,
      onCrash: (member, logTail) => {
        harnessAnomalies.push({
          checker: 'harness',
          kind: 'member-crashed',
          message: `member ${member.name} died by itself; the end of its log:\n${logTail}`,
          ops: [],
        });
        log(`chaos: member ${member.name} died by itself`);
      },
    };
    let nextProcess = 0;
    const stopWorkloads = new AbortController();
    // Every client's think time listens on it.
    setMaxListeners(1000, stopWorkloads.signal);
    const workloadContext: WorkloadContext = {
      chaos,
      recorder,
      prng: prng.fork(),
      signal: stopWorkloads.signal,
      opTimeoutMs: options.opTimeoutMs ?? 2000,
      nextProcess: () => nextProcess++,
      faults: () => nemesisEvents,
      runDir: dir,
      log,
    };
    const running = workloads.map((w) => w.run(workloadContext));

    const stopNemeses = new AbortController();
    const timer = setTimeout(() => stopNemeses.abort(), options.timeS * 1000);
    faults = await runSchedule(nemesisContext, {
      nemeses,
      signal: stopNemeses.signal,
      record,
      onHealFailure,
    });
    clearTimeout(timer);

    // Heal everything (each heal is idempotent), then let the clients see a healthy cluster.
    for (const nemesis of nemeses) {
      await nemesis
        .heal(nemesisContext)
        .catch((error: Error) => onHealFailure(nemesis.name, error));
    }
    chaos.heal();
    for (const member of [...chaos.paused]) chaos.resume(member);
    await restartDead(nemesisContext).catch((error: Error) => onHealFailure('restart', error));
    await chaos.stableLeader(60_000).catch((error: Error) => onHealFailure('leader', error));
    stopWorkloads.abort();
    await Promise.all(running);

    const events = recorder.events();
    for (const workload of workloads) {
      log(`chaos: checking ${workload.name} ...`);
      results.push(await workload.check(events, workloadContext));
    }
    const convergence = await chaos.cluster
      .converged(chaos.cluster.running(), 60_000)
      .then(() => undefined)
      .catch((error: Error) => error.message);
    if (convergence !== undefined) {
      harnessAnomalies.push({
        checker: 'harness',
        kind: 'diverged',
        message: `members did not converge on one revision and HashKV: ${convergence}`,
        ops: [],
      });
    }
  } finally {
    historyLog.close();
    // What each member logged since it last started (warnings and errors), for the post-mortem.
    for (const member of chaos.cluster.members) {
      writeFileSync(join(dir, `${member.name}.log`), member.log.slice(-256 * 1024));
    }
    await chaos.destroy();
  }

  const anomalies = [...results.flatMap((r) => r.anomalies), ...harnessAnomalies];
  const operations = recorder.events().filter((e) => e.type === 'invoke').length;
  const passed = anomalies.length === 0 && results.every((r) => r.valid === true);
  const unknown = results.filter((r) => r.valid === 'unknown').map((r) => r.checker);
  const verdict =
    `chaos: ${passed ? 'PASS' : 'FAIL'}: ${operations} operations, ${faults} faults injected, ` +
    `${anomalies.length} anomalies` +
    (unknown.length > 0 ? `, undecided: ${unknown.join(',')}` : '') +
    ` (seed ${options.seed}, ${dir})`;
  writeReport({
    dir,
    options,
    mode,
    events: recorder.events(),
    nemesisEvents,
    results,
    harnessAnomalies,
    verdict,
    startedAt: started,
  });
  return { dir, operations, faults, anomalies, results, passed, verdict };
}
