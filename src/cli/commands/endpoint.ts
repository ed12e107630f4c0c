/**
 * `concord endpoint status | health | hashkv [--cluster]`: etcdctl's endpoint commands, each
 * endpoint asked on its own (the answer must be that member's). `--cluster` asks every
 * member the cluster lists (MemberList's client URLs) instead of just --endpoints. An
 * endpoint that does not answer is reported, and the exit code is then 1.
 */
import { ServerError } from '../../client/index.js';
import { intFlag } from '../args.js';
import { UsageError } from '../command-error.js';
import { humanBytes } from '../snapshot-status.js';
import { hexId, jsonText, table } from '../output/format.js';
import { headerJson } from '../output/kv.js';
import {
  globalFlags,
  parseCommand,
  positionals,
  runClientCommand,
  type CommandContext,
} from './context.js';
import type { WireHashKvResponse, WireStatusResponse } from '../../client/proto.js';
import { clusterEndpoints, endpointClient } from './cluster-wire.js';
import { failureText } from './diagnose.js';
import { takeAction } from './split-argv.js';

export const endpointUsage = `usage: concord endpoint <subcommand> [flags]
  status    each endpoint's member ID, version, DB size, leadership, Raft term and indexes
  health    whether each endpoint's member commits a linearizable read in time
  hashkv    each endpoint's hash of its key-value history (equal on members in sync)
  --cluster   every member's endpoint (from the member list), not just --endpoints
  --rev N     hashkv: hash up to revision N (default: the latest)
`;

const flags = { cluster: { type: 'boolean' }, rev: { type: 'string' } } as const;

export function endpoint(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord endpoint', endpointUsage, argv, async () => {
    const { action, rest } = takeAction(argv, { ...globalFlags, ...flags });
    const { args, context } = parseCommand(rest, flags);
    positionals(args, []);
    if (action !== 'status' && action !== 'health' && action !== 'hashkv') {
      throw new UsageError(
        action === undefined ? 'missing a subcommand' : `unknown subcommand "${action}"`,
      );
    }
    const endpoints =
      args.values.cluster === true ? await clusterEndpoints(context.client()) : context.endpoints;
    switch (action) {
      case 'status':
        return status(context, endpoints);
      case 'health':
        return health(context, endpoints);
      case 'hashkv':
        return hashkv(context, endpoints, intFlag(args, 'rev', 0));
    }
  });
}

/** The endpoint as etcdctl prints it: host:port for plain http. */
function shown(endpoint: string): string {
  return endpoint.replace(/^http:\/\//, '');
}

type Answer<T> = { endpoint: string; value: T } | { endpoint: string; error: string };

async function each<T>(
  context: CommandContext,
  endpoints: readonly string[],
  call: (client: ReturnType<typeof endpointClient>) => Promise<T>,
): Promise<Answer<T>[]> {
  return Promise.all(
    endpoints.map(async (endpoint) => {
      const client = endpointClient(context.clientOptions, endpoint, context.commandTimeoutMs);
      try {
        return { endpoint: shown(endpoint), value: await call(client) };
      } catch (error) {
        const text = failureText(error);
        return { endpoint: shown(endpoint), error: text };
      } finally {
        client.close();
      }
    }),
  );
}

function failures<T>(answers: Answer<T>[], what: string): number {
  let failed = 0;
  for (const a of answers) {
    if ('error' in a) {
      failed += 1;
      process.stderr.write(
        `concord endpoint: failed to get the ${what} of endpoint ${a.endpoint} (${a.error})\n`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

async function status(context: CommandContext, endpoints: readonly string[]): Promise<number> {
  const answers = await each(context, endpoints, (client) =>
    client.connection.unary<WireStatusResponse>('Maintenance', 'Status', {}, 'read'),
  );
  const ok = answers.flatMap((a) => ('value' in a ? [a] : []));
  if (context.format === 'json') {
    process.stdout.write(
      `${jsonText(
        ok.map(({ endpoint, value: s }) => ({
          Endpoint: endpoint,
          Status: {
            header: headerJson(s.header),
            version: s.version,
            dbSize: BigInt(s.dbSize),
            leader: BigInt(s.leader),
            raftIndex: BigInt(s.raftIndex),
            raftTerm: BigInt(s.raftTerm),
            raftAppliedIndex: BigInt(s.raftAppliedIndex),
            errors: s.errors.length === 0 ? undefined : s.errors,
            dbSizeInUse: BigInt(s.dbSizeInUse),
            isLearner: s.isLearner || undefined,
          },
        })),
      )}\n`,
    );
  } else {
    const rows = ok.map(({ endpoint, value: s }) => [
      endpoint,
      hexId(s.header.memberId),
      s.version,
      humanBytes(Number(s.dbSize)),
      String(BigInt(s.leader) === BigInt(s.header.memberId)),
      String(s.isLearner),
      s.raftTerm,
      s.raftIndex,
      s.raftAppliedIndex,
      s.errors.join(', '),
    ]);
    process.stdout.write(
      context.format === 'table'
        ? table(
            [
              'ENDPOINT',
              'ID',
              'VERSION',
              'DB SIZE',
              'IS LEADER',
              'IS LEARNER',
              'RAFT TERM',
              'RAFT INDEX',
              'RAFT APPLIED INDEX',
              'ERRORS',
            ],
            rows,
          )
        : rows.map((r) => `${r.join(', ')}\n`).join(''),
    );
  }
  return failures(answers, 'status');
}

async function health(context: CommandContext, endpoints: readonly string[]): Promise<number> {
  const answers = await each(context, endpoints, async (client) => {
    const started = performance.now();
    try {
      // etcdctl's probe: a linearizable read goes through the leader and a quorum.
      await client.range('health');
    } catch (error) {
      // Under auth a user may not read "health": the member answered, so it is healthy.
      if (!(error instanceof ServerError && /permission denied/.test(error.details))) throw error;
    }
    return `${(performance.now() - started).toFixed(3)}ms`;
  });
  if (context.format === 'json') {
    process.stdout.write(
      `${jsonText(
        answers.map((a) =>
          'value' in a
            ? { endpoint: a.endpoint, health: true, took: a.value }
            : { endpoint: a.endpoint, health: false, error: a.error },
        ),
      )}\n`,
    );
  } else if (context.format === 'table') {
    process.stdout.write(
      table(
        ['ENDPOINT', 'HEALTH', 'TOOK', 'ERROR'],
        answers.map((a) =>
          'value' in a ? [a.endpoint, 'true', a.value, ''] : [a.endpoint, 'false', '', a.error],
        ),
      ),
    );
  } else {
    for (const a of answers) {
      if ('value' in a) {
        process.stdout.write(
          `${a.endpoint} is healthy: successfully committed proposal: took = ${a.value}\n`,
        );
      } else {
        process.stderr.write(`${a.endpoint} is unhealthy: failed to commit proposal: ${a.error}\n`);
      }
    }
  }
  const unhealthy = answers.filter((a) => 'error' in a).length;
  if (unhealthy > 0) {
    process.stderr.write(
      `concord endpoint health: unhealthy cluster (${unhealthy} of ${answers.length} endpoints)\n`,
    );
    return 1;
  }
  return 0;
}

async function hashkv(
  context: CommandContext,
  endpoints: readonly string[],
  revision: number,
): Promise<number> {
  const answers = await each(context, endpoints, (client) =>
    client.connection.unary<WireHashKvResponse>(
      'Maintenance',
      'HashKV',
      { revision: String(revision) },
      'read',
    ),
  );
  const ok = answers.flatMap((a) => ('value' in a ? [a] : []));
  if (context.format === 'json') {
    process.stdout.write(
      `${jsonText(
        ok.map(({ endpoint, value: h }) => ({
          Endpoint: endpoint,
          HashKV: {
            header: headerJson(h.header),
            hash: h.hash,
            compact_revision: BigInt(h.compactRevision),
          },
        })),
      )}\n`,
    );
  } else if (context.format === 'table') {
    process.stdout.write(
      table(
        ['ENDPOINT', 'HASH'],
        ok.map(({ endpoint, value }) => [endpoint, String(value.hash)]),
      ),
    );
  } else {
    process.stdout.write(ok.map(({ endpoint, value }) => `${endpoint}, ${value.hash}\n`).join(''));
  }
  return failures(answers, 'hash');
}
