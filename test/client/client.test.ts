/**
 * Concord's client against real servers, the same test bodies for each (targets.ts): a
 * 3-member Concord cluster and Debian's etcd, one of each for the whole file. The client's
 * own cases (client-cases.ts), then the recipes' (recipe-cases.ts), then the Auth
 * administration's (auth-cases.ts), last because it turns auth on for a while.
 */
import { after, before, describe } from 'node:test';
import { Client, type ClientOptions } from '../../src/client/index.js';
import { authCases } from './auth-cases.js';
import { clientCases } from './client-cases.js';
import { recipeCases } from './recipe-cases.js';
import { targetKinds, type Target, type TargetContext } from './targets.js';

for (const kind of targetKinds) {
  describe(`against ${kind.name}`, { skip: kind.skip }, () => {
    let target: Target | undefined;
    const clients: Client[] = [];
    const ctx: TargetContext = {
      target: () => {
        if (target === undefined) throw new Error('the target has not started');
        return target;
      },
      open: (options: Partial<ClientOptions> = {}) => {
        const client = new Client({ endpoints: ctx.target().endpoints(), ...options });
        clients.push(client);
        return client;
      },
    };

    before(async () => {
      target = await kind.start();
    });
    after(async () => {
      for (const client of clients) client.close();
      await target?.destroy();
    });

    describe('client', () => clientCases(ctx));
    describe('recipes', () => recipeCases(ctx));
    describe('auth administration', () => authCases(ctx));
  });
}
