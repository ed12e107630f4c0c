/**
 * `concord elect NAME [PROPOSAL]`: etcdctl's elect. Campaigns with PROPOSAL and, once
 * elected, prints the leader's key and value and leads until SIGINT (then resigns). With
 * `-l`, observes instead: prints the leader's key and value now and at every change.
 */
import { Election, Session, type KeyValue } from '../../client/index.js';
import { intFlag } from '../args.js';
import { CommandError, UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { kvJson, kvLines } from '../output/kv.js';
import { parseCommand, positionals, runClientCommand, type CommandContext } from './context.js';
import { untilSignal } from './signals.js';
import { wireKv } from './watch.js';

export const electUsage = `usage: concord elect NAME [PROPOSAL] [flags]
  campaign in election NAME with PROPOSAL; once elected print the leader key and value, and
  lead until interrupted (then resign)
  -l, --listen   observe: print the leader (key, value) now and at every change
  --ttl N        the session lease's TTL in seconds (default 10)
`;

const flags = { listen: { type: 'boolean', short: 'l' }, ttl: { type: 'string' } } as const;

export function elect(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord elect', electUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags, ['simple', 'json']);
    const listen = args.values.listen === true;
    const [name, proposal] = positionals(args, ['NAME'], ['PROPOSAL']);
    if (listen && proposal !== undefined) throw new UsageError('-l takes no PROPOSAL');
    if (!listen && proposal === undefined)
      throw new UsageError('missing PROPOSAL (or -l to observe)');
    const ttl = intFlag(args, 'ttl', 10);
    if (ttl <= 0) throw new UsageError('--ttl must be positive');
    const stop = untilSignal();
    try {
      return listen
        ? await observe(context, name!, stop.signal)
        : await campaign(context, name!, proposal!, ttl, stop.signal);
    } finally {
      stop.dispose();
    }
  });
}

function printLeader(context: CommandContext, kv: KeyValue): void {
  const wire = wireKv(kv);
  process.stdout.write(context.format === 'json' ? `${jsonText(kvJson(wire))}\n` : kvLines(wire));
}

async function observe(
  context: CommandContext,
  name: string,
  signal: AbortSignal,
): Promise<number> {
  // observe() only reads and watches through the session's client: no lease is needed to look.
  const election = new Election({ client: context.client() } as Session, name);
  try {
    for await (const leader of election.observe({ signal })) printLeader(context, leader);
  } catch (error) {
    if (!signal.aborted) throw error;
  }
  return 0;
}

async function campaign(
  context: CommandContext,
  name: string,
  proposal: string,
  ttl: number,
  signal: AbortSignal,
): Promise<number> {
  const session = await Session.create(context.client(), { ttl });
  const election = new Election(session, name);
  try {
    try {
      await election.campaign(proposal, { signal });
    } catch (error) {
      if (signal.aborted) throw new CommandError('interrupted while campaigning');
      throw error;
    }
    const leader = await election.leader();
    if (leader !== undefined) printLeader(context, leader);
    const lost = await Promise.race([
      session.done.then(() => true),
      new Promise<false>((resolve) =>
        signal.addEventListener('abort', () => resolve(false), { once: true }),
      ),
    ]);
    if (lost) throw new CommandError(`lost the leadership of ${name}: the session's lease expired`);
    return 0;
  } finally {
    await election.resign({ timeoutMs: 5000 }).catch(() => undefined);
    await session.close({ timeoutMs: 5000 }).catch(() => undefined);
  }
}
