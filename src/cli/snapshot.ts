/**
 * `concord snapshot save | restore | status`: back up a member, rebuild a cluster from the
 * backup, and inspect a backup. The flags are etcdctl's (save, status) and etcdutl's
 * (restore). Exit codes: 0 done, 1 failed, 2 usage; save, a client command, also 3 when
 * the member is unavailable.
 */
import { parseFlags, stringFlag, type ParsedArgs } from './args.js';
import { runCommand, UsageError } from './command-error.js';
import { parseCommand, runClientCommand } from './commands/context.js';
import { ConfigError, parseServeConfig } from './serve-config.js';
import { readSnapshotFile } from './snapshot-file.js';
import { restoreSnapshot } from './snapshot-restore.js';
import { saveSnapshot } from './snapshot-save.js';
import { formatStatus, humanBytes, snapshotStatus, type StatusFormat } from './snapshot-status.js';

export const snapshotUsage = `usage:
  concord snapshot save FILE [--endpoints host:port] [--progress] [global flags]
      stream one member's consistent backup into FILE (default endpoint 127.0.0.1:2379;
      TLS, auth and env endpoints as every client command: concord get --help);
      the file is etcd's format: what \`etcdctl snapshot save\` writes too; a progress bar
      (bytes received of the total) goes to stderr when it is a terminal, or with --progress
  concord snapshot restore FILE --name NAME --initial-cluster NAME=URL,...
                                --initial-cluster-token TOKEN --initial-advertise-peer-urls URL
                                [--data-dir DIR]
      build a NEW cluster member's data directory (default ./NAME.concord; never an existing
      one) from FILE; every member restores the same file with its own --name, then runs
      \`concord serve --name NAME --data-dir DIR ...\`
  concord snapshot status FILE [-w simple|table|json]
      print the backup's hash, revision, total keys and size
`;

export function snapshot(argv: readonly string[]): Promise<number> {
  return runCommand('concord snapshot', snapshotUsage, async () => {
    const [action, ...rest] = argv;
    switch (action) {
      case 'save':
        return save(rest);
      case 'restore':
        return restore(rest);
      case 'status':
        return status(rest);
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(snapshotUsage);
        return 0;
      default:
        throw new UsageError(
          action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
        );
    }
  });
}

function oneFile(parsed: ParsedArgs<string>): string {
  const [path, ...extra] = parsed.positionals;
  if (path === undefined || path === '') throw new UsageError('missing FILE');
  if (extra.length > 0) throw new UsageError(`one FILE only, got also "${extra.join(' ')}"`);
  return path;
}

/** A client command (etcdctl's global flags: endpoints, TLS, auth; exit 3: unavailable). */
function save(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord snapshot save', snapshotUsage, argv, async () => {
    const { args, context } = parseCommand(argv, { progress: { type: 'boolean' } });
    const path = oneFile(args);
    if (context.endpoints.length !== 1) {
      // etcdctl's rule: a snapshot comes from one member, named on purpose.
      throw new UsageError(`--endpoints must name one member, got ${context.endpoints.length}`);
    }
    const result = await saveSnapshot({
      path,
      client: context.client(),
      dialTimeoutMs: context.dialTimeoutMs,
      progress: args.values.progress === true,
    });
    process.stdout.write(
      `Snapshot saved at ${path}: ${humanBytes(result.totalSize)}, revision ${result.revision}, hash ${result.hash.toString(16).padStart(8, '0')}\n`,
    );
    return 0;
  });
}

async function restore(argv: readonly string[]): Promise<number> {
  const flags = [
    'name',
    'data-dir',
    'initial-cluster',
    'initial-cluster-token',
    'initial-advertise-peer-urls',
  ] as const;
  const parsed = parseFlags(
    argv,
    Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])) as Record<
      (typeof flags)[number],
      { type: 'string' }
    >,
  );
  const path = oneFile(parsed);
  // The same flags, defaults and checks as `concord serve` (which then runs the member).
  let config;
  try {
    config = parseServeConfig(
      flags.flatMap((f) => {
        const value = parsed.values[f];
        return typeof value === 'string' ? [`--${f}`, value] : [];
      }),
      {},
      () => '',
    );
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const { status, identity } = await restoreSnapshot({
    path,
    dataDir: config.dataDir,
    name: config.name,
    initialCluster: config.initialCluster,
    initialClusterToken: config.initialClusterToken,
  });
  process.stdout.write(
    `Restored ${path} (revision ${status.revision}) into ${config.dataDir}: member ${identity.name} ${identity.memberId.toString(16)} of a new cluster ${identity.clusterId.toString(16)} with ${config.initialCluster.length} member(s)\n`,
  );
  return 0;
}

async function status(argv: readonly string[]): Promise<number> {
  const parsed = parseFlags(argv, {
    'write-out': { type: 'string', short: 'w' },
  });
  const path = oneFile(parsed);
  const format = stringFlag(parsed, 'write-out', 'simple');
  if (format !== 'simple' && format !== 'table' && format !== 'json') {
    throw new UsageError(`-w must be simple, table or json, got "${format}"`);
  }
  const result = snapshotStatus(await readSnapshotFile(path));
  process.stdout.write(formatStatus(result, format as StatusFormat));
  return 0;
}
