/**
 * The Auth service's calls as the `user`, `role` and `auth` commands make them, and how they
 * print a change: its answer has only a header, which -w json prints (etcdctl 3.4's shape).
 */
import type { WireHeader } from '../../client/proto.js';
import { headerJson } from '../output/kv.js';
import { printResult, type CommandContext } from './context.js';

/** A change to users, roles or auth: not retried once it may have reached a member. */
export async function change(
  context: CommandContext,
  method: string,
  request: object,
): Promise<WireHeader> {
  const r = await context
    .client()
    .connection.unary<{ header: WireHeader }>('Auth', method, request, 'unidentified-write');
  return r.header;
}

export function read<Response>(
  context: CommandContext,
  method: string,
  request: object,
): Promise<Response> {
  return context.client().connection.unary<Response>('Auth', method, request, 'read');
}

/** Prints a change's answer: its header as JSON, or etcdctl's line `simple`. */
export function printChange(context: CommandContext, header: WireHeader, simple: string): number {
  printResult(
    context,
    () => ({ header: headerJson(header) }),
    () => simple,
  );
  return 0;
}

/** `user list` or `role list`: a name a line, or the answer's JSON (no field when empty). */
export async function printNames(
  context: CommandContext,
  method: 'UserList' | 'RoleList',
  field: 'users' | 'roles',
): Promise<number> {
  const r = await read<{ header: WireHeader; users?: string[]; roles?: string[] }>(
    context,
    method,
    {},
  );
  const names = r[field] ?? [];
  printResult(
    context,
    () => ({ header: headerJson(r.header), [field]: names.length > 0 ? names : undefined }),
    () => names.map((name) => `${name}\n`).join(''),
  );
  return 0;
}
