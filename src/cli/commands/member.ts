/**
 * `concord member list | add NAME --peer-urls URLS [--learner] | remove ID | update ID
 * --peer-urls URLS | promote ID`: etcdctl's member commands (IDs in hex). `add` prints the
 * flags the new member must start with.
 */
import { stringFlag } from '../args.js';
import { UsageError } from '../command-error.js';
import { hexId, jsonText, table } from '../output/format.js';
import { headerJson } from '../output/kv.js';
import {
  globalFlags,
  openClient,
  parseCommand,
  positionals,
  runClientCommand,
  type CommandContext,
} from './context.js';
import { memberList } from './cluster-wire.js';
import { takeAction } from './split-argv.js';
import type { Client } from '../../client/index.js';
import type { WireMember, WireMemberAddResponse, WireMembersResponse } from '../../client/proto.js';

export const memberUsage = `usage: concord member <subcommand> [flags]
  list                                    the members (-w table for columns)
  add NAME --peer-urls URL[,URL] [--learner]
                                          add a member; prints the flags to start it with
  remove ID                               remove a member (ID in hex, as list prints it)
  update ID --peer-urls URL[,URL]         change a member's peer URLs
  promote ID                              make a learner a voting member
`;

const flags = { 'peer-urls': { type: 'string' }, learner: { type: 'boolean' } } as const;

export function member(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord member', memberUsage, argv, async () => {
    const { action, rest } = takeAction(argv, { ...globalFlags, ...flags });
    const { args, context } = parseCommand(rest, flags);
    // Membership changes are not idempotent: retried only when the first copy surely failed.
    const client = openClient({ ...context.clientOptions, requestIdentity: false });
    const peerUrls = (): string[] => {
      const urls = stringFlag(args, 'peer-urls', '')
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '');
      if (urls.length === 0) throw new UsageError('missing --peer-urls');
      for (const url of urls) {
        if (!/^https?:\/\/[^/\s]+:\d+$/.test(url)) {
          throw new UsageError(`--peer-urls: "${url}" is not http(s)://host:port`);
        }
      }
      return urls;
    };
    switch (action) {
      case 'list':
        positionals(args, []);
        return list(context, await memberList(client));
      case 'add': {
        const [name] = positionals(args, ['NAME']);
        return add(context, client, name!, peerUrls(), args.values.learner === true);
      }
      case 'remove':
      case 'update':
      case 'promote': {
        const id = memberId(positionals(args, ['ID'])[0]!);
        const request =
          action === 'update' ? { ID: id.toString(), peerURLs: peerUrls() } : { ID: id.toString() };
        const method = { remove: 'MemberRemove', update: 'MemberUpdate', promote: 'MemberPromote' }[
          action
        ];
        // Not 'write': the Cluster service keeps no request identities, so a retry once the
        // change may have been sent could make it twice.
        const response = await client.connection.unary<WireMembersResponse>(
          'Cluster',
          method,
          request,
          'unidentified-write',
        );
        const verb = { remove: 'removed from', update: 'updated in', promote: 'promoted in' }[
          action
        ];
        print(
          context,
          () => ({
            header: headerJson(response.header),
            members: response.members.map(memberJson),
          }),
          () => `Member ${hexId(id)} ${verb} cluster ${hexId(response.header.clusterId)}\n`,
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

function memberId(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) {
    throw new UsageError(`bad member ID "${text}": expected hex, as member list prints it`);
  }
  return BigInt(`0x${text}`);
}

function print(context: CommandContext, json: () => object, simple: () => string): void {
  process.stdout.write(context.format === 'json' ? `${jsonText(json())}\n` : simple());
}

function memberJson(m: WireMember): object {
  return {
    ID: BigInt(m.ID),
    name: m.name === '' ? undefined : m.name,
    peerURLs: m.peerURLs.length === 0 ? undefined : m.peerURLs,
    clientURLs: m.clientURLs.length === 0 ? undefined : m.clientURLs,
    isLearner: m.isLearner || undefined,
  };
}

function row(m: WireMember): string[] {
  return [
    hexId(m.ID),
    m.name === '' ? 'unstarted' : 'started',
    m.name,
    m.peerURLs.join(','),
    m.clientURLs.join(','),
    String(m.isLearner),
  ];
}

function list(context: CommandContext, response: WireMembersResponse): number {
  if (context.format === 'json') {
    process.stdout.write(
      `${jsonText({ header: headerJson(response.header), members: response.members.map(memberJson) })}\n`,
    );
  } else if (context.format === 'table') {
    process.stdout.write(
      table(
        ['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'],
        response.members.map(row),
      ),
    );
  } else {
    process.stdout.write(response.members.map((m) => `${row(m).join(', ')}\n`).join(''));
  }
  return 0;
}

async function add(
  context: CommandContext,
  client: Client,
  name: string,
  peerUrls: string[],
  learner: boolean,
): Promise<number> {
  const response = await client.connection.unary<WireMemberAddResponse>(
    'Cluster',
    'MemberAdd',
    { peerURLs: peerUrls, isLearner: learner },
    'unidentified-write', // as above: a second MemberAdd would add a second member
  );
  const added = response.member;
  if (added === null) throw new Error('MemberAdd answered no member');
  const initialCluster = response.members
    .flatMap((m) => {
      const memberName = BigInt(m.ID) === BigInt(added.ID) ? name : m.name;
      return memberName === '' ? [] : m.peerURLs.map((url) => `${memberName}=${url}`);
    })
    .join(',');
  print(
    context,
    () => ({
      header: headerJson(response.header),
      member: memberJson(added),
      members: response.members.map(memberJson),
    }),
    () =>
      `Member ${hexId(added.ID)} added to cluster ${hexId(response.header.clusterId)}\n\n` +
      `ETCD_NAME="${name}"\n` +
      `ETCD_INITIAL_CLUSTER="${initialCluster}"\n` +
      `ETCD_INITIAL_ADVERTISE_PEER_URLS="${peerUrls.join(',')}"\n` +
      `ETCD_INITIAL_CLUSTER_STATE="existing"\n\n` +
      `start it with:\n  concord serve --name ${name} --initial-cluster ${initialCluster} --initial-advertise-peer-urls ${peerUrls.join(',')} --listen-peer-urls ${peerUrls.join(',')} --initial-cluster-state existing\n`,
  );
  return 0;
}
