/**
 * `concord lease grant TTL | revoke ID | timetolive ID [--keys] | list | keep-alive ID
 * [--once]`: etcdctl's lease commands (lease IDs in hex, 16 digits, as etcdctl prints them;
 * -w json as etcdctl 3.4 prints it, with the header's fields at the top level).
 */
import type * as grpc from '@grpc/grpc-js';
import { ServerError, type Client } from '../../client/index.js';
import type {
  Int64,
  WireHeader,
  WireLeaseGrantResponse,
  WireLeaseKeepAliveResponse,
  WireLeaseTimeToLiveResponse,
} from '../../client/proto.js';
import { CommandError, UsageError } from '../command-error.js';
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
import { leaseId } from './put.js';
import { untilSignal } from './signals.js';
import { takeAction } from './split-argv.js';

export const leaseUsage = `usage: concord lease <subcommand> [flags]
  grant TTL                 grant a lease of TTL seconds; prints its ID
  revoke ID                 revoke a lease (its keys are deleted)
  timetolive ID [--keys]    a lease's granted and remaining TTL (and its keys)
  list                      every lease's ID
  keep-alive ID [--once]    renew a lease until interrupted (or once)
`;

const flags = { keys: { type: 'boolean' }, once: { type: 'boolean' } } as const;

/** etcdctl prints lease IDs as %016x. */
export function leaseHex(id: bigint | Int64): string {
  return BigInt(id).toString(16).padStart(16, '0');
}

export function lease(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord lease', leaseUsage, argv, async () => {
    const { action, rest } = takeAction(argv, { ...globalFlags, ...flags });
    const { args, context } = parseCommand(rest, flags);
    switch (action) {
      case 'grant': {
        const [ttlText] = positionals(args, ['TTL']);
        const ttl = Number(ttlText);
        if (!Number.isSafeInteger(ttl) || ttl <= 0) {
          throw new UsageError(`TTL must be a positive number of seconds, got "${ttlText}"`);
        }
        return grant(context, ttl);
      }
      case 'revoke':
        return revoke(context, leaseId(positionals(args, ['ID'])[0]!));
      case 'timetolive':
        return timeToLive(
          context,
          leaseId(positionals(args, ['ID'])[0]!),
          args.values.keys === true,
        );
      case 'list':
        positionals(args, []);
        return list(context);
      case 'keep-alive':
        return keepAlive(
          context,
          leaseId(positionals(args, ['ID'])[0]!),
          args.values.once === true,
        );
      default:
        throw new UsageError(
          action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
        );
    }
  });
}

async function grant(context: CommandContext, ttl: number): Promise<number> {
  const response = await context.client().connection.unary<WireLeaseGrantResponse>(
    'Lease',
    'LeaseGrant',
    { TTL: String(ttl), ID: '0' },
    // The Lease service keeps no request identities: a retry once the grant may have been
    // sent could grant a second lease (as the client library's grant, never retried then).
    'unidentified-write',
  );
  if (response.error !== '') throw new CommandError(response.error);
  printResult(
    context,
    () => ({
      ...headerJson(response.header),
      ID: BigInt(response.ID),
      TTL: BigInt(response.TTL),
      Error: response.error,
    }),
    () => `lease ${leaseHex(response.ID)} granted with TTL(${response.TTL}s)\n`,
  );
  return 0;
}

async function revoke(context: CommandContext, id: bigint): Promise<number> {
  const response = await context.client().connection.unary<{ header: WireHeader }>(
    'Lease',
    'LeaseRevoke',
    { ID: id.toString() },
    // No request identity here either: a revoke retried after it may have landed would
    // report "requested lease not found" for a lease it did revoke. etcdctl does not retry
    // it then; the client library's revoke does, and takes that answer as success.
    'unidentified-write',
  );
  printResult(
    context,
    () => ({ header: headerJson(response.header) }),
    () => `lease ${leaseHex(id)} revoked\n`,
  );
  return 0;
}

async function timeToLive(context: CommandContext, id: bigint, keys: boolean): Promise<number> {
  const r = await context
    .client()
    .connection.unary<WireLeaseTimeToLiveResponse>(
      'Lease',
      'LeaseTimeToLive',
      { ID: id.toString(), keys },
      'read',
    );
  printResult(
    context,
    () => ({
      ...headerJson(r.header),
      id: BigInt(r.ID),
      ttl: BigInt(r.TTL),
      'granted-ttl': BigInt(r.grantedTTL),
      keys: r.keys.length === 0 ? null : r.keys.map(base64),
    }),
    () => {
      if (Number(r.TTL) === -1) return `lease ${leaseHex(id)} already expired\n`;
      const attached = keys
        ? `, attached keys([${r.keys.map((k) => k.toString('utf8')).join(' ')}])`
        : '';
      return `lease ${leaseHex(id)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)${attached}\n`;
    },
  );
  return 0;
}

async function list(context: CommandContext): Promise<number> {
  const r = await context
    .client()
    .connection.unary<{ header: WireHeader; leases: { ID: Int64 }[] }>(
      'Lease',
      'LeaseLeases',
      {},
      'read',
    );
  printResult(
    context,
    () => ({ ...headerJson(r.header), leases: r.leases.map((l) => ({ id: BigInt(l.ID) })) }),
    () => `found ${r.leases.length} leases\n${r.leases.map((l) => `${leaseHex(l.ID)}\n`).join('')}`,
  );
  return 0;
}

type KeepAliveStream = grpc.ClientDuplexStream<object, WireLeaseKeepAliveResponse>;

/**
 * Renews the lease a third of its TTL after each answer, on a stream of its own (the lease
 * is not this process's: the client's own keep-alive is for leases it granted), moving to the
 * next endpoint when the stream breaks. Ends when the lease is gone, or on SIGINT (exit 0).
 */
async function keepAlive(context: CommandContext, id: bigint, once: boolean): Promise<number> {
  const client = context.client();
  const stop = untilSignal();
  try {
    for (;;) {
      const ttl = await renewOnce(client, id, context.commandTimeoutMs, stop.signal).catch(
        (error: unknown) => {
          if (stop.signal.aborted) return undefined;
          throw error;
        },
      );
      if (ttl === undefined) return 0;
      if (ttl <= 0) {
        process.stdout.write(`lease ${leaseHex(id)} expired or revoked.\n`);
        return once ? 1 : 0;
      }
      printResult(
        context,
        () => ({ ID: id, TTL: BigInt(ttl) }),
        () => `lease ${leaseHex(id)} keepalived with TTL(${ttl})\n`,
      );
      if (once) return 0;
      const slept = await sleep(Math.max(500, (ttl * 1000) / 3), stop.signal);
      if (!slept) return 0;
    }
  } finally {
    stop.dispose();
  }
}

async function renewOnce(
  client: Client,
  id: bigint,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number> {
  const connection = client.connection;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline && !signal.aborted) {
    const index = connection.current;
    try {
      const metadata = await connection.metadata(signal);
      const lease = connection.client(index, 'Lease') as unknown as {
        LeaseKeepAlive(metadata: grpc.Metadata, options: grpc.CallOptions): KeepAliveStream;
      };
      const stream = lease.LeaseKeepAlive(metadata, {
        deadline: new Date(Math.min(deadline, Date.now() + 2000)),
      });
      // A cancelled stream errors (CANCELLED) after its answer: nobody is waiting for that.
      stream.on('error', () => undefined);
      const abort = (): void => stream.cancel();
      signal.addEventListener('abort', abort, { once: true });
      const answer = await new Promise<WireLeaseKeepAliveResponse>((resolve, reject) => {
        stream.once('data', resolve);
        stream.once('error', reject);
        stream.once('end', () => reject(new Error('the keep-alive stream ended')));
        stream.write({ ID: id.toString() });
      }).finally(() => {
        signal.removeEventListener('abort', abort);
        stream.cancel();
      });
      return Number(answer.TTL);
    } catch (error) {
      const e = error as Partial<grpc.ServiceError>;
      lastError =
        typeof e.code === 'number' && typeof e.details === 'string'
          ? new ServerError(e.code, e.details, connection.endpointName(index))
          : error;
      connection.failover(index);
      await sleep(200, signal);
    }
  }
  if (signal.aborted) throw signal.reason;
  throw lastError instanceof Error ? lastError : new CommandError('keep-alive got no answer');
}

/** Waits `ms`; false when interrupted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
