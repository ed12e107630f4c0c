/**
 * `concord user add NAME[:PASSWORD] | get NAME [--detail] | list | delete NAME | passwd NAME
 * | grant-role NAME ROLE | revoke-role NAME ROLE`: etcdctl's user commands, with its outputs
 * (-w json: the responses as etcdctl 3.4 prints them). A password not given on the command
 * line is asked for at the terminal, or read from stdin (password-input.ts).
 */
import type { WireHeader } from '../../client/proto.js';
import { pflagBooleans } from '../args.js';
import { UsageError } from '../command-error.js';
import { headerJson } from '../output/kv.js';
import { readNewPassword } from '../password-input.js';
import { change, printChange, printNames, read } from './auth-wire.js';
import {
  globalFlags,
  parseCommand,
  positionals,
  printResult,
  runClientCommand,
} from './context.js';
import { getRole, roleJson, roleText } from './role.js';
import { takeAction } from './split-argv.js';

export const userUsage = `usage: concord user <subcommand> [flags]
  add NAME[:PASSWORD]       add a user; a password not given is asked for (or read from stdin)
    --new-user-password PW    the password, as a flag
    --no-password             no password: the user is one by its TLS certificate's common name
    --interactive=false       read the password from stdin even at a terminal
  get NAME [--detail]       the user's roles (--detail: and each role's permissions)
  list                      every user's name
  delete NAME               delete a user
  passwd NAME               change a user's password (asked for, or read from stdin)
  grant-role NAME ROLE      give the user a role
  revoke-role NAME ROLE     take a role from the user
`;

const flags = {
  'new-user-password': { type: 'string' },
  'no-password': { type: 'boolean' },
  interactive: { type: 'boolean' },
  detail: { type: 'boolean' },
} as const;

export function user(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord user', userUsage, argv, async () => {
    const booleans = pflagBooleans(argv, ['no-password', 'interactive', 'detail']);
    const { action, rest } = takeAction(booleans.argv, { ...globalFlags, ...flags });
    const { args, context } = parseCommand(rest, flags, ['simple', 'json']);
    const interactive = !booleans.off.has('interactive');
    switch (action) {
      case 'add': {
        const [spec] = positionals(args, ['NAME']);
        const colon = spec!.indexOf(':');
        const name = colon === -1 ? spec! : spec!.slice(0, colon);
        if (name === '') throw new UsageError('user add needs a user name');
        const given = colon === -1 ? args.values['new-user-password'] : spec!.slice(colon + 1);
        const request =
          args.values['no-password'] === true
            ? { name, password: '', options: { noPassword: true } }
            : {
                name,
                password:
                  typeof given === 'string' ? given : await readNewPassword(name, interactive),
              };
        const header = await change(context, 'UserAdd', request);
        return printChange(context, header, `User ${name} created\n`);
      }
      case 'get': {
        const [name] = positionals(args, ['NAME']);
        const r = await read<{ header: WireHeader; roles: string[] }>(context, 'UserGet', { name });
        if (args.values.detail !== true) {
          printResult(
            context,
            () => ({
              header: headerJson(r.header),
              roles: r.roles.length > 0 ? r.roles : undefined,
            }),
            () => `User: ${name}\nRoles:${r.roles.map((role) => ` ${role}`).join('')}\n`,
          );
          return 0;
        }
        // etcdctl's --detail: the user's name, then each role as `role get` prints it.
        process.stdout.write(`User: ${name}\n`);
        for (const role of r.roles) {
          const roleAnswer = await getRole(context, role);
          process.stdout.write('\n');
          printResult(
            context,
            () => roleJson(roleAnswer),
            () => roleText(role, roleAnswer.perm),
          );
        }
        return 0;
      }
      case 'list': {
        positionals(args, []);
        return printNames(context, 'UserList', 'users');
      }
      case 'delete': {
        const [name] = positionals(args, ['NAME']);
        const header = await change(context, 'UserDelete', { name });
        return printChange(context, header, `User ${name} deleted\n`);
      }
      case 'passwd': {
        const [name] = positionals(args, ['NAME']);
        const password = await readNewPassword(name!, interactive);
        const header = await change(context, 'UserChangePassword', { name, password });
        return printChange(context, header, 'Password updated\n');
      }
      case 'grant-role': {
        const [name, role] = positionals(args, ['NAME', 'ROLE']);
        const header = await change(context, 'UserGrantRole', { user: name, role });
        return printChange(context, header, `Role ${role} is granted to user ${name}\n`);
      }
      case 'revoke-role': {
        const [name, role] = positionals(args, ['NAME', 'ROLE']);
        const header = await change(context, 'UserRevokeRole', { name, role });
        return printChange(context, header, `Role ${role} is revoked from user ${name}\n`);
      }
      default:
        throw new UsageError(
          action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
        );
    }
  });
}
