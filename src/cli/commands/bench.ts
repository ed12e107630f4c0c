/**
 * `concord bench put|range|txn`: a small load generator (the shape of etcd's `benchmark`
 * tool): `--clients` concurrent requesters over `--conns` connections, `--total` requests,
 * then throughput and the latency distribution. Keys are `--key-size` bytes in a space of
 * `--key-space-size` keys under a prefix that is deleted at the end (unless --keep).
 */
import { compare, op, type Client } from '../../client/index.js';
import { intFlag, stringFlag } from '../args.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { openClient, parseCommand, positionals, runClientCommand } from './context.js';
import { benchKey, loadStats, runLoad, type LoadStats } from './load.js';
import { untilSignal } from './signals.js';

export const benchUsage = `usage: concord bench put|range|txn [flags]
  put     write keys
  range   read keys (--consistency l|s)
  txn     compare-and-put transactions (a version compare, then a put)
  --conns N            connections (clients), default 1
  --clients N          concurrent requests, default 10
  --total N            requests, default 1000
  --key-size N         bytes per key, default 8
  --val-size N         bytes per value, default 8
  --key-space-size N   distinct keys, default 1000
  --consistency l|s    range: linearizable (default) or serializable
  --prefix P           key prefix, default "bench/"; its keys are deleted afterwards unless --keep
`;

const flags = {
  conns: { type: 'string' },
  clients: { type: 'string' },
  total: { type: 'string' },
  'key-size': { type: 'string' },
  'val-size': { type: 'string' },
  'key-space-size': { type: 'string' },
  consistency: { type: 'string' },
  prefix: { type: 'string' },
  keep: { type: 'boolean' },
} as const;

export function bench(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord bench', benchUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags, ['simple', 'json']);
    const [kind] = positionals(args, ['put|range|txn']);
    if (kind !== 'put' && kind !== 'range' && kind !== 'txn') {
      throw new UsageError(`bench what? put, range or txn, got "${kind}"`);
    }
    const positive = (name: keyof typeof flags, fallback: number): number => {
      const n = intFlag(args, name, fallback);
      if (n <= 0) throw new UsageError(`--${name} must be positive`);
      return n;
    };
    const conns = positive('conns', 1);
    const concurrency = positive('clients', 10);
    const total = positive('total', 1000);
    const keySize = positive('key-size', 8);
    const value = 'v'.repeat(positive('val-size', 8));
    const space = positive('key-space-size', 1000);
    const prefix = stringFlag(args, 'prefix', 'bench/');
    const serializable = stringFlag(args, 'consistency', 'l') === 's';
    const clients = Array.from({ length: conns }, () => openClient(context.clientOptions));
    const key = (i: number): string => benchKey(prefix, i, keySize, space);
    const ops: Record<typeof kind, (client: Client, i: number) => Promise<unknown>> = {
      put: (client, i) => client.put(key(i), value),
      range: (client, i) => client.range(key(i), { serializable }),
      txn: (client, i) =>
        client
          .txn()
          .if(compare.version(key(i), '>', -1))
          .then(op.put(key(i), value))
          .commit(),
    };
    if (kind === 'range') await clients[0]!.put(key(0), value);
    const stop = untilSignal();
    try {
      const result = await runLoad({
        clients,
        concurrency,
        total,
        signal: stop.signal,
        op: ops[kind],
      });
      const stats = loadStats(result);
      process.stdout.write(
        context.format === 'json'
          ? `${jsonText({ operation: kind, conns, clients: concurrency, ...statsJson(stats), error_messages: Object.fromEntries(result.errors) })}\n`
          : summary(stats, result.errors),
      );
      return stats.errors === 0 ? 0 : 1;
    } finally {
      stop.dispose();
      if (args.values.keep !== true) {
        await clients[0]!.delete(prefix, { prefix: true }).catch(() => undefined);
      }
    }
  });
}

export function statsJson(stats: LoadStats): object {
  const ms = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    requests: stats.requests,
    errors: stats.errors,
    total_seconds: ms(stats.totalSeconds),
    requests_per_second: ms(stats.perSecond),
    latency_ms: {
      slowest: ms(stats.slowestMs),
      fastest: ms(stats.fastestMs),
      average: ms(stats.averageMs),
      stddev: ms(stats.stddevMs),
      ...Object.fromEntries(stats.percentiles.map(([p, v]) => [`p${p}`, ms(v)])),
    },
  };
}

/** etcd benchmark's summary. */
function summary(stats: LoadStats, errors: Map<string, number>): string {
  const s = (ms: number): string => (ms / 1000).toFixed(4);
  let text =
    `\nSummary:\n` +
    `  Total:\t${stats.totalSeconds.toFixed(4)} secs.\n` +
    `  Slowest:\t${s(stats.slowestMs)} secs.\n` +
    `  Fastest:\t${s(stats.fastestMs)} secs.\n` +
    `  Average:\t${s(stats.averageMs)} secs.\n` +
    `  Stddev:\t${s(stats.stddevMs)} secs.\n` +
    `  Requests/sec:\t${stats.perSecond.toFixed(4)}\n\n` +
    `Latency distribution:\n` +
    stats.percentiles.map(([p, v]) => `  ${p}% in ${s(v)} secs.\n`).join('');
  if (errors.size > 0) {
    text += `\nErrors (${stats.errors}):\n`;
    for (const [message, count] of errors) text += `  ${count}x ${message}\n`;
  }
  return text;
}
