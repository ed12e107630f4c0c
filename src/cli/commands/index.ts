/**
 * The client commands (etcdctl's, for people and scripts): each reaches the cluster only
 * through Concord's client. main.ts dispatches to them and lists them in its help.
 */
import { auth } from './auth.js';
import { bench } from './bench.js';
import { check } from './check.js';
import { globalFlags } from './context.js';
import { del } from './del.js';
import { elect } from './elect.js';
import { endpoint } from './endpoint.js';
import { get } from './get.js';
import { lease } from './lease.js';
import { lock } from './lock.js';
import { alarm, compaction, defrag, moveLeader } from './maintenance.js';
import { member } from './member.js';
import { put } from './put.js';
import { role } from './role.js';
import { txn } from './txn.js';
import { user } from './user.js';
import { watch } from './watch.js';

export interface ClientCommand {
  readonly summary: string;
  readonly run: (argv: readonly string[]) => Promise<number>;
}

export const clientCommands: Readonly<Record<string, ClientCommand>> = {
  get: { summary: 'read a key, a prefix or a range', run: get },
  put: { summary: 'write a key (the value from stdin if omitted)', run: put },
  del: { summary: 'delete a key, a prefix or a range', run: del },
  txn: { summary: 'run a transaction (compares, success ops, failure ops) from stdin', run: txn },
  watch: { summary: 'print the events on a key or prefix until interrupted', run: watch },
  lease: { summary: 'grant, revoke, inspect, list and keep alive leases', run: lease },
  lock: { summary: 'hold a distributed lock (while running a command)', run: lock },
  elect: { summary: 'campaign in an election, or observe it (-l)', run: elect },
  member: { summary: 'list, add, remove, update and promote members', run: member },
  endpoint: { summary: "each endpoint's status, health or KV hash", run: endpoint },
  user: { summary: 'add, inspect, list and delete users; passwords and roles', run: user },
  role: { summary: 'add, inspect, list and delete roles; their key permissions', run: role },
  auth: { summary: 'turn authentication on or off, or show its status', run: auth },
  compaction: { summary: 'forget the history before a revision', run: compaction },
  defrag: { summary: "defragment each member's backend (etcd's way to free space)", run: defrag },
  alarm: { summary: 'list or clear the raised alarms (NOSPACE, CORRUPT)', run: alarm },
  'move-leader': { summary: 'make another member the leader', run: moveLeader },
  check: { summary: 'check perf: can the cluster take a write load? PASS/FAIL', run: check },
  bench: {
    summary: 'a small load generator: put, range or txn throughput and latency',
    run: bench,
  },
};

const valued = new Set(
  Object.entries(globalFlags).flatMap(([name, option]) =>
    option.type === 'string'
      ? [`--${name}`, ...('short' in option ? [`-${option.short}`] : [])]
      : [],
  ),
);
const switches = new Set(
  Object.entries(globalFlags).flatMap(([name, option]) =>
    option.type === 'boolean' ? [`--${name}`] : [],
  ),
);

/**
 * `concord --endpoints X get k` as etcdctl takes it: global flags before the command are
 * moved after it. Returns argv unchanged when it does not start with a global flag.
 */
export function hoistGlobalFlags(argv: readonly string[]): readonly string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    const name = arg.split('=')[0]!;
    if (valued.has(name)) {
      leading.push(arg);
      if (!arg.includes('=') && i + 1 < argv.length) leading.push(argv[++i]!);
    } else if (switches.has(name) && name !== '--help') {
      leading.push(arg);
    } else break;
    i += 1;
  }
  if (leading.length === 0 || i >= argv.length) return argv;
  const [command, ...rest] = argv.slice(i);
  // `snapshot save` parses its own flags after its action.
  if (command === 'snapshot' && rest.length > 0)
    return [command, rest[0]!, ...leading, ...rest.slice(1)];
  return [command!, ...leading, ...rest];
}
