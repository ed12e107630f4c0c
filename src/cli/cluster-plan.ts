/**
 * The layout of a local development cluster (`concord cluster`): names, ports, URLs and data
 * directories, computed from the member count, a base port and a data directory.
 *
 * Ports: member i (from 1) serves clients on base + 2(i-1) and peers on base + 2(i-1) + 1, so
 * with the default base 2379 the first member has etcd's default ports (2379, 2380), the
 * second 2381 and 2382, the third 2383 and 2384, and so on. Everything binds to 127.0.0.1.
 */
import { join } from 'node:path';
import { UsageError } from './command-error.js';

/** Raft wants an odd number of voters; more than 7 only slows agreement down. */
export const clusterSizes: readonly number[] = [1, 3, 5, 7];
export const basePortDefault = 2379;
const portMax = 65_535;

export interface PlannedMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
}

export interface ClusterPlan {
  readonly members: readonly PlannedMember[];
  readonly token: string;
  /** --initial-cluster: name=peer-url,... */
  readonly initialCluster: string;
}

export interface ClusterShape {
  readonly members: number;
  readonly basePort: number;
  readonly dataDir: string;
  readonly token: string;
}

export function planCluster(shape: ClusterShape): ClusterPlan {
  if (!clusterSizes.includes(shape.members)) {
    throw new UsageError(`--members must be 1, 3, 5 or 7, got ${shape.members}`);
  }
  const lastPort = shape.basePort + 2 * shape.members - 1;
  if (shape.basePort < 1 || lastPort > portMax) {
    throw new UsageError(
      `--base-port ${shape.basePort}: ${shape.members} members need ports ${shape.basePort}..${lastPort}, within 1..${portMax}`,
    );
  }
  const members = Array.from({ length: shape.members }, (_, i): PlannedMember => {
    const name = `member${i + 1}`;
    return {
      name,
      clientUrl: `http://127.0.0.1:${shape.basePort + 2 * i}`,
      peerUrl: `http://127.0.0.1:${shape.basePort + 2 * i + 1}`,
      dataDir: join(shape.dataDir, name),
    };
  });
  return {
    members,
    token: shape.token,
    initialCluster: members.map((m) => `${m.name}=${m.peerUrl}`).join(','),
  };
}

/** `concord serve`'s flags for one member (etcd's names), then the user's extra flags. */
export function serveArgs(
  plan: ClusterPlan,
  member: PlannedMember,
  extra: readonly string[],
): string[] {
  return [
    '--name',
    member.name,
    '--data-dir',
    member.dataDir,
    '--listen-client-urls',
    member.clientUrl,
    '--advertise-client-urls',
    member.clientUrl,
    '--listen-peer-urls',
    member.peerUrl,
    '--initial-advertise-peer-urls',
    member.peerUrl,
    '--initial-cluster',
    plan.initialCluster,
    '--initial-cluster-token',
    plan.token,
    '--initial-cluster-state',
    'new',
    ...extra,
  ];
}

/** host:port,host:port,... as etcdctl's --endpoints wants it. */
export function endpointsOf(plan: ClusterPlan): string {
  return plan.members.map((m) => new URL(m.clientUrl).host).join(',');
}
