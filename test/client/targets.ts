/**
 * The servers the client's tests run against, as a table: a real 3-member Concord cluster
 * (loopback) and Debian's etcd (one member). The same test bodies run against each; what
 * differs is said by the target (how many members, whether it promises at-most-once).
 */
import type { Client, ClientOptions } from '../../src/client/index.js';
import { Cluster, type ClusterMember } from '../helpers/cluster-process.js';
import { EtcdProcess, etcdUnavailable } from '../helpers/etcd-process.js';

export interface Target {
  readonly name: string;
  /** Concord: at-most-once writes with request identities. */
  readonly concord: boolean;
  /** Members; with more than one, a crashed member leaves a quorum that keeps serving. */
  readonly size: number;
  /** Every member's host:port. */
  endpoints(): string[];
  /** SIGKILLs the member serving `endpoint`. */
  crash(endpoint: string): Promise<void>;
  /** SIGSTOPs the member serving `endpoint` (it hangs, connections stay open); returns thaw. */
  freeze(endpoint: string): () => void;
  /** Restarts every crashed member on its data dir and address. */
  recover(): Promise<void>;
  destroy(): Promise<void>;
}

/** What the shared test bodies get: the running target, and clients on it (closed for them). */
export interface TargetContext {
  target(): Target;
  open(options?: Partial<ClientOptions>): Client;
}

export interface TargetKind {
  readonly name: string;
  /** A skip message, or false. */
  readonly skip: string | false;
  start(): Promise<Target>;
}

export const targetKinds: readonly TargetKind[] = [
  { name: 'concord (3 members)', skip: false, start: startConcord },
  { name: 'etcd (Debian, 1 member)', skip: etcdUnavailable(), start: startEtcd },
];

async function startConcord(): Promise<Target> {
  const cluster = await Cluster.start({ size: 3 });
  const crashed = new Set<ClusterMember>();
  return {
    name: 'concord',
    concord: true,
    size: 3,
    endpoints: () => cluster.members.map((m) => m.endpoint),
    async crash(endpoint) {
      const member = cluster.members.find((m) => m.endpoint === endpoint);
      if (member === undefined) throw new Error(`no member at ${endpoint}`);
      await member.kill();
      crashed.add(member);
    },
    freeze(endpoint) {
      const pid = cluster.members.find((m) => m.endpoint === endpoint)?.pid;
      if (pid === undefined) throw new Error(`no running member at ${endpoint}`);
      process.kill(pid, 'SIGSTOP');
      return () => process.kill(pid, 'SIGCONT');
    },
    async recover() {
      for (const member of crashed) await member.restart();
      crashed.clear();
      await cluster.leader();
    },
    destroy: () => cluster.destroy(),
  };
}

async function startEtcd(): Promise<Target> {
  const etcd = await EtcdProcess.start();
  return {
    name: 'etcd',
    concord: false,
    size: 1,
    endpoints: () => [etcd.endpoint],
    async crash(endpoint) {
      if (endpoint !== etcd.endpoint) throw new Error(`no member at ${endpoint}`);
      await etcd.kill();
    },
    freeze() {
      throw new Error('freeze() needs a cluster (a single etcd would only hang)');
    },
    async recover() {
      if (!etcd.running) await etcd.restart();
    },
    destroy: () => etcd.destroy(),
  };
}
