/**
 * A real Concord cluster as child processes (`concord serve` through tsx), for test/cluster:
 * each member with its own data dir under one temp dir, fixed client and peer ports (peers
 * must know each other's URLs before any starts, and a restarted member keeps its URLs).
 *
 * Two network set-ups:
 * - loopback (default): members on 127.0.0.1, free ports picked up front.
 * - `netns: true`: each member in its own network namespace (10.213.0.N, ports 2379/2380),
 *   joined through a bridge in a hub namespace (10.213.0.254), where the tests' etcdctl runs.
 *   `partition(member)` cuts that member's peer traffic with iptables inside its own
 *   namespace; `heal()` removes the rules. Only addresses inside namespaces this helper
 *   created are used; the host's own network is never touched.
 *
 * Everything a cluster creates (processes, namespaces, the temp dir) is removed by
 * `destroy()`, and as a last resort on process exit.
 *
 * @example
 * const cluster = await Cluster.start({ size: 3 });
 * try {
 *   const leader = await cluster.leader();
 *   await leader.kill();
 * } finally {
 *   await cluster.destroy();
 * }
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { etcdctlBinary } from './etcdctl.js';
import { freePort } from './free-port.js';
import { eventually, waitFor } from './wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const readyLine = 'concord: serving client requests on ';
const subnet = '10.213.0';
const hubAddress = `${subnet}.254`;

export interface ClusterOptions {
  /** Members (default 3). */
  readonly size?: number;
  /** Flags for every member, after the ones the helper sets. */
  readonly args?: readonly string[];
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
  /** Run each member in its own network namespace (needs root, ip, iptables). */
  readonly netns?: boolean;
  /** Called once the members are allocated, before any starts (to restore data dirs, say). */
  readonly prepare?: (cluster: Cluster) => Promise<void>;
  /**
   * Loopback only: each member listens for peers on a port of its own and advertises another
   * (`peerPort`), where the caller puts a fault proxy (test/chaos) in front of it.
   */
  readonly peerProxy?: boolean;
  /** Extra environment per member start (failpoints, libfaketime), after process.env. */
  readonly env?: (member: ClusterMember) => NodeJS.ProcessEnv | undefined;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One member process: fixed URLs, its data dir, its log. */
export class ClusterMember {
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private logText = '';
  private readonly logListeners = new Set<() => void>();
  /** Its member ID in hex (as etcdctl prints it), known once the cluster has started. */
  id = '';

  constructor(
    readonly cluster: Cluster,
    readonly name: string,
    readonly host: string,
    readonly clientPort: number,
    readonly peerPort: number,
    /** Its network namespace, in netns mode. */
    readonly ns: string | undefined,
    /** Where it listens for peers: `peerPort` unless a proxy sits in front of it. */
    readonly listenPeerPort: number = peerPort,
  ) {}

  get clientUrl(): string {
    return `http://${this.host}:${this.clientPort}`;
  }
  get peerUrl(): string {
    return `http://${this.host}:${this.peerPort}`;
  }
  /** host:port, as etcdctl wants it. */
  get endpoint(): string {
    return `${this.host}:${this.clientPort}`;
  }
  get dataDir(): string {
    return join(this.cluster.root, this.name);
  }
  get running(): boolean {
    return this.child !== undefined;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  /** What the member logged (JSON lines on stderr) since it last started (the last 4 MiB). */
  get log(): string {
    return this.logText;
  }

  /** Starts the process and resolves once it serves clients. */
  async start(options: {
    state: 'new' | 'existing';
    initialCluster: string;
    args?: readonly string[];
    env?: NodeJS.ProcessEnv;
  }): Promise<void> {
    assert.equal(this.child, undefined, `member ${this.name} is already running`);
    const { heartbeatMs, electionMs } = this.cluster;
    const serve = [
      '--import',
      'tsx',
      'src/cli/bin.ts',
      'serve',
      ...['--name', this.name, '--data-dir', this.dataDir],
      ...['--listen-client-urls', this.clientUrl, '--advertise-client-urls', this.clientUrl],
      ...['--listen-peer-urls', `http://${this.host}:${this.listenPeerPort}`],
      ...['--initial-advertise-peer-urls', this.peerUrl],
      ...['--initial-cluster', options.initialCluster],
      ...['--initial-cluster-token', this.cluster.token],
      ...['--initial-cluster-state', options.state],
      ...['--heartbeat-interval', String(heartbeatMs), '--election-timeout', String(electionMs)],
      ...this.cluster.args,
      ...(options.args ?? []),
    ];
    // `ip netns exec` execs the command, so the child's pid is the member's own.
    const [command, args] =
      this.ns === undefined
        ? [process.execPath, serve]
        : ['ip', ['netns', 'exec', this.ns, process.execPath, ...serve]];
    const env = { ...process.env, ...this.cluster.env?.(this), ...options.env };
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    this.logText = '';
    const exited = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.exited = exited;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.logText = (this.logText + chunk.toString()).slice(-4 * 1024 * 1024);
      for (const listener of [...this.logListeners]) listener();
    });
    let stdout = '';
    await waitFor<void>(
      `member ${this.name} to print "${readyLine.trim()}"`,
      (done, fail) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes(readyLine)) done();
        });
        void exited.then((exit) =>
          fail(
            new Error(
              `member ${this.name} exited (${JSON.stringify(exit)}) before serving; log:\n${this.logText.slice(-4000)}`,
            ),
          ),
        );
      },
      30_000,
    ).catch(async (error: unknown) => {
      if (this.child !== undefined) await this.kill();
      throw error;
    });
    child.stdout?.resume();
  }

  /** Starts it again on its data dir (the flags that name the cluster are then ignored). */
  restart(args?: readonly string[], env?: NodeJS.ProcessEnv): Promise<void> {
    return this.start({
      state: 'existing',
      initialCluster: this.cluster.initialCluster(),
      args,
      env,
    });
  }

  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill(): Promise<Exit> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM, and assert a clean exit. */
  async stop(): Promise<void> {
    const exit = await this.signal('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, `member ${this.name} should exit 0`);
  }

  /** Resolves once the process exits by itself (a removed member does). */
  exit(timeoutMs: number): Promise<Exit> {
    const exited = this.exited;
    assert.ok(exited !== undefined, `member ${this.name} is not running`);
    return waitFor<Exit>(
      `member ${this.name} to exit`,
      (done) => void exited.then(done),
      timeoutMs,
    ).then((exit) => {
      this.child = undefined;
      this.exited = undefined;
      return exit;
    });
  }

  /** Resolves once the member's log has a line containing `text` (logged since it started). */
  logged(text: string, timeoutMs: number): Promise<void> {
    return waitFor<void>(
      `member ${this.name} to log "${text}"`,
      (done) => {
        const check = (): void => {
          if (!this.logText.includes(text)) return;
          this.logListeners.delete(check);
          done();
        };
        this.logListeners.add(check);
        check();
      },
      timeoutMs,
    );
  }

  /** An etcd3 client for this member alone, without the client's retries or circuit breaker. */
  client(): Etcd3 {
    return this.cluster.client([this]);
  }

  private async signal(signal: NodeJS.Signals): Promise<Exit> {
    const child = this.child;
    const exited = this.exited;
    assert.ok(child !== undefined && exited !== undefined, `member ${this.name} is not running`);
    child.kill(signal);
    const exit = await waitFor<Exit>(
      `member ${this.name} (pid ${child.pid}) to exit after ${signal}`,
      (done) => void exited.then(done),
      15_000,
    );
    this.child = undefined;
    this.exited = undefined;
    return exit;
  }

  /** For process exit: SIGKILL without waiting. */
  killSync(): void {
    if (this.child?.pid === undefined) return;
    try {
      process.kill(this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface CtlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * etcdctl (3.4) against chosen members, run in the hub namespace in netns mode. Its JSON
 * output is parsed with 64-bit IDs kept exact (as strings).
 */
export class ClusterCtl {
  constructor(
    private readonly endpoints: () => readonly ClusterMember[],
    private readonly ns: string | undefined,
  ) {}

  run(args: readonly string[], timeoutMs = 20_000): Promise<CtlRun> {
    assert.ok(etcdctlBinary !== undefined, 'etcdctl is not installed');
    const endpoints = this.endpoints()
      .map((m) => m.endpoint)
      .join(',');
    const full = [`--endpoints=${endpoints}`, '--command-timeout=5s', ...args];
    const [command, argv] =
      this.ns === undefined
        ? [etcdctlBinary, full]
        : ['ip', ['netns', 'exec', this.ns, etcdctlBinary, ...full]];
    return new Promise((resolve) => {
      execFile(
        command,
        argv,
        { env: { ...process.env, ETCDCTL_API: '3' }, timeout: timeoutMs },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async ok(...args: string[]): Promise<string> {
    const run = await this.run(args);
    assert.equal(run.code, 0, `etcdctl ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
    return run.stdout;
  }

  async json<T>(...args: string[]): Promise<T> {
    return parseJson<T>(await this.ok(...args, '-w', 'json'));
  }
}

/** JSON.parse, with integers of 16 digits or more (64-bit IDs) kept as strings. */
export function parseJson<T>(text: string): T {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as T;
}

/** A member's status as `etcdctl endpoint status -w json` prints it. */
export interface EndpointStatus {
  Endpoint: string;
  Status: {
    header: { cluster_id: string | number; member_id: string | number; revision: number };
    leader: string | number;
    raftIndex: number;
    raftTerm: number;
    raftAppliedIndex?: number;
    isLearner?: boolean;
    dbSize: number;
    version: string;
  };
}

export interface EndpointHash {
  Endpoint: string;
  HashKV: { header: { revision: number }; hash: number; compact_revision: number };
}

const liveClusters = new Set<Cluster>();

export class Cluster {
  readonly members: ClusterMember[] = [];
  readonly root: string;
  readonly token: string;
  readonly heartbeatMs: number;
  readonly electionMs: number;
  readonly args: readonly string[];
  readonly env: ClusterOptions['env'];
  private readonly peerProxy: boolean;
  private readonly clients: Etcd3[] = [];
  private readonly namespaces: string[] = [];
  /** The hub namespace (netns mode), where etcdctl runs. */
  readonly hub: string | undefined;
  private readonly prefix: string;
  private nextIndex = 1;

  private constructor(options: ClusterOptions) {
    this.root = mkdtempSync(join(tmpdir(), 'concord-cluster-'));
    this.token = `cluster-${process.pid}-${Date.now()}`;
    this.heartbeatMs = options.heartbeatMs ?? 50;
    this.electionMs = options.electionMs ?? 500;
    this.args = options.args ?? [];
    this.env = options.env;
    this.peerProxy = options.peerProxy === true;
    this.prefix = `cc${process.pid % 100_000}`;
    this.hub = options.netns === true ? `${this.prefix}-hub` : undefined;
    liveClusters.add(this);
  }

  /** Starts `size` members as a new cluster and waits until they agree on a leader. */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(options);
    try {
      if (cluster.hub !== undefined) cluster.createHub();
      for (let i = 0; i < (options.size ?? 3); i++) await cluster.allocate();
      await options.prepare?.(cluster);
      const initialCluster = cluster.initialCluster();
      await Promise.all(cluster.members.map((m) => m.start({ state: 'new', initialCluster })));
      await cluster.leader();
      await cluster.learnIds();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** name=peerUrl,... for the members this helper knows of. */
  initialCluster(members: readonly ClusterMember[] = this.members): string {
    return members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  }

  /** Reserves a new member's name, address and ports (not started, not added). */
  async allocate(): Promise<ClusterMember> {
    const index = this.nextIndex++;
    const name = `m${index}`;
    let member: ClusterMember;
    if (this.hub === undefined) {
      const peerPort = await freePort();
      member = new ClusterMember(
        this,
        name,
        '127.0.0.1',
        await freePort(),
        peerPort,
        undefined,
        this.peerProxy ? await freePort() : peerPort,
      );
    } else {
      const ns = `${this.prefix}-${name}`;
      this.createMemberNamespace(ns, index);
      member = new ClusterMember(this, name, `${subnet}.${index}`, 2379, 2380, ns);
    }
    this.members.push(member);
    return member;
  }

  /** Forgets a member (after it was removed from the cluster and has exited). */
  forget(member: ClusterMember): void {
    assert.ok(!member.running, `member ${member.name} still runs`);
    this.members.splice(this.members.indexOf(member), 1);
  }

  running(): ClusterMember[] {
    return this.members.filter((m) => m.running);
  }

  /** etcdctl against `members` (default: every running member). */
  ctl(members?: readonly ClusterMember[]): ClusterCtl {
    return new ClusterCtl(() => members ?? this.running(), this.hub);
  }

  /** Runs `concord <args>` (not serve) to completion. */
  concord(args: readonly string[]): Promise<CtlRun> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/bin.ts', ...args],
        { cwd: repoRoot, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** An etcd3 client over `members`, without retries or a circuit breaker; closed by destroy(). */
  client(members: readonly ClusterMember[] = this.running()): Etcd3 {
    assert.equal(this.hub, undefined, 'etcd3 clients cannot reach members in namespaces');
    const client = new Etcd3({
      hosts: members.map((m) => m.clientUrl),
      faultHandling: { host: () => noop, global: noop },
    });
    this.clients.push(client);
    return client;
  }

  /** Every running member's status (members that do not answer are left out). */
  async statuses(members: readonly ClusterMember[] = this.running()): Promise<EndpointStatus[]> {
    const run = await this.ctl(members).run(['endpoint', 'status', '-w', 'json']);
    if (run.stdout.trim() === '') return [];
    return parseJson<EndpointStatus[]>(run.stdout);
  }

  /**
   * The leader that every running member (or every one given) agrees on and that is one of
   * them, waiting for one (at most `timeoutMs`).
   */
  async leader(
    members: readonly ClusterMember[] = this.running(),
    timeoutMs = 15_000,
  ): Promise<ClusterMember> {
    const statuses = await eventually(
      `members ${members.map((m) => m.name).join(',')} to agree on a leader`,
      () => this.statuses(members),
      (list) =>
        list.length === members.length &&
        new Set(list.map((s) => String(s.Status.leader))).size === 1 &&
        list.some((s) => String(s.Status.header.member_id) === String(s.Status.leader)),
      { timeoutMs, intervalMs: 50 },
    );
    const leaderId = BigInt(String(statuses[0]?.Status.leader));
    for (const s of statuses) {
      const member = members.find((m) => m.endpoint === s.Endpoint);
      if (member !== undefined) member.id = BigInt(String(s.Status.header.member_id)).toString(16);
    }
    const leader = members.find((m) => m.id !== '' && BigInt(`0x${m.id}`) === leaderId);
    assert.ok(leader !== undefined, `the leader ${leaderId.toString(16)} is not a member here`);
    return leader;
  }

  /** Learns every running member's ID (hex) from its own status. */
  async learnIds(): Promise<void> {
    for (const s of await this.statuses()) {
      const member = this.members.find((m) => m.endpoint === s.Endpoint);
      if (member !== undefined) member.id = BigInt(String(s.Status.header.member_id)).toString(16);
    }
  }

  /**
   * Waits until every member given has applied the same revision and has the same HashKV
   * there; returns that hash and revision.
   */
  async converged(
    members: readonly ClusterMember[] = this.running(),
    timeoutMs = 15_000,
  ): Promise<{ hash: number; revision: number }> {
    const hashes = await eventually(
      `members ${members.map((m) => m.name).join(',')} to reach the same revision and HashKV`,
      async () => {
        const run = await this.ctl(members).run(['endpoint', 'hashkv', '-w', 'json']);
        return run.code === 0 ? parseJson<EndpointHash[]>(run.stdout) : [];
      },
      (list) =>
        list.length === members.length &&
        new Set(list.map((h) => `${h.HashKV.hash}@${h.HashKV.header.revision}`)).size === 1,
      { timeoutMs, intervalMs: 100 },
    );
    const first = hashes[0];
    assert.ok(first !== undefined);
    return { hash: first.HashKV.hash, revision: first.HashKV.header.revision };
  }

  /** Cuts `member`'s peer traffic to and from every other member (netns mode). */
  partition(member: ClusterMember): void {
    assert.ok(member.ns !== undefined, 'partition() needs netns mode');
    for (const other of this.members) {
      if (other === member) continue;
      iptables(member.ns, ['-A', 'INPUT', '-s', other.host, '-j', 'DROP']);
      iptables(member.ns, ['-A', 'OUTPUT', '-d', other.host, '-j', 'DROP']);
    }
  }

  /** Removes every partition rule. */
  heal(): void {
    for (const member of this.members) {
      if (member.ns === undefined) continue;
      iptables(member.ns, ['-F', 'INPUT']);
      iptables(member.ns, ['-F', 'OUTPUT']);
    }
  }

  /** Kills every member, closes clients, deletes namespaces and the temp dir. Idempotent. */
  async destroy(): Promise<void> {
    for (const client of this.clients.splice(0)) client.close();
    await Promise.all(this.members.filter((m) => m.running).map((m) => m.kill()));
    this.destroySync();
  }

  private destroySync(): void {
    for (const member of this.members) member.killSync();
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    rmSync(this.root, { recursive: true, force: true });
    liveClusters.delete(this);
  }

  /** Kills whatever is left, for process exit. */
  static destroyAllSync(): void {
    for (const cluster of [...liveClusters]) cluster.destroySync();
  }

  private createHub(): void {
    const hub = this.hub as string;
    this.addNamespace(hub);
    ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'addr', 'add', `${hubAddress}/24`, 'dev', 'br0']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
  }

  /** A member's namespace: eth0 (10.213.0.N) paired with a port on the hub's bridge. */
  private createMemberNamespace(ns: string, index: number): void {
    const hub = this.hub as string;
    this.addNamespace(ns);
    const port = `p${index}`;
    ip(['-n', hub, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ip(['-n', hub, 'link', 'set', port, 'master', 'br0', 'up']);
    ip(['-n', ns, 'addr', 'add', `${subnet}.${index}/24`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  }

  private addNamespace(ns: string): void {
    // A namespace left by an earlier run that died: start clean.
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // none
    }
    ip(['netns', 'add', ns]);
    this.namespaces.push(ns);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  }
}

function ip(args: readonly string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function iptables(ns: string, args: readonly string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, 'iptables', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/**
 * Flags that make a member snapshot every `count` applied entries and keep `catchUpEntries`
 * after each snapshot: small, so that a member that falls behind catches up by snapshot.
 */
export function snapshotFlags(count: number, catchUpEntries: number): string[] {
  return [
    '--snapshot-count',
    String(count),
    '--experimental-snapshot-catchup-entries',
    String(catchUpEntries),
  ];
}

/** Why netns mode cannot run here, or false if it can (root, ip netns, iptables). */
export function netnsUnavailable(): string | false {
  const probe = `ccprobe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
  } catch {
    return 'network namespaces unavailable (needs root and iproute2): skipping';
  }
  try {
    execFileSync('ip', ['netns', 'exec', probe, 'iptables', '-L', '-n'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'iptables unavailable inside a network namespace (apt-get install iptables): skipping';
  } finally {
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  }
}

// The last resort when a test file dies without its `after` hooks: no orphans.
process.once('exit', () => Cluster.destroyAllSync());
