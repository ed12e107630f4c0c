/**
 * What every client command shares: etcdctl's global flags (endpoints, timeouts, TLS, auth,
 * -w), the Client they configure, and the runner that turns failures into a message and an
 * exit code a script can trust (see exitCodes below and README "Command line").
 */
import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '../../client/index.js';
import { durationMsFlag, parseFlags, type FlagOption, type ParsedArgs } from '../args.js';
import { CommandError, UsageError } from '../command-error.js';
import { jsonText, writeOut, type WriteOut } from '../output/format.js';
import { explainFailure, UnavailableError } from './diagnose.js';

/**
 * 0 done; 1 failed (the command ran and could not finish); 2 usage (bad flags or arguments:
 * nothing was done); 3 the cluster is unavailable (no endpoint answers, or no leader or
 * quorum: the same command may succeed later). `lock NAME COMMAND` exits with COMMAND's code.
 */
export const clientExitCodes = { ok: 0, failure: 1, usage: 2, unavailable: 3 } as const;

export const defaultEndpoint = '127.0.0.1:2379';

export const globalFlags = {
  endpoints: { type: 'string' },
  'dial-timeout': { type: 'string' },
  'command-timeout': { type: 'string' },
  cacert: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'insecure-skip-tls-verify': { type: 'boolean' },
  user: { type: 'string' },
  password: { type: 'string' },
  'write-out': { type: 'string', short: 'w' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagOption>;

export type GlobalFlag = keyof typeof globalFlags;

export const globalUsage = `global flags (any command; also before it):
  --endpoints HOST:PORT,...   members to talk to (default ${defaultEndpoint}; env CONCORD_ENDPOINTS
                              or ETCDCTL_ENDPOINTS); https://HOST:PORT for TLS
  --dial-timeout 2s           how long one attempt on one member may take before the next is tried
  --command-timeout 5s        the deadline of the whole command's request, retries included
  --cacert FILE --cert FILE --key FILE
                              TLS: the members' CA; this client's certificate and key
  --user NAME[:PASSWORD] --password PASSWORD
                              authenticate (etcd's auth)
  -w, --write-out simple|json|table
                              output format (json: etcd's JSON shapes)
exit codes: 0 ok, 1 failed, 2 usage error, 3 cluster unavailable (no member answers, or no
leader: retrying later may succeed)
`;

export interface CommandContext {
  readonly endpoints: readonly string[];
  readonly format: WriteOut;
  readonly commandTimeoutMs: number;
  readonly dialTimeoutMs: number;
  readonly clientOptions: ClientOptions;
  /** The client over every endpoint (made on first use, closed by the runner). */
  client(): Client;
}

export interface Parsed<Name extends string> {
  readonly args: ParsedArgs<Name | GlobalFlag>;
  readonly context: CommandContext;
}

/** Parses a command's own flags and the global ones, with the environment's endpoints. */
export function parseCommand<Name extends string>(
  argv: readonly string[],
  own: Readonly<Record<Name, FlagOption>>,
  formats?: readonly WriteOut[],
  env: NodeJS.ProcessEnv = process.env,
): Parsed<Name> {
  const args = parseFlags<Name | GlobalFlag>(argv, { ...globalFlags, ...own } as Record<
    Name | GlobalFlag,
    FlagOption
  >);
  return { args, context: makeContext(args as ParsedArgs<GlobalFlag>, formats, env) };
}

function makeContext(
  args: ParsedArgs<GlobalFlag>,
  formats: readonly WriteOut[] | undefined,
  env: NodeJS.ProcessEnv,
): CommandContext {
  const v = args.values;
  const text =
    (typeof v.endpoints === 'string' ? v.endpoints : undefined) ??
    env.CONCORD_ENDPOINTS ??
    env.ETCDCTL_ENDPOINTS ??
    defaultEndpoint;
  const endpoints = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (endpoints.length === 0) throw new UsageError('--endpoints is empty');
  for (const e of endpoints) {
    if (!/^(https?:\/\/)?[^/\s]+:\d+\/?$/.test(e)) {
      throw new UsageError(`--endpoints: "${e}" is not host:port or http(s)://host:port`);
    }
  }
  if (v['insecure-skip-tls-verify'] === true) {
    throw new UsageError(
      "--insecure-skip-tls-verify is not supported: Concord's client always verifies; pass the members' CA with --cacert",
    );
  }
  const commandTimeoutMs = durationMsFlag(args, 'command-timeout', 5000);
  const dialTimeoutMs = durationMsFlag(args, 'dial-timeout', 2000);
  const clientOptions: ClientOptions = {
    endpoints,
    requestTimeoutMs: commandTimeoutMs,
    attemptTimeoutMs: Math.min(dialTimeoutMs, commandTimeoutMs),
    ...tlsOptions(args),
    ...authOptions(args),
  };
  let client: Client | undefined;
  return {
    endpoints,
    format: writeOut(v['write-out'], formats),
    commandTimeoutMs,
    dialTimeoutMs,
    clientOptions,
    client: () => (client ??= openClient(clientOptions, opened)),
  };
}

/** Clients opened by this process's commands, closed when the command ends. */
const opened = new Set<Client>();

/** The options of the last client opened, for diagnosing a failure (the endpoints as given). */
let lastOptions: ClientOptions | undefined;

export function openClient(options: ClientOptions, registry: Set<Client> = opened): Client {
  const client = new Client(options);
  registry.add(client);
  lastOptions = options;
  return client;
}

function readPem(flag: string, path: string | boolean | undefined): Buffer | undefined {
  if (typeof path !== 'string') return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CommandError(`--${flag} ${path}: ${(error as Error).message}`);
  }
}

function tlsOptions(args: ParsedArgs<GlobalFlag>): Pick<ClientOptions, 'tls'> {
  const ca = readPem('cacert', args.values.cacert);
  const cert = readPem('cert', args.values.cert);
  const key = readPem('key', args.values.key);
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--cert and --key go together');
  }
  if (ca === undefined && cert === undefined) return {};
  return { tls: { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) } };
}

function authOptions(args: ParsedArgs<GlobalFlag>): Pick<ClientOptions, 'auth'> {
  const user = args.values.user;
  if (typeof user !== 'string') {
    if (typeof args.values.password === 'string') throw new UsageError('--password needs --user');
    return {};
  }
  const colon = user.indexOf(':');
  const username = colon === -1 ? user : user.slice(0, colon);
  const password =
    typeof args.values.password === 'string'
      ? args.values.password
      : colon === -1
        ? undefined
        : user.slice(colon + 1);
  if (username === '') throw new UsageError('--user needs a name');
  if (password === undefined) {
    throw new UsageError('--user NAME needs a password: --user NAME:PASSWORD or --password');
  }
  return { auth: { username, password } };
}

/**
 * Runs a command body: prints its usage on --help, closes its clients, and maps failures to
 * messages and exit codes (a client failure that looks like unavailability is diagnosed by
 * probing the endpoints: "no leader: 1 of 3 members reachable").
 */
export async function runClientCommand(
  command: string,
  usage: string,
  argv: readonly string[],
  body: () => Promise<number>,
): Promise<number> {
  const dash = argv.indexOf('--');
  const flags = dash === -1 ? argv : argv.slice(0, dash);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(`${usage}\n${globalUsage}`);
    return clientExitCodes.ok;
  }
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\n\n${usage}`);
      return clientExitCodes.usage;
    }
    let failure: Error = error instanceof Error ? error : new Error(String(error));
    if (!(failure instanceof CommandError)) {
      failure = await explainFailure(failure, lastOptions);
    }
    process.stderr.write(`${command}: ${failure.message}\n`);
    return failure instanceof UnavailableError
      ? clientExitCodes.unavailable
      : clientExitCodes.failure;
  } finally {
    for (const client of opened) client.close();
    opened.clear();
    lastOptions = undefined;
  }
}

/** Prints a result as `-w json` asks (one line of etcd's JSON), or as etcdctl's plain text. */
export function printResult(
  context: CommandContext,
  json: () => object,
  simple: () => string,
): void {
  process.stdout.write(context.format === 'json' ? `${jsonText(json())}\n` : simple());
}

/** The positionals: `names` required, then up to `optional` more, or a usage error. */
export function positionals(
  args: ParsedArgs<string>,
  names: readonly string[],
  optional: readonly string[] = [],
): string[] {
  const all = [...args.positionals, ...args.rest];
  if (all.length < names.length) throw new UsageError(`missing ${names[all.length]}`);
  if (all.length > names.length + optional.length) {
    throw new UsageError(`unexpected argument "${all[names.length + optional.length]}"`);
  }
  return all;
}
