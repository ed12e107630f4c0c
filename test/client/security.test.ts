/**
 * The client's TLS and auth options against a Concord member and Debian's etcd, both
 * serving clients over https with --client-cert-auth (the same bodies): the client verifies
 * the server against its CA and presents its certificate; it logs in with a user name and
 * password, sends the token, and logs in again when a restarted server has forgotten it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Client, ServerError, type ClientOptions } from '../../src/client/index.js';
import { EtcdProcess, etcdUnavailable } from '../helpers/etcd-process.js';
import { freePort } from '../helpers/free-port.js';
import { MemberProcess } from '../helpers/member-process.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

interface SecureTarget {
  /** https://host:port */
  readonly url: string;
  /** Kill and start again on the same data dir and port (auth tokens are forgotten). */
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

const kinds: {
  name: string;
  skip: string | false;
  start: (certs: TlsFixtures) => Promise<SecureTarget>;
}[] = [
  {
    name: 'concord',
    skip: false,
    async start(certs) {
      const member = await MemberProcess.start({
        listenClientUrls: `https://127.0.0.1:${await freePort()}`,
        args: [
          ...['--cert-file', certs.server.cert, '--key-file', certs.server.key],
          ...['--trusted-ca-file', certs.ca.cert, '--client-cert-auth'],
        ],
      });
      return {
        url: member.url,
        async restart() {
          await member.kill();
          await member.restart();
        },
        destroy: () => member.destroy(),
      };
    },
  },
  {
    name: 'etcd',
    skip: etcdUnavailable(),
    async start(certs) {
      const etcd = await EtcdProcess.start({
        tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert },
      });
      return {
        url: etcd.url,
        async restart() {
          await etcd.kill();
          await etcd.restart();
        },
        destroy: () => etcd.destroy(),
      };
    },
  },
];

for (const kind of kinds) {
  describe(`client TLS and auth against ${kind.name}`, { skip: kind.skip }, () => {
    let certs: TlsFixtures;
    let target: SecureTarget;
    const clients: Client[] = [];
    const open = (options: Partial<ClientOptions> = {}): Client => {
      const client = new Client({
        endpoints: [target.url],
        tls: {
          ca: readFileSync(certs.ca.cert),
          cert: readFileSync(certs.alice.cert),
          key: readFileSync(certs.alice.key),
        },
        ...options,
      });
      clients.push(client);
      return client;
    };

    before(async () => {
      certs = createTlsFixtures();
      target = await kind.start(certs);
    });
    after(async () => {
      for (const client of clients) client.close();
      await target?.destroy();
      certs?.remove();
    });

    test('TLS: verifies the server against the CA and presents a client certificate', async () => {
      const client = open();
      await client.put('tls/key', 'secret');
      assert.equal(await client.getString('tls/key'), 'secret');
      const watcher = client.watch('tls/key');
      await watcher.ready;
      await watcher.close();

      // A server from outside our trust, or no client certificate: nothing gets through.
      const otherCa = open({ tls: { ca: readFileSync(certs.otherCa.cert) } });
      await assert.rejects(otherCa.get('tls/key', { timeoutMs: 1_500 }));
      const noCert = open({ tls: { ca: readFileSync(certs.ca.cert) } });
      await assert.rejects(noCert.get('tls/key', { timeoutMs: 1_500 }));
    });

    test('auth: logs in, sends the token, and logs in again after the server forgot it', async () => {
      const admin = open();
      const call = (method: string, request: object): Promise<unknown> =>
        admin.connection.unary('Auth', method, request, 'write');
      await call('RoleAdd', { name: 'root' });
      await call('UserAdd', { name: 'root', password: 'root-pw' });
      await call('UserGrantRole', { user: 'root', role: 'root' });
      await call('AuthEnable', {});

      // The certificate's CN (alice) is no user with rights: without a login, refused.
      const error = await admin.put('auth/key', 'x').then(
        () => assert.fail('an unauthenticated put went through'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ServerError, String(error));

      const root = open({ auth: { username: 'root', password: 'root-pw' } });
      await root.put('auth/key', 'as-root');
      assert.equal(await root.getString('auth/key'), 'as-root');
      assert.equal(root.connection.authentications, 1);

      const wrong = open({ auth: { username: 'root', password: 'nope' } });
      await assert.rejects(wrong.get('auth/key'), /authentication failed/);

      // A restarted Concord has forgotten every simple token (its Authenticate entries are
      // never applied twice): the client logs in again. etcd 3.4 may remember the token: it
      // re-applies the Authenticate entries its backend had not committed before the kill,
      // which re-issues the token; then no new login is needed (seen under load).
      await target.restart();
      assert.equal(await root.getString('auth/key', { timeoutMs: 20_000 }), 'as-root');
      if (kind.name === 'concord') {
        assert.equal(root.connection.authentications, 2, 'renewed the token once');
      } else {
        assert.ok([1, 2].includes(root.connection.authentications), 'at most one new login');
      }
      const watcher = root.watch('auth/key');
      await watcher.ready;
      await watcher.close();
    });
  });
}
