/**
 * A recipe user in its own process, for the recipes tests: `node --import tsx
 * test/client/recipes-worker.ts <role> <json args>`. It reports on stdout, one JSON object
 * per line, and the test reads them (recipes-worker-process.ts). Roles that hold something
 * (a permit, a registration, a transaction) hang afterwards until the test kills them.
 */
import { Client } from '../../src/client/index.js';
import { Session } from '../../src/client/recipes/session.js';
import { Counter } from '../../src/client/recipes/counter.js';
import { Queue } from '../../src/client/recipes/queue.js';
import { Semaphore } from '../../src/client/recipes/semaphore.js';
import { ServiceRegistry } from '../../src/client/recipes/registry.js';
import { TwoPhaseCommit } from '../../src/client/recipes/two-phase-commit.js';
import type { Participant } from '../../src/client/recipes/two-phase-commit.js';
import { FileStore, type FileChange } from './recipes-file-store.js';

interface Args {
  readonly endpoints: string[];
  readonly [name: string]: unknown;
}

const [role, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;
const client = new Client({ endpoints: args.endpoints });
const report = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
/** Runs `body` `parallel` times at once (default 1), each with its own client. */
async function inParallel(body: (own: Client) => Promise<void>): Promise<void> {
  const count = (args['parallel'] as number | undefined) ?? 1;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const own = new Client({ endpoints: args.endpoints });
      try {
        await body(own);
      } finally {
        own.close();
      }
    }),
  );
}
const hang = (): Promise<never> => new Promise(() => setInterval(() => undefined, 60_000));

async function main(): Promise<void> {
  switch (role) {
    case 'queue-consume': {
      // `parallel` consumers, each with its own client, dequeue until each gets a stop item;
      // every item is reported.
      await inParallel(async (own) => {
        const queue = new Queue(own, args['queue'] as string);
        for (;;) {
          const item = (await queue.dequeue()).toString();
          if (item === 'stop') return;
          report({ item });
        }
      });
      report({ done: true });
      return;
    }
    case 'semaphore-rounds': {
      await inParallel(async (own) => {
        const session = await Session.create(own, { ttl: 5 });
        const semaphore = new Semaphore(session, args['name'] as string, args['permits'] as number);
        const mark = `${args['occupancy'] as string}${session.id.toString(16)}`;
        for (let round = 0; round < (args['rounds'] as number); round++) {
          const permit = await semaphore.acquire();
          // While holding: mark ourselves present (on our lease) and count who else is.
          await own.put(mark, '', { lease: session.id });
          const present = await own.range(args['occupancy'] as string, {
            prefix: true,
            countOnly: true,
          });
          await own.delete(mark);
          const released = await permit.release();
          report({ admittedAt: permit.admittedAt, released, present: present.count });
        }
        await session.close();
      });
      report({ done: true });
      return;
    }
    case 'semaphore-hold': {
      const session = await Session.create(client, { ttl: args['ttl'] as number });
      const semaphore = new Semaphore(session, args['name'] as string, args['permits'] as number);
      const permit = await semaphore.acquire();
      report({ holding: permit.key });
      return hang();
    }
    case 'counter-add': {
      await inParallel(async (own) => {
        const counter = new Counter(own, args['key'] as string);
        const values: number[] = [];
        for (let i = 0; i < (args['times'] as number); i++) values.push(await counter.increment());
        report({ values });
      });
      return;
    }
    case 'registry-instance': {
      const session = await Session.create(client, { ttl: args['ttl'] as number });
      const registry = new ServiceRegistry(client, args['prefix'] as string);
      await registry.register(session, args['service'] as string, args['id'] as string, {
        pid: process.pid,
      });
      report({ registered: true });
      return hang();
    }
    case '2pc-crash': {
      // Runs one transaction and "crashes" (hangs, to be SIGKILLed) at the point named by
      // `crashAt`: after the decision is recorded, or after every participant prepared.
      const session = await Session.create(client, { ttl: args['ttl'] as number });
      const stores = (args['stores'] as [string, string][]).map(
        ([name, dir]) => new FileStore(name, dir),
      );
      const crashAfterPrepare = args['crashAt'] === 'prepared';
      let prepared = 0;
      const participants: Participant[] = stores.map((store) => ({
        name: store.name,
        prepare: async (txId, change) => {
          const vote = await store.prepare(txId, change as FileChange);
          if (crashAfterPrepare && ++prepared === stores.length) {
            report({ prepared: true });
            return hang();
          }
          return vote;
        },
        commit: (txId) => store.commit(txId),
        abort: (txId) => store.abort(txId),
      }));
      const coordinator = new TwoPhaseCommit(session, participants, args['prefix'] as string);
      await coordinator.run(args['txId'] as string, args['changes'] as Record<string, unknown>, {
        onDecided: async (decision) => {
          report({ decided: decision });
          if (args['crashAt'] === 'decided') await hang();
        },
      });
      report({ finished: true });
      return;
    }
    default:
      throw new Error(`unknown role ${String(role)}`);
  }
}

main().then(
  () => {
    client.close();
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
