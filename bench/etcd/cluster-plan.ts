/**
 * The layout of a cluster under test: member names, free loopback ports, data dirs under one
 * temp dir, and the --initial-cluster string. etcd and Concord get the same layout and the
 * same Raft timing, each on its own ports.
 */
import { join } from 'node:path';
import { freePorts } from './free-port.js';

export interface PlannedMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
}

export interface RaftTiming {
  /** --heartbeat-interval, ms (etcd's default 100). */
  readonly heartbeatMs: number;
  /** --election-timeout, ms (etcd's default 1000). */
  readonly electionMs: number;
}

export interface BenchClusterPlan {
  readonly members: readonly PlannedMember[];
  readonly initialCluster: string;
  readonly token: string;
  readonly timing: RaftTiming;
}

export async function planBenchCluster(options: {
  readonly members: number;
  readonly dir: string;
  readonly token: string;
  readonly timing: RaftTiming;
}): Promise<BenchClusterPlan> {
  const ports = await freePorts(2 * options.members);
  const members = Array.from({ length: options.members }, (_, i): PlannedMember => {
    const name = `member${i + 1}`;
    return {
      name,
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: join(options.dir, name),
    };
  });
  return {
    members,
    initialCluster: members.map((m) => `${m.name}=${m.peerUrl}`).join(','),
    token: options.token,
    timing: options.timing,
  };
}

/** etcd's cluster flags for one member; `concord serve` takes the very same ones. */
export function clusterFlags(plan: BenchClusterPlan, member: PlannedMember): string[] {
  return [
    `--name=${member.name}`,
    `--data-dir=${member.dataDir}`,
    `--listen-client-urls=${member.clientUrl}`,
    `--advertise-client-urls=${member.clientUrl}`,
    `--listen-peer-urls=${member.peerUrl}`,
    `--initial-advertise-peer-urls=${member.peerUrl}`,
    `--initial-cluster=${plan.initialCluster}`,
    `--initial-cluster-token=${plan.token}`,
    '--initial-cluster-state=new',
    `--heartbeat-interval=${plan.timing.heartbeatMs}`,
    `--election-timeout=${plan.timing.electionMs}`,
  ];
}
