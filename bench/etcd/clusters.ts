/**
 * A cluster under test: N etcd members (Debian's etcd-server) or N `concord serve` members
 * from this checkout, on free loopback ports with one temp dir, the same Raft timing, both
 * fsyncing their WAL before acknowledging. Started together (a member is ready only once a
 * quorum is up), stopped together, its dir removed: all through the bench's Cleanup, so an
 * error or a signal leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';
import { waitForLeader, type Leadership } from './cluster-leader.js';
import {
  clusterFlags,
  planBenchCluster,
  type BenchClusterPlan,
  type PlannedMember,
  type RaftTiming,
} from './cluster-plan.js';
import type { LoadTarget } from './load-target.js';
import { waitWritable } from './node-gen/ready.js';
import { spawnServer, type ServerProcess, type SpawnOptions } from './server-process.js';
import type { WorkloadTarget } from './workloads.js';

const startTimeoutMs = 60_000;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchCluster {
  readonly server: 'etcd' | 'concord';
  readonly members: readonly ServerProcess[];
  /** Who leads now (every member asked; waits out an election in progress). */
  leadership(): Promise<Leadership>;
  /** The load target for a workload: the leader alone, or every member with the leader first. */
  target(where: WorkloadTarget, leadership: Leadership): LoadTarget;
}

export interface ClusterOptions {
  readonly server: 'etcd' | 'concord';
  readonly members: number;
  readonly timing: RaftTiming;
  /** etcd: the binary (default etcd). */
  readonly etcdCommand?: string;
  /** concord: write each member's V8 CPU profile here as <member>.cpuprofile when it stops. */
  readonly cpuProfileDir?: string;
  /** concord: run `src/cli/bin.ts` of this checkout (default: this one), e.g. an older commit. */
  readonly concordRoot?: string;
}

function memberSpawn(
  options: ClusterOptions,
  plan: BenchClusterPlan,
  member: PlannedMember,
): SpawnOptions {
  const host = new URL(member.clientUrl).host;
  const base = { name: `${options.server}-${member.name}`, startTimeoutMs };
  if (options.server === 'etcd')
    return {
      ...base,
      command: options.etcdCommand ?? 'etcd',
      args: [...clusterFlags(plan, member), '--logger=zap', '--log-outputs=stderr'],
      // 3.4 with zap logs this once the member is published (the cluster has a leader).
      ready: (line) => (/serving client traffic insecurely/.test(line) ? host : undefined),
    };
  const profile =
    options.cpuProfileDir === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${options.cpuProfileDir}`,
          `--cpu-prof-name=concord-${member.name}.cpuprofile`,
        ];
  const root = options.concordRoot ?? repoRoot;
  return {
    ...base,
    command: process.execPath,
    args: [
      ...profile,
      '--import',
      'tsx',
      join(root, 'src/cli/bin.ts'),
      'serve',
      ...clusterFlags(plan, member),
      '--log-level=warn',
    ],
    cwd: root,
    ready: (line) => (/^concord: serving client requests on /.test(line) ? host : undefined),
  };
}

/** Starts every member at once; on any failure stops those that did start, then throws. */
export async function startCluster(
  cleanup: Cleanup,
  options: ClusterOptions,
): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), `concord-bench-${options.server}-`));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const plan = await planBenchCluster({
    members: options.members,
    dir,
    token: `bench-${options.server}`,
    timing: options.timing,
  });
  const started = await Promise.allSettled(
    plan.members.map((m) => spawnServer(memberSpawn(options, plan, m))),
  );
  const members = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  cleanup.add(`stop ${options.server} cluster`, async () => {
    await Promise.all(members.map((m) => m.stop()));
  });
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const endpoints = members.map((m) => m.endpoint);
  const first = await waitForLeader(endpoints, startTimeoutMs);
  await waitWritable(endpoints[first.leader]!);
  return {
    server: options.server,
    members,
    leadership: () => waitForLeader(endpoints, startTimeoutMs),
    target: (where, leadership) => {
      const leader = members[leadership.leader]!;
      const chosen =
        where === 'leader' ? [leader] : [leader, ...members.filter((m) => m !== leader)];
      return {
        server: options.server,
        members: members.length,
        endpoints: chosen.map((m) => m.endpoint),
        cpuSeconds: () => members.reduce((sum, m) => sum + m.cpuSeconds(), 0),
      };
    },
  };
}
