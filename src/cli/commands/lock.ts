/**
 * `concord lock NAME [COMMAND...]`: etcdctl's lock. Without COMMAND: acquires the lock,
 * prints its key (and the fencing token on the next line) and holds it until SIGINT.
 * With COMMAND: runs COMMAND while holding the lock, releases it when COMMAND exits, and
 * exits with COMMAND's code. COMMAND sees the lock in its environment:
 * CONCORD_LOCK_KEY and CONCORD_FENCING_TOKEN (etcdctl's ETCD_LOCK_KEY and ETCD_LOCK_REV
 * too). The fencing token is the lock key's create revision: it grows with every holder, so
 * a resource can refuse writes from a holder that lost the lock without knowing it.
 *
 * If the lock is lost while COMMAND runs (the session's lease expired: this process was
 * cut off for a whole TTL), COMMAND gets SIGTERM and the exit code is 1.
 */
import { spawn } from 'node:child_process';
import { Mutex, Session } from '../../client/index.js';
import { intFlag } from '../args.js';
import { CommandError, UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { globalFlags, parseCommand, positionals, runClientCommand } from './context.js';
import { untilSignal } from './signals.js';
import { splitAfterPositionals } from './split-argv.js';

export const lockUsage = `usage: concord lock [flags] NAME [flags] [--] [COMMAND [ARGS...]]
  acquire the distributed lock NAME; without COMMAND print its key and fencing token and hold
  it until interrupted; with COMMAND run it while holding the lock and exit with its code
  (COMMAND's environment: CONCORD_LOCK_KEY, CONCORD_FENCING_TOKEN, ETCD_LOCK_KEY, ETCD_LOCK_REV)
  --ttl N   the session lease's TTL in seconds (default 10): how long the lock outlives a
            holder that died without releasing it
`;

const flags = { ttl: { type: 'string' } } as const;

export function lock(argv: readonly string[]): Promise<number> {
  const { own, tail } = splitAfterPositionals(argv, { ...globalFlags, ...flags }, 1);
  return runClientCommand('concord lock', lockUsage, own, async () => {
    const { args, context } = parseCommand(own, flags, ['simple', 'json']);
    const [name] = positionals(args, ['NAME']);
    const ttl = intFlag(args, 'ttl', 10);
    if (ttl <= 0) throw new UsageError('--ttl must be positive');
    const stop = untilSignal();
    const client = context.client();
    try {
      const session = await Session.create(client, { ttl });
      const mutex = new Mutex(session, name!);
      let token: number;
      try {
        token = await mutex.lock({ signal: stop.signal });
      } catch (error) {
        await session.close({ timeoutMs: 2000 }).catch(() => undefined);
        if (stop.signal.aborted) throw new CommandError('interrupted while waiting for the lock');
        throw error;
      }
      const key = mutex.key!;
      try {
        if (tail.length === 0) {
          process.stdout.write(
            context.format === 'json'
              ? `${jsonText({ key: Buffer.from(key).toString('base64'), fencing_token: token })}\n`
              : `${key}\nfencing-token ${token}\n`,
          );
          const lost = await Promise.race([
            session.done.then(() => true),
            new Promise<false>((resolve) =>
              stop.signal.addEventListener('abort', () => resolve(false), { once: true }),
            ),
          ]);
          if (lost) throw new CommandError(`lost the lock ${key}: the session's lease expired`);
          return 0;
        }
        return await runHolding(tail, key, token, session, stop.signal);
      } finally {
        await mutex.unlock({ timeoutMs: 5000 }).catch(() => undefined);
        await session.close({ timeoutMs: 5000 }).catch(() => undefined);
      }
    } finally {
      stop.dispose();
    }
  });
}

async function runHolding(
  command: readonly string[],
  key: string,
  token: number,
  session: Session,
  interrupt: AbortSignal,
): Promise<number> {
  const child = spawn(command[0]!, command.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      CONCORD_LOCK_KEY: key,
      CONCORD_FENCING_TOKEN: String(token),
      ETCD_LOCK_KEY: key,
      ETCD_LOCK_REV: String(token),
    },
  });
  let lost = false;
  void session.done.then(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    lost = true;
    process.stderr.write(
      `concord lock: lost the lock ${key} (the session's lease expired): stopping ${command[0]}\n`,
    );
    child.kill('SIGTERM');
  });
  const forward = (): void => void child.kill('SIGTERM');
  interrupt.addEventListener('abort', forward, { once: true });
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new CommandError(`cannot run ${command[0]}: ${error.message}`)),
    );
    child.once('exit', (exitCode, signal) =>
      resolve(exitCode ?? 128 + (signal === null ? 0 : signalNumber(signal))),
    );
  });
  interrupt.removeEventListener('abort', forward);
  if (lost) throw new CommandError(`lost the lock ${key} while ${command[0]} ran`);
  return code;
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 1;
}
