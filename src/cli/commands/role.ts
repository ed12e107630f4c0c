/**
 * `concord role add | get | list | delete ROLE | grant-permission ROLE TYPE KEY [END] |
 * revoke-permission ROLE KEY [END]`: etcdctl's role commands, with its outputs (-w json: the
 * responses as etcdctl 3.4 prints them). Permission keys are the whole keyspace's.
 */
import { permissionRange } from '../../client/auth.js';
import { prefixEnd } from '../../client/bytes.js';
import type { WireHeader } from '../../client/proto.js';
import { pflagBooleans } from '../args.js';
import { UsageError } from '../command-error.js';
import { base64 } from '../output/format.js';
import { headerJson } from '../output/kv.js';
import {
  globalFlags,
  parseCommand,
  positionals,
  printResult,
  runClientCommand,
  type CommandContext,
} from './context.js';
import { change, printChange, printNames, read } from './auth-wire.js';
import { takeAction } from './split-argv.js';

export const roleUsage = `usage: concord role <subcommand> [flags]
  add ROLE                  add a role
  get ROLE                  the keys the role may read and write
  list                      every role's name
  delete ROLE               delete a role
  grant-permission ROLE read|write|readwrite KEY [END] [--prefix | --from-key]
                            let the role read and/or write KEY, the keys in [KEY, END), the
                            keys starting with KEY (--prefix) or every key from KEY (--from-key)
  revoke-permission ROLE KEY [END] [--prefix | --from-key]
                            take back the permission granted on exactly that key or range
`;

const flags = { prefix: { type: 'boolean' }, 'from-key': { type: 'boolean' } } as const;

type WirePermissionType = 'READ' | 'WRITE' | 'READWRITE';

export interface WirePermission {
  permType: WirePermissionType;
  key: Buffer;
  rangeEnd: Buffer;
}

export interface WireRoleGetResponse {
  header: WireHeader;
  perm: WirePermission[];
}

export function role(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord role', roleUsage, argv, async () => {
    const booleans = pflagBooleans(argv, Object.keys(flags));
    const { action, rest } = takeAction(booleans.argv, { ...globalFlags, ...flags });
    const { args, context } = parseCommand(rest, flags, ['simple', 'json']);
    const range = {
      prefix: args.values.prefix === true,
      fromKey: args.values['from-key'] === true,
    };
    switch (action) {
      case 'add': {
        const [name] = positionals(args, ['ROLE']);
        const header = await change(context, 'RoleAdd', { name });
        return printChange(context, header, `Role ${name} created\n`);
      }
      case 'delete': {
        const [name] = positionals(args, ['ROLE']);
        const header = await change(context, 'RoleDelete', { role: name });
        return printChange(context, header, `Role ${name} deleted\n`);
      }
      case 'get': {
        const [name] = positionals(args, ['ROLE']);
        const r = await getRole(context, name!);
        printResult(
          context,
          () => roleJson(r),
          () => roleText(name!, r.perm),
        );
        return 0;
      }
      case 'list': {
        positionals(args, []);
        return printNames(context, 'RoleList', 'roles');
      }
      case 'grant-permission': {
        const [name, typeText, key, end] = positionals(args, ['ROLE', 'TYPE', 'KEY'], ['END']);
        const permType = typeText!.toUpperCase();
        if (permType !== 'READ' && permType !== 'WRITE' && permType !== 'READWRITE') {
          throw new UsageError(`invalid permission type: ${typeText}`);
        }
        const perm = { permType, ...wirePermissionRange(key!, end, range) };
        const header = await change(context, 'RoleGrantPermission', { name, perm });
        return printChange(context, header, `Role ${name} updated\n`);
      }
      case 'revoke-permission': {
        const [name, key, end] = positionals(args, ['ROLE', 'KEY'], ['END']);
        const wire = wirePermissionRange(key!, end, range);
        const header = await change(context, 'RoleRevokePermission', { role: name, ...wire });
        const what =
          wire.rangeEnd === undefined
            ? `key ${wire.key.toString()}`
            : `range ${rangeText(wire.key, wire.rangeEnd)}`;
        return printChange(context, header, `Permission of ${what} is revoked from role ${name}\n`);
      }
      default:
        throw new UsageError(
          action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
        );
    }
  });
}

export function getRole(context: CommandContext, name: string): Promise<WireRoleGetResponse> {
  return read<WireRoleGetResponse>(context, 'RoleGet', { role: name });
}

/** etcdctl's rules: one key, [KEY, END), a prefix or from KEY on (the empty key: all keys). */
function wirePermissionRange(
  key: string,
  end: string | undefined,
  range: { prefix: boolean; fromKey: boolean },
): { key: Buffer; rangeEnd?: Buffer } {
  if (range.prefix && range.fromKey) {
    throw new UsageError('--from-key and --prefix flags are mutually exclusive');
  }
  if (end !== undefined && (range.prefix || range.fromKey)) {
    throw new UsageError(
      `unexpected endkey argument with --${range.prefix ? 'prefix' : 'from-key'} flag`,
    );
  }
  return permissionRange(key, end === undefined ? range : { rangeEnd: end });
}

const permTypeNumber: Record<WirePermissionType, number | undefined> = {
  READ: undefined, // Go's omitempty leaves out the zero value
  WRITE: 1,
  READWRITE: 2,
};

export function roleJson(r: WireRoleGetResponse): object {
  return {
    header: headerJson(r.header),
    perm:
      r.perm.length === 0
        ? undefined
        : r.perm.map((p) => ({
            permType: permTypeNumber[p.permType],
            key: base64(p.key),
            range_end: p.rangeEnd.length > 0 ? base64(p.rangeEnd) : undefined,
          })),
  };
}

/** `role get` as etcdctl prints it: the read permissions, then the write ones. */
export function roleText(name: string, perms: readonly WirePermission[]): string {
  const lines = (type: 'READ' | 'WRITE'): string =>
    perms
      .filter((p) => p.permType === type || p.permType === 'READWRITE')
      .map((p) => `\t${permissionText(p)}\n`)
      .join('');
  return `Role ${name}\nKV Read:\n${lines('READ')}KV Write:\n${lines('WRITE')}`;
}

function permissionText(p: WirePermission): string {
  if (p.rangeEnd.length === 0) return p.key.toString();
  const prefix =
    p.key.length > 0 && prefixEnd(p.key).equals(p.rangeEnd) ? ` (prefix ${p.key.toString()})` : '';
  return `${rangeText(p.key, p.rangeEnd)}${prefix}`;
}

/** `[KEY, END)`, or etcdctl's `[KEY, <open ended>` for every key from KEY on. */
function rangeText(key: Buffer, rangeEnd: Buffer): string {
  const openEnded = rangeEnd.length === 1 && rangeEnd[0] === 0;
  return openEnded
    ? `[${key.toString()}, <open ended>`
    : `[${key.toString()}, ${rangeEnd.toString()})`;
}
