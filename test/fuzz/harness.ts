/**
 * A fuzz session against a real 3-member cluster (test/helpers/cluster-process.ts): the
 * leader takes the gRPC, peer and HTTP input; afterwards every member must still agree on
 * revision and HashKV. Shared by the CI test (fuzz.test.ts) and `npm run fuzz` (main.ts).
 */
import { Cluster } from '../helpers/cluster-process.js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { MiB } from '../../src/base/limits.js';
import type { FuzzMember, Phase, SessionReport } from './session.js';
import { runSession } from './session.js';

/**
 * The bound on a member's RSS during a session. An idle member under tsx is ~150-250 MiB; the
 * largest legitimate request is 2 MiB (--max-request-bytes + gRPC overhead), a few in flight.
 */
export const rssMaxBytes = 768 * MiB;

export async function clusterId(endpoint: string): Promise<bigint> {
  const client = rawClient('Maintenance', endpoint);
  try {
    const status = await unaryCall<{ header: { clusterId: string } }>(client, 'Status', {});
    return BigInt(status.header.clusterId);
  } finally {
    client.close();
  }
}

export async function fuzzCluster(options: {
  readonly seed: number;
  readonly phaseMs: Readonly<Record<Phase, number>>;
  readonly log?: (line: string) => void;
}): Promise<{ report: SessionReport; converged: boolean; convergeError?: string }> {
  const cluster = await Cluster.start({ size: 3 });
  try {
    const leader = await cluster.leader();
    const ordered = [leader, ...cluster.members.filter((m) => m !== leader)];
    const members: FuzzMember[] = ordered.map((m) => ({
      name: m.name,
      endpoint: m.endpoint,
      url: m.clientUrl,
      pid: m.pid ?? 0,
      peerHost: m.host,
      peerPort: m.listenPeerPort,
    }));
    const report = await runSession({
      members,
      clusterId: await clusterId(leader.endpoint),
      seed: options.seed,
      phaseMs: options.phaseMs,
      rssMaxBytes,
      ...(options.log !== undefined ? { log: options.log } : {}),
    });
    for (const m of cluster.members) {
      if (report.findings.some((f) => f.reason.includes(`member ${m.name} died`))) {
        options.log?.(`fuzz: ${m.name}'s last log lines:\n${m.log.slice(-3000)}`);
      }
    }
    try {
      await cluster.converged(cluster.running(), 30_000);
      return { report, converged: true };
    } catch (error) {
      return { report, converged: false, convergeError: String(error) };
    }
  } finally {
    await cluster.destroy();
  }
}
