/**
 * A cluster for chaos runs: test/helpers/cluster-process.ts's real member processes, plus what
 * the nemeses need: cutting any set of peer links (not just isolating one member), pausing,
 * finding the leader while the cluster is faulted, and a client address per member.
 *
 * Two network modes:
 * - `netns` (root, ip netns, iptables): members in their own namespaces, links cut with
 *   iptables DROP rules inside the member's namespace (real packet loss). The harness reaches
 *   members through client-forwarder.mjs, which runs in the hub namespace and listens on Unix
 *   sockets in the cluster's temp dir.
 * - `proxy` (anywhere): members on 127.0.0.1, each behind a FaultProxy for peer traffic.
 *
 * @example
 * const chaos = await ChaosCluster.start({ size: 3 });
 * chaos.cut([[a], [b, c]]); // a alone on one side
 * chaos.heal();
 * await chaos.destroy();
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import {
  Cluster,
  netnsUnavailable,
  type ClusterMember,
  type ClusterOptions,
} from '../helpers/cluster-process.js';
import { waitFor } from '../helpers/wait.js';
import { EtcdClient } from './client.js';
import { FaultProxy } from './net/fault-proxy.js';

export type NetMode = 'netns' | 'proxy';

export interface ChaosClusterOptions {
  readonly size: number;
  /** Default: netns where the machine allows it, else proxy. */
  readonly mode?: NetMode;
  readonly args?: readonly string[];
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
  readonly env?: ClusterOptions['env'];
}

const forwarderScript = fileURLToPath(new URL('./net/client-forwarder.mjs', import.meta.url));
/** Unix sockets the forwarder opens: member indexes 1..this (members added later included). */
const forwardedMembersMax = 24;

/** Which network mode this machine can run, and why not netns if it cannot. */
export function defaultNetMode(): { mode: NetMode; why?: string } {
  const why = netnsUnavailable();
  return why === false ? { mode: 'netns' } : { mode: 'proxy', why };
}

export class ChaosCluster {
  private readonly proxies = new Map<ClusterMember, FaultProxy>();
  private forwarder: ChildProcess | undefined;
  private readonly clients = new Map<string, EtcdClient>();
  /** Members stopped with SIGSTOP (and not yet continued). */
  readonly paused = new Set<ClusterMember>();
  /** The links cut now, as "name|name" pairs (sorted). */
  private readonly cutLinks = new Set<string>();

  private constructor(
    readonly cluster: Cluster,
    readonly mode: NetMode,
  ) {}

  /**
   * Starts the cluster; once more if the first attempt fails (on a loaded machine five members
   * can miss the helper's start-up deadlines), so a slow start is not a failed run.
   */
  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    try {
      return await ChaosCluster.startOnce(options);
    } catch (error) {
      console.error(`chaos: the cluster did not start (${(error as Error).message}); once more`);
      return ChaosCluster.startOnce(options);
    }
  }

  private static async startOnce(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const mode = options.mode ?? defaultNetMode().mode;
    let chaos: ChaosCluster | undefined;
    const started = Cluster.start({
      size: options.size,
      netns: mode === 'netns',
      peerProxy: mode === 'proxy',
      args: options.args ?? [],
      heartbeatMs: options.heartbeatMs ?? 50,
      electionMs: options.electionMs ?? 500,
      env: options.env,
      prepare: async (c) => {
        chaos = new ChaosCluster(c, mode);
        if (mode === 'netns') await chaos.startForwarder();
        else for (const m of c.members) await chaos.addProxy(m);
      },
    });
    // Cluster.start cleans up its own members on failure; the forwarder and proxies are ours.
    await started.catch(async (error: unknown) => {
      await chaos?.destroy();
      throw error;
    });
    assert.ok(chaos !== undefined);
    return chaos;
  }

  get members(): readonly ClusterMember[] {
    return this.cluster.members;
  }

  /** The gRPC target the harness dials for `member`. */
  endpoint(member: ClusterMember): string {
    if (this.mode === 'proxy') return member.endpoint;
    return `unix:${join(this.cluster.root, 'sock', `${member.name}.sock`)}`;
  }

  /** A client for `member` (one per member, shared; closed by destroy). */
  client(member: ClusterMember, options?: grpc.ChannelOptions): EtcdClient {
    let client = this.clients.get(member.name);
    if (client === undefined) {
      client = new EtcdClient(member.name, this.endpoint(member), options);
      this.clients.set(member.name, client);
    }
    return client;
  }

  /** Reserves a new member (for a membership change): its address, ports and fault proxy. */
  async allocate(): Promise<ClusterMember> {
    const member = await this.cluster.allocate();
    if (this.mode === 'proxy') await this.addProxy(member);
    return member;
  }

  /** Forgets a removed member that has exited. */
  async forget(member: ClusterMember): Promise<void> {
    this.cluster.forget(member);
    await this.proxies.get(member)?.close();
    this.proxies.delete(member);
    this.clients.get(member.name)?.close();
    this.clients.delete(member.name);
  }

  /**
   * Cuts every link between members in different groups; members in no group keep all their
   * links. `cut([[a], [b, c]])` isolates a; a bridge is two groups plus one member in none.
   */
  cut(groups: readonly (readonly ClusterMember[])[]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        for (const a of groups[i]!) for (const b of groups[j]!) this.cutLink(a, b);
      }
    }
  }

  /** Cuts the link between a and b (both directions). */
  cutLink(a: ClusterMember, b: ClusterMember): void {
    const name = [a.name, b.name].sort().join('|');
    if (this.cutLinks.has(name)) return;
    this.cutLinks.add(name);
    if (this.mode === 'netns') {
      assert.ok(a.ns !== undefined);
      iptables(a.ns, ['-A', 'INPUT', '-s', b.host, '-j', 'DROP']);
      iptables(a.ns, ['-A', 'OUTPUT', '-d', b.host, '-j', 'DROP']);
    } else {
      this.proxies.get(a)?.setCut(memberId(b), true);
      this.proxies.get(b)?.setCut(memberId(a), true);
    }
  }

  /** The links cut now, "m1|m2" each. */
  get cutNow(): readonly string[] {
    return [...this.cutLinks];
  }

  /** Restores every link. */
  heal(): void {
    if (this.cutLinks.size === 0) return;
    this.cutLinks.clear();
    if (this.mode === 'netns') this.cluster.heal();
    else for (const proxy of this.proxies.values()) proxy.healAll();
  }

  /** SIGSTOP: the member freezes, its sockets stay open. */
  pause(member: ClusterMember): void {
    assert.ok(member.pid !== undefined, `member ${member.name} is not running`);
    process.kill(member.pid, 'SIGSTOP');
    this.paused.add(member);
  }

  resume(member: ClusterMember): void {
    if (!this.paused.delete(member) || member.pid === undefined) return;
    try {
      process.kill(member.pid, 'SIGCONT');
    } catch {
      // it died meanwhile
    }
  }

  /** Members that run and are not paused. */
  live(): ClusterMember[] {
    return this.cluster.running().filter((m) => !this.paused.has(m));
  }

  /**
   * The leader as the live members see it now (the one in the highest term that calls itself
   * leader), or undefined if none answers as leader within `timeoutMs`. Does not wait for
   * agreement: under a partition a deposed leader may still believe in itself.
   */
  async leaderNow(timeoutMs = 1500): Promise<ClusterMember | undefined> {
    const statuses = await Promise.all(
      this.live().map(async (m) => {
        try {
          const status = await this.client(m).status(timeoutMs);
          return { member: m, ...status };
        } catch {
          return undefined;
        }
      }),
    );
    let best: { member: ClusterMember; term: number } | undefined;
    for (const s of statuses) {
      if (s === undefined || s.leader !== s.memberId) continue;
      if (best === undefined || s.term > best.term) best = { member: s.member, term: s.term };
    }
    return best?.member;
  }

  /** Waits for a leader that every live member agrees on (after faults are healed). */
  async stableLeader(timeoutMs = 30_000): Promise<ClusterMember> {
    return this.cluster.leader(this.live(), timeoutMs);
  }

  async destroy(): Promise<void> {
    for (const m of [...this.paused]) this.resume(m);
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    await this.cluster.destroy();
    for (const proxy of this.proxies.values()) await proxy.close();
    this.proxies.clear();
    this.forwarder?.kill('SIGKILL');
    this.forwarder = undefined;
  }

  private async addProxy(member: ClusterMember): Promise<void> {
    const proxy = new FaultProxy(member.peerPort, member.listenPeerPort);
    await proxy.start();
    this.proxies.set(member, proxy);
  }

  private async startForwarder(): Promise<void> {
    const hub = this.cluster.hub;
    assert.ok(hub !== undefined);
    const dir = join(this.cluster.root, 'sock');
    mkdirSync(dir, { recursive: true });
    const forwarder = spawn(
      'ip',
      [
        ...['netns', 'exec', hub, process.execPath, forwarderScript],
        ...[dir, '10.213.0', '2379', String(forwardedMembersMax)],
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.forwarder = forwarder;
    process.once('exit', () => forwarder.kill('SIGKILL'));
    let out = '';
    await waitFor<void>(
      'the client forwarder in the hub namespace to listen',
      (done, fail) => {
        forwarder.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('forwarding')) done();
        });
        forwarder.once('exit', (code) => fail(new Error(`client forwarder exited (${code})`)));
      },
      30_000,
    );
  }
}

/** A member's ID as a bigint (its hex `id` is known once the cluster has started). */
export function memberId(member: ClusterMember): bigint {
  assert.ok(member.id !== '', `member ${member.name}'s ID is not known yet`);
  return BigInt(`0x${member.id}`);
}

function iptables(ns: string, args: readonly string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, 'iptables', '-w', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}
