import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export type GeneratorChoice = 'auto' | 'node' | 'etcd-benchmark';

/** Cluster sizes the bench knows workloads for. */
export const memberCounts = [1, 3] as const;
export type MemberCount = (typeof memberCounts)[number];

export interface BenchOptions {
  /** Cluster sizes to compare, in order (each: an etcd and a Concord cluster of that size). */
  readonly members: readonly MemberCount[];
  /** --heartbeat-interval and --election-timeout (ms), the same for both. */
  readonly heartbeatMs: number;
  readonly electionMs: number;
  /** Measured seconds per figure and server, over all its rounds. */
  readonly seconds: number;
  /** Rounds per figure and server, the servers' taking turns (rounds.ts). */
  readonly rounds: number;
  /**
   * Unmeasured seconds of each workload on each server just before its figure: Concord's JIT
   * compiles a path only after thousands of calls of it, so a figure taken cold (1 client,
   * the first figure of a run) measures compilation, not the server. The same for etcd.
   */
  readonly warmupSeconds: number;
  /**
   * And at least this many requests (etcd-benchmark figures): at 1 client a few seconds are
   * too few calls for the JIT (a 1-client put kept getting faster for its first ~4,000 puts).
   */
  readonly warmupRequests: number;
  /** Workload names or kinds, comma separated, matched by prefix; empty: all. */
  readonly only: string;
  readonly generator: GeneratorChoice;
  /** Node generator: at most this many worker processes per figure. */
  readonly workers: number;
  /** Also run the Node generator on etcd beside etcd-benchmark, to show where it tops out. */
  readonly checkGenerator: boolean;
  /** Write a V8 CPU profile of each Concord member here (node --cpu-prof). */
  readonly cpuProfileDir: string | undefined;
  /** Run Concord from this checkout instead of this one (A/B against another commit). */
  readonly concordRoot: string | undefined;
  /** Append the JSON lines to this file too. */
  readonly jsonFile: string | undefined;
  readonly etcdCommand: string;
}

export const usage = `usage: npm run bench -- [flags]

  --members LIST       cluster sizes, comma separated: 1, 3 or 1,3 (default 3; 1,3 takes about
                       twice as long)
  --heartbeat-interval MS, --election-timeout MS
                       Raft timing for both etcd and Concord (default 100 and 1000, etcd's)
  --seconds N          measured seconds per figure and server (default 4), over its rounds
  --rounds N           rounds per figure and server, etcd's and Concord's taking turns in
                       ABBA order so that the host's drift falls on both alike (default 4;
                       1: one run each, etcd first); each etcd-benchmark round is at least
                       1,000 requests
  --warmup-seconds N   unmeasured seconds of the same workload on the same server before each
                       figure (default 3): measures both warm, not Concord's JIT
  --warmup-requests N  and at least N requests of it (default 5000; both 0: no warm-up), as
                       V8 optimizes a path after thousands of calls of it however long they
                       take; etcd-benchmark figures only (the Node generator's workloads run
                       100 clients and pass 5000 requests within a second)
  --only LIST          workloads by name or kind prefix, comma separated (put, range-s, txn, ...)
  --generator G        auto (etcd-benchmark where it can, else node) | node | etcd-benchmark
  --workers N          Node generator worker processes per figure (default: CPUs, at least 2)
  --check-generator    also run the Node generator on etcd where etcd-benchmark ran (default on
                       when etcd-benchmark is used; --no-check-generator turns it off)
  --cpu-prof DIR       write a CPU profile of each Concord member into DIR
                       (concord-member<i>.cpuprofile; the log names the leader)
  --concord-root DIR   run Concord from another checkout (a git worktree of another commit,
                       with node_modules), to compare commits on the same machine and load
  --json FILE          also write the JSON lines to FILE
  --etcd CMD           the etcd binary (default etcd)
`;

/** Parses the bench's flags; throws with the usage on a bad one. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      members: { type: 'string', default: '3' },
      'heartbeat-interval': { type: 'string', default: '100' },
      'election-timeout': { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '4' },
      rounds: { type: 'string', default: '4' },
      'warmup-seconds': { type: 'string', default: '3' },
      'warmup-requests': { type: 'string', default: '5000' },
      only: { type: 'string', default: '' },
      generator: { type: 'string', default: 'auto' },
      workers: { type: 'string', default: String(Math.max(2, availableParallelism())) },
      'check-generator': { type: 'boolean', default: true },
      'no-check-generator': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
      'concord-root': { type: 'string' },
      etcd: { type: 'string', default: 'etcd' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const seconds = Number(values.seconds);
  if (!(seconds > 0))
    throw new Error(`--seconds ${values.seconds}: want a positive number\n${usage}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds ${values.rounds}: want a positive integer\n${usage}`);
  const warmupSeconds = Number(values['warmup-seconds']);
  if (!(warmupSeconds >= 0))
    throw new Error(
      `--warmup-seconds ${values['warmup-seconds']}: want 0 or a positive number\n${usage}`,
    );
  const warmupRequests = Number(values['warmup-requests']);
  if (!Number.isInteger(warmupRequests) || warmupRequests < 0)
    throw new Error(
      `--warmup-requests ${values['warmup-requests']}: want 0 or a positive integer\n${usage}`,
    );
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1)
    throw new Error(`--workers ${values.workers}: want a positive integer\n${usage}`);
  const generator = values.generator;
  if (generator !== 'auto' && generator !== 'node' && generator !== 'etcd-benchmark')
    throw new Error(`--generator ${generator}: want auto, node or etcd-benchmark\n${usage}`);
  const members = values.members.split(',').map((m) => Number(m.trim()));
  if (members.length === 0 || !members.every((m) => memberCounts.some((c) => c === m)))
    throw new Error(`--members ${values.members}: want 1, 3 or 1,3\n${usage}`);
  const heartbeatMs = Number(values['heartbeat-interval']);
  const electionMs = Number(values['election-timeout']);
  const integers = Number.isInteger(heartbeatMs) && Number.isInteger(electionMs);
  if (!integers || heartbeatMs < 1 || electionMs < 5 * heartbeatMs)
    throw new Error(
      `--heartbeat-interval ${heartbeatMs}, --election-timeout ${electionMs}: want a positive integer and at least 5 times it\n${usage}`,
    );
  return {
    members: members as MemberCount[],
    heartbeatMs,
    electionMs,
    seconds,
    rounds,
    warmupSeconds,
    warmupRequests,
    only: values.only,
    generator,
    workers,
    checkGenerator: values['check-generator'] && !values['no-check-generator'],
    cpuProfileDir: values['cpu-prof'],
    jsonFile: values.json,
    concordRoot: values['concord-root'],
    etcdCommand: values.etcd,
  };
}
