/**
 * `concord cluster`: a local N-member cluster on loopback for development, one `concord serve`
 * child process per member (./cluster-plan.ts says which ports and directories). It prints the
 * members and a ready-to-paste etcdctl line once every member serves and they agree on a
 * leader; SIGINT (Ctrl-C) or SIGTERM stops them all (SIGTERM to each, then waits). A member
 * that dies is reported, not restarted. Running it again on the same --data-dir restarts the
 * same cluster. Exit codes: 0 when every member was stopped cleanly, 1 when a member failed
 * (to start, to stop, or at any time), 2 on bad flags.
 */
import { durationMsFlag, intFlag, parseFlags } from './args.js';
import {
  ClusterChild,
  defaultServeCommand,
  describeExit,
  type ServeCommand,
} from './cluster-child.js';
import { loadOrCreateShape, saveShape } from './cluster-manifest.js';
import {
  basePortDefault,
  endpointsOf,
  planCluster,
  serveArgs,
  type ClusterPlan,
} from './cluster-plan.js';
import { CommandError, runCommand, UsageError } from './command-error.js';
import { waitForLeader } from './cluster-leader.js';
import { StopSignals } from './stop-signals.js';

export const clusterUsage = `usage: concord cluster [--members 3] [--base-port ${basePortDefault}] [--data-dir ./cluster.concord]
                       [--ready-timeout 60s] [--stop-timeout 20s] [-- more serve flags]

Runs a local cluster of 1, 3, 5 or 7 members on 127.0.0.1 for development. Member i serves
clients on port base+2(i-1) and peers on base+2(i-1)+1 (2379/2380, 2381/2382, 2383/2384, ...),
keeps its data in <data-dir>/member<i>, and is \`concord serve\` with etcd's flags (flags after
\`--\` go to every member). Ctrl-C stops the cluster; running it again restarts the same one.
`;

const membersDefault = 3;

export function cluster(
  argv: readonly string[],
  command: ServeCommand = defaultServeCommand(),
): Promise<number> {
  return runCommand('concord cluster', clusterUsage, async () => {
    const parsed = parseFlags(argv, {
      members: { type: 'string' },
      'base-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'ready-timeout': { type: 'string' },
      'stop-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (parsed.values.help === true) {
      process.stdout.write(clusterUsage);
      return 0;
    }
    if (parsed.positionals.length > 0) {
      throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    }
    const given = (name: 'members' | 'base-port'): number | undefined =>
      parsed.values[name] === undefined ? undefined : intFlag(parsed, name, 0);
    const { shape, existing } = await loadOrCreateShape({
      dataDir:
        typeof parsed.values['data-dir'] === 'string'
          ? parsed.values['data-dir']
          : 'cluster.concord',
      members: given('members'),
      basePort: given('base-port'),
      membersDefault,
      basePortDefault,
    });
    const plan = planCluster(shape);
    if (!existing) await saveShape(shape);
    return run(plan, {
      command,
      extra: parsed.rest,
      readyTimeoutMs: durationMsFlag(parsed, 'ready-timeout', 60_000),
      stopTimeoutMs: durationMsFlag(parsed, 'stop-timeout', 20_000),
      what: `${existing ? 'the existing' : 'a new'} ${plan.members.length}-member cluster in ${shape.dataDir}`,
    });
  });
}

interface RunOptions {
  readonly command: ServeCommand;
  readonly extra: readonly string[];
  readonly readyTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly what: string;
}

async function run(plan: ClusterPlan, options: RunOptions): Promise<number> {
  const say = (line: string): void => void process.stdout.write(`concord cluster: ${line}\n`);
  const complain = (line: string): void => void process.stderr.write(`concord cluster: ${line}\n`);
  const width = Math.max(...plan.members.map((m) => m.name.length));
  const signals = new StopSignals();
  say(`starting ${options.what}`);
  const children = plan.members.map(
    (member) =>
      new ClusterChild(
        member,
        options.command,
        serveArgs(plan, member, options.extra),
        member.name.padEnd(width),
        (line) => void process.stderr.write(`${line}\n`),
      ),
  );
  let stopping = false;
  let failed = false;
  for (const child of children) {
    void child.exited.then((exit) => {
      if (stopping) return;
      failed = true;
      complain(`${child.member.name} exited unexpectedly (${describeExit(exit)}); not restarted`);
    });
  }
  try {
    const started = await Promise.race([
      startAll(plan, children, options.readyTimeoutMs),
      signals.received.then((signal): Started => ({ signal })),
    ]);
    if ('leader' in started) {
      printReady(plan, children, started.leader, say);
      const alive = Promise.all(children.map((c) => c.exited)).then(() => 'every member exited');
      say(`stopping (${await Promise.race([signals.received, alive])})`);
    } else if ('failure' in started) {
      failed = true;
      complain(started.failure);
    } else {
      say(`stopping (${started.signal} while starting)`);
    }
  } finally {
    stopping = true;
    const clean = await stopAll(children, options.stopTimeoutMs, complain);
    signals.dispose();
    failed ||= !clean;
  }
  say(failed ? 'stopped, with failures (above)' : 'stopped');
  return failed ? 1 : 0;
}

/** How starting ended: every member serves and they agree on a leader, or not, or a signal. */
type Started =
  { readonly leader: string } | { readonly failure: string } | { readonly signal: NodeJS.Signals };

async function startAll(
  plan: ClusterPlan,
  children: readonly ClusterChild[],
  timeoutMs: number,
): Promise<Started> {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CommandError(`the members did not all serve within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.all(children.map((c) => c.ready)), timeout]);
    return { leader: await waitForLeader(plan, deadline) };
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

function printReady(
  plan: ClusterPlan,
  children: readonly ClusterChild[],
  leader: string,
  say: (line: string) => void,
): void {
  say(`${plan.members.length} member(s) serving; leader ${leader}`);
  const width = Math.max(...plan.members.map((m) => m.name.length));
  for (const { member: m, pid } of children) {
    process.stdout.write(
      `  ${m.name.padEnd(width)}  client ${m.clientUrl}  peer ${m.peerUrl}  data ${m.dataDir}  pid ${pid}\n`,
    );
  }
  process.stdout.write(
    `ETCDCTL_API=3 etcdctl --endpoints=${endpointsOf(plan)} endpoint status -w table\n`,
  );
  say('Ctrl-C stops every member');
}

/** SIGTERM to each running member, then wait; SIGKILL what has not exited in time. */
async function stopAll(
  children: readonly ClusterChild[],
  timeoutMs: number,
  complain: (line: string) => void,
): Promise<boolean> {
  for (const child of children) child.signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const all = Promise.all(children.map((c) => c.exited));
  if ((await Promise.race([all, late])) === 'late') {
    for (const child of children.filter((c) => c.running)) {
      complain(`${child.member.name} did not stop within ${timeoutMs} ms: killing it`);
      child.signal('SIGKILL');
    }
  }
  clearTimeout(timer);
  const exits = await all;
  exits.forEach((exit, i) => {
    if (exit.code !== 0) complain(`${children[i]!.member.name} stopped with ${describeExit(exit)}`);
  });
  return exits.every((exit) => exit.code === 0);
}
