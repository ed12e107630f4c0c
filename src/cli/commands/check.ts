/**
 * `concord check perf`: etcdctl's check perf. Writes at a target rate for a while (the
 * `--load` levels are etcdctl's: s, m, l, xl) and checks that the cluster kept up:
 * throughput at least 90% of the target, slowest request under 500 ms, standard deviation
 * under 100 ms (etcdctl's thresholds), and 99th percentile under 100 ms. Prints PASS or FAIL
 * per check and overall; exit code 0 on PASS, 1 on FAIL. The keys it writes (under
 * `--prefix`) are deleted afterwards.
 */
import { durationMsFlag, stringFlag } from '../args.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { statsJson } from './bench.js';
import { globalFlags, openClient, parseCommand, positionals, runClientCommand } from './context.js';
import { loadStats, runLoad } from './load.js';
import { untilSignal } from './signals.js';
import { takeAction } from './split-argv.js';

export const checkUsage = `usage: concord check perf [flags]
  write at a target rate and check throughput and latency against thresholds: PASS or FAIL
  --load s|m|l|xl     s: 150 writes/s by 50 clients (default), m: 1000 by 200,
                      l: 8000 by 500, xl: 15000 by 1000 (etcdctl's levels)
  --duration 60s      how long to write (etcdctl: 60 s)
  --prefix P          where the keys go (default /concord-check-perf/; deleted afterwards)
`;

const loads = {
  s: { rate: 150, clients: 50 },
  m: { rate: 1000, clients: 200 },
  l: { rate: 8000, clients: 500 },
  xl: { rate: 15000, clients: 1000 },
} as const;

const flags = {
  load: { type: 'string' },
  duration: { type: 'string' },
  prefix: { type: 'string' },
} as const;

/** Connections for the load (etcdctl opens clients/10... kept small: one per 50 clients). */
const clientsPerConnection = 50;

export function check(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord check', checkUsage, argv, async () => {
    const { action: what, rest } = takeAction(argv, { ...globalFlags, ...flags });
    if (what !== 'perf') {
      throw new UsageError(
        what === undefined ? 'missing a subcommand (perf)' : `unknown subcommand "${what}"`,
      );
    }
    const { args, context } = parseCommand(rest, flags, ['simple', 'json']);
    positionals(args, []);
    const level = stringFlag(args, 'load', 's');
    if (!(level in loads)) throw new UsageError(`--load must be s, m, l or xl, got "${level}"`);
    const { rate, clients } = loads[level as keyof typeof loads];
    const durationMs = durationMsFlag(args, 'duration', 60_000);
    const prefix = stringFlag(args, 'prefix', '/concord-check-perf/');
    const conns = Array.from({ length: Math.ceil(clients / clientsPerConnection) }, () =>
      openClient(context.clientOptions),
    );
    const value = Buffer.alloc(1024, 'x');
    const stop = untilSignal();
    const progress = showProgress(durationMs);
    try {
      const result = await runLoad({
        clients: conns,
        concurrency: clients,
        durationMs,
        rate,
        signal: stop.signal,
        op: (client, i) => client.put(`${prefix}${String(i).padStart(8, '0')}`, value),
        onDone: progress.count,
      });
      progress.finish();
      const stats = loadStats(result);
      const p99 = stats.percentiles.find(([p]) => p === 99)?.[1] ?? 0;
      const checks = [
        {
          name: 'throughput',
          pass: stats.perSecond >= rate * 0.9,
          text: `Throughput is ${Math.round(stats.perSecond)} writes/s (target ${rate})`,
        },
        {
          name: 'slowest',
          pass: stats.slowestMs < 500,
          text: `Slowest request took ${(stats.slowestMs / 1000).toFixed(6)}s (limit 0.5s)`,
        },
        {
          name: 'stddev',
          pass: stats.stddevMs < 100,
          text: `Stddev is ${(stats.stddevMs / 1000).toFixed(6)}s (limit 0.1s)`,
        },
        {
          name: 'p99',
          pass: p99 < 100,
          text: `99th percentile latency is ${(p99 / 1000).toFixed(6)}s (limit 0.1s)`,
        },
        {
          name: 'errors',
          pass: stats.errors === 0,
          text: `${stats.errors} requests failed`,
        },
      ];
      const pass = checks.every((c) => c.pass);
      if (context.format === 'json') {
        process.stdout.write(
          `${jsonText({ load: level, target_rate: rate, clients, ...statsJson(stats), checks: checks.map(({ name, pass: ok }) => ({ name, pass: ok })), pass })}\n`,
        );
      } else {
        for (const c of checks) process.stdout.write(`${c.pass ? 'PASS' : 'FAIL'}: ${c.text}\n`);
        process.stdout.write(pass ? 'PASS\n' : 'FAIL\n');
      }
      return pass ? 0 : 1;
    } finally {
      progress.finish();
      stop.dispose();
      await conns[0]!.delete(prefix, { prefix: true }).catch(() => undefined);
    }
  });
}

/** A once-a-second `12 / 60 s, 1800 writes` line on stderr, when it is a terminal. */
function showProgress(durationMs: number): { count: (done: number) => void; finish: () => void } {
  if (process.stderr.isTTY !== true) return { count: () => undefined, finish: () => undefined };
  const started = Date.now();
  let done = 0;
  let finished = false;
  const timer = setInterval(() => {
    const seconds = Math.min(durationMs, Date.now() - started) / 1000;
    process.stderr.write(
      `\r${seconds.toFixed(0)} / ${(durationMs / 1000).toFixed(0)} s, ${done} writes\x1b[K`,
    );
  }, 1000);
  return {
    count: (n) => (done = n),
    finish: () => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}
