/**
 * etcdctl's maintenance commands: `compaction REV [--physical]`, `defrag [--cluster]`,
 * `alarm list | disarm` and `move-leader ID`, with its lines. Defragmenting is per member, so
 * `defrag` asks each endpoint on its own; `move-leader` finds the leader among the endpoints
 * (their Status) and asks it, as etcdctl does.
 */
import type { Alarm } from '../../client/index.js';
import { CommandError, UsageError } from '../command-error.js';
import { clusterEndpoints, endpointClient } from './cluster-wire.js';
import {
  globalFlags,
  parseCommand,
  positionals,
  runClientCommand,
  type CommandContext,
} from './context.js';
import { failureText } from './diagnose.js';
import { takeAction } from './split-argv.js';

export const compactionUsage = `usage: concord compaction REV [--physical]
  forget the history before revision REV (the whole keyspace)
  --physical   return once every member has compacted its backend
`;

export function compaction(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord compaction', compactionUsage, argv, async () => {
    const flags = { physical: { type: 'boolean' } } as const;
    const { args, context } = parseCommand(argv, flags, ['simple']);
    const [revText] = positionals(args, ['REV']);
    const revision = Number(revText);
    if (!Number.isSafeInteger(revision) || revision <= 0) {
      throw new UsageError(`REV must be a positive revision, got "${revText}"`);
    }
    await context.client().kv.compact(revision, { physical: args.values.physical === true });
    process.stdout.write(`compacted revision ${revision}\n`);
    return 0;
  });
}

export const defragUsage = `usage: concord defrag [--cluster]
  defragment each endpoint's backend, one member at a time (what etcd does to give back the
  space compaction freed; Concord's LMDB backend reuses that space already, and only syncs)
  --cluster   every member's endpoint (from the member list), not just --endpoints
`;

export function defrag(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord defrag', defragUsage, argv, async () => {
    const flags = { cluster: { type: 'boolean' } } as const;
    const { args, context } = parseCommand(argv, flags, ['simple']);
    positionals(args, []);
    const endpoints =
      args.values.cluster === true ? await clusterEndpoints(context.client()) : context.endpoints;
    let failed = 0;
    for (const endpoint of endpoints) {
      const client = endpointClient(context.clientOptions, endpoint, context.commandTimeoutMs);
      try {
        await client.maintenance.defragment();
        process.stdout.write(`Finished defragmenting etcd member[${endpoint}]\n`);
      } catch (error) {
        failed += 1;
        process.stderr.write(
          `Failed to defragment etcd member[${endpoint}] (${failureText(error)})\n`,
        );
      } finally {
        client.close();
      }
    }
    return failed === 0 ? 0 : 1;
  });
}

export const alarmUsage = `usage: concord alarm <subcommand>
  list     the cluster's raised alarms (NOSPACE, CORRUPT), one a line
  disarm   clear every raised alarm (after freeing space); prints those cleared
`;

export function alarm(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord alarm', alarmUsage, argv, async () => {
    const { action, rest } = takeAction(argv, globalFlags);
    const { args, context } = parseCommand(rest, {}, ['simple']);
    positionals(args, []);
    const maintenance = context.client().maintenance;
    let alarms: Alarm[];
    switch (action) {
      case 'list':
        alarms = await maintenance.alarms();
        break;
      case 'disarm': {
        alarms = [];
        for (const raised of await maintenance.alarms()) {
          alarms.push(...(await maintenance.disarm(raised)));
        }
        break;
      }
      default:
        throw new UsageError(
          action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
        );
    }
    // etcdctl prints each alarm's protobuf text, with its trailing space.
    for (const a of alarms) process.stdout.write(`memberID:${a.memberId} alarm:${a.alarm} \n`);
    return 0;
  });
}

export const moveLeaderUsage = `usage: concord move-leader ID
  make the member ID (hex, as \`member list\` prints it) the leader; one of --endpoints must
  be the current leader's
`;

export function moveLeader(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord move-leader', moveLeaderUsage, argv, async () => {
    const { args, context } = parseCommand(argv, {}, ['simple']);
    const [idText] = positionals(args, ['ID']);
    if (!/^[0-9a-fA-F]{1,16}$/.test(idText!)) {
      throw new UsageError(`ID must be a member ID in hex, got "${idText}"`);
    }
    const target = BigInt(`0x${idText}`);
    const leader = await findLeader(context);
    const client = endpointClient(context.clientOptions, leader.endpoint, context.commandTimeoutMs);
    try {
      await client.connection.unary(
        'Maintenance',
        'MoveLeader',
        { targetID: target.toString() },
        // A transfer retried after it landed would fail (this member no longer leads).
        'unidentified-write',
      );
    } finally {
      client.close();
    }
    process.stdout.write(
      `Leadership transferred from ${leader.id.toString(16)} to ${target.toString(16)}\n`,
    );
    return 0;
  });
}

/** The endpoint whose member says it leads. */
async function findLeader(context: CommandContext): Promise<{ endpoint: string; id: bigint }> {
  for (const endpoint of context.endpoints) {
    const client = endpointClient(context.clientOptions, endpoint, context.commandTimeoutMs);
    try {
      const status = await client.maintenance.status();
      if (status.memberId === status.leader) return { endpoint, id: status.leader };
    } finally {
      client.close();
    }
  }
  throw new CommandError(`no leader endpoint given at [${context.endpoints.join(' ')}]`);
}
