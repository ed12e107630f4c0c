/**
 * `concord auth enable | disable | status`: etcdctl's auth commands. `enable` first gives the
 * `root` user the `root` role when it lacks it, as etcdctl does; `status` is etcdctl 3.5's.
 */
import { ServerError } from '../../client/index.js';
import type { WireHeader } from '../../client/proto.js';
import { UsageError } from '../command-error.js';
import { headerJson } from '../output/kv.js';
import { change, read } from './auth-wire.js';
import {
  globalFlags,
  parseCommand,
  positionals,
  printResult,
  runClientCommand,
  type CommandContext,
} from './context.js';
import { takeAction } from './split-argv.js';

export const authUsage = `usage: concord auth <subcommand> [flags]
  enable     turn authentication on (the root user must exist; it is given the root role)
  disable    turn authentication off (as root, once it is on)
  status     whether authentication is on, and the auth revision
`;

const rootRoleMissing = 'etcdserver: root user does not have root role';

export function auth(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord auth', authUsage, argv, async () => {
    const { action, rest } = takeAction(argv, globalFlags);
    const { args, context } = parseCommand(rest, {}, ['simple', 'json']);
    positionals(args, []);
    switch (action) {
      case 'enable':
        await enable(context);
        // etcdctl prints this line whatever -w says.
        process.stdout.write('Authentication Enabled\n');
        return 0;
      case 'disable':
        await change(context, 'AuthDisable', {});
        process.stdout.write('Authentication Disabled\n');
        return 0;
      case 'status': {
        const r = await read<{ header: WireHeader; enabled: boolean; authRevision: string }>(
          context,
          'AuthStatus',
          {},
        );
        printResult(
          context,
          () => ({
            header: headerJson(r.header),
            enabled: r.enabled || undefined,
            authRevision: BigInt(r.authRevision) || undefined,
          }),
          () => `Authentication Status: ${r.enabled}\nAuthRevision: ${r.authRevision}\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(
          action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
        );
    }
  });
}

async function enable(context: CommandContext): Promise<void> {
  try {
    await change(context, 'AuthEnable', {});
  } catch (error) {
    if (!(error instanceof ServerError) || error.details !== rootRoleMissing) throw error;
    await change(context, 'RoleAdd', { name: 'root' }).catch((e: unknown) => {
      // Made by someone else since: granting it is what is left to do.
      if (!(e instanceof ServerError) || e.details !== 'etcdserver: role name already exists')
        throw e;
    });
    await change(context, 'UserGrantRole', { user: 'root', role: 'root' });
    await change(context, 'AuthEnable', {});
  }
}
