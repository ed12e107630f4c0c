/**
 * Auth end to end on one real member: Debian's etcdctl 3.4 sets up users, roles and grants
 * and enables auth; reads and writes are then allowed and denied as granted, with etcd's
 * exact errors; watches, txns and root-only calls are checked; simple tokens expire and
 * clients authenticate again; the state survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { rawClient, refusal } from '../helpers/grpc.js';
import { MemberProcess } from '../helpers/member-process.js';
import { waitFor } from '../helpers/wait.js';
import { bytes, callAs, tokenMetadata } from './helpers.js';

const tokenTtlSeconds = 2;

describe('auth with etcdctl and the etcd3 client (one member)', { skip: etcdctlSkip }, () => {
  let member: MemberProcess;
  let ctl: Etcdctl;
  const clients: grpc.Client[] = [];
  const raw = (service: 'KV' | 'Auth' | 'Watch' | 'Maintenance'): grpc.Client => {
    const client = rawClient(service, member.endpoint);
    clients.push(client);
    return client;
  };
  const as =
    (user: string) =>
    (...args: string[]) =>
      ctl.ok(`--user=${user}`, ...args);
  const failsAs =
    (user: string) =>
    (...args: string[]) =>
      ctl.fails(`--user=${user}`, ...args);
  const login = async (name: string, password: string): Promise<string> => {
    const { token } = await callAs<{ token: string }>(raw('Auth'), 'Authenticate', {
      name,
      password,
    });
    return token;
  };

  before(async () => {
    member = await MemberProcess.start({
      args: ['--auth-token-ttl', String(tokenTtlSeconds), '--bcrypt-cost', '4'],
    });
    ctl = new Etcdctl(() => member.endpoint);
  });

  after(async () => {
    for (const client of clients) client.close();
    await member.destroy();
  });

  it('sets up users, roles and grants, and enables auth (etcdctl 3.4)', async () => {
    assert.match(
      await ctl.ok('user', 'add', 'root', '--new-user-password=rootpw'),
      /User root created/,
    );
    assert.match(
      await ctl.ok('user', 'add', 'alice', '--new-user-password=alicepw'),
      /User alice created/,
    );
    assert.match(
      await ctl.ok('user', 'add', 'bob', '--new-user-password=bobpw'),
      /User bob created/,
    );
    assert.match(await ctl.ok('role', 'add', 'app'), /Role app created/);
    assert.match(
      await ctl.ok('role', 'grant-permission', '--prefix', 'app', 'readwrite', '/app/'),
      /Role app updated/,
    );
    await ctl.ok('role', 'grant-permission', 'app', 'read', '/ro');
    assert.match(
      await ctl.ok('user', 'grant-role', 'alice', 'app'),
      /Role app is granted to user alice/,
    );
    assert.match(
      await ctl.fails('user', 'add', 'alice', '--new-user-password=x'),
      /etcdserver: user name already exists/,
    );
    assert.match(
      await ctl.fails('user', 'grant-role', 'nobody', 'app'),
      /etcdserver: user name not found/,
    );
    assert.match(
      await ctl.fails('user', 'grant-role', 'alice', 'nope'),
      /etcdserver: role name not found/,
    );
    assert.match(await ctl.fails('role', 'add', 'app'), /etcdserver: role name already exists/);
    assert.match(
      await ctl.fails('user', 'revoke-role', 'bob', 'app'),
      /etcdserver: role is not granted to the user/,
    );
    // Enabling needs root with the root role: etcdctl adds the role and grants it itself.
    assert.match(await ctl.ok('auth', 'enable'), /Authentication Enabled/);
  });

  it('allows and denies reads and writes as granted, with etcd errors', async () => {
    const alice = as('alice:alicepw');
    const aliceFails = failsAs('alice:alicepw');
    assert.match(await ctl.fails('get', '/app/x'), /etcdserver: user name is empty/);
    assert.match(await alice('put', '/app/x', 'one'), /OK/);
    assert.match(await alice('get', '/app/x'), /one/);
    assert.match(await alice('get', '--prefix', '/app/'), /one/);
    assert.match(await aliceFails('put', '/other', '1'), /etcdserver: permission denied/);
    assert.match(await aliceFails('get', '--prefix', '/'), /etcdserver: permission denied/);
    assert.match(await aliceFails('put', '/ro', '1'), /etcdserver: permission denied/);
    assert.equal(await alice('get', '/ro'), '', 'READ on /ro: allowed, and empty');
    assert.match(await aliceFails('del', '/other'), /etcdserver: permission denied/);
    // prev_kv needs READ as well as WRITE.
    assert.match(await alice('put', '--prev-kv', '/app/x', 'two'), /one/);
    // A wrong password, and an unknown user, get the same answer.
    assert.match(
      await failsAs('bob:wrong')('get', '/app/x'),
      /etcdserver: authentication failed, invalid user ID or password/,
    );
    assert.match(
      await failsAs('nobody:pw')('get', '/app/x'),
      /etcdserver: authentication failed, invalid user ID or password/,
    );
    // Root-only: auth management, compaction, maintenance.
    assert.match(await aliceFails('user', 'list'), /etcdserver: permission denied/);
    assert.match(await aliceFails('auth', 'disable'), /etcdserver: permission denied/);
    assert.match(await aliceFails('compaction', '1'), /etcdserver: permission denied/);
    assert.match(await aliceFails('endpoint', 'hashkv'), /etcdserver: permission denied/);
    assert.match(await aliceFails('defrag'), /etcdserver: permission denied/);
    const snapshot = `${member.dataDir}.snapshot.db`;
    assert.match(await aliceFails('snapshot', 'save', snapshot), /etcdserver: permission denied/);
    assert.match(await as('root:rootpw')('snapshot', 'save', snapshot), /Snapshot saved/);
    assert.match(await alice('user', 'get', 'alice'), /Roles: app/, 'a user may read itself');
    assert.match(await alice('role', 'get', 'app'), /\/app\//, 'and its own roles');
    const root = as('root:rootpw');
    assert.deepEqual((await root('user', 'list')).trim().split('\n'), ['alice', 'bob', 'root']);
    assert.deepEqual((await root('role', 'list')).trim().split('\n'), ['app', 'root']);
    assert.match(await root('role', 'get', 'app'), /\[\/app\/, \/app0\) \(prefix \/app\/\)/);
    assert.match(await root('get', '--prefix', '/'), /\/app\/x/);
    assert.match(await root('endpoint', 'hashkv'), /, \d+/);
    // A lease's keys are shown only to whoever may read them all.
    const lease = /lease ([0-9a-f]+) granted/.exec(await alice('lease', 'grant', '60'))?.[1] ?? '';
    await alice('put', '--lease', lease, '/app/leased', 'v');
    assert.match(await alice('lease', 'timetolive', '--keys', lease), /\/app\/leased/);
    await root('put', '--lease', lease, '/secret', 'v');
    assert.match(
      await aliceFails('lease', 'timetolive', '--keys', lease),
      /etcdserver: permission denied/,
    );
    assert.match(await aliceFails('lease', 'revoke', lease), /etcdserver: permission denied/);
    assert.match(await root('lease', 'revoke', lease), /revoked/);
    assert.match(
      await failsAs('root:rootpw')('role', 'delete', 'root'),
      /etcdserver: invalid auth management/,
    );
  });

  it('checks every op of both txn branches and the compares', async () => {
    const txn = (stdin: string) => ctl.run(['--user=alice:alicepw', 'txn'], stdin);
    // The compare holds, so success runs; failure writes /other, which alice may not.
    const denied = await txn('mod("/app/x") > "0"\n\nput /app/t yes\n\nput /other no\n\n');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /etcdserver: permission denied/);
    const deniedCompare = await txn('mod("/secret") > "0"\n\nput /app/t yes\n\n\n');
    assert.match(deniedCompare.stderr, /etcdserver: permission denied/);
    const allowed = await txn('mod("/app/x") > "0"\n\nput /app/t yes\n\nget /ro\n\n');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /SUCCESS/);
  });

  it('creates and cancels at once a watch the user may not read, with the reason', async () => {
    const token = await login('alice', 'alicepw');
    const client = raw('Watch') as unknown as {
      Watch(metadata: grpc.Metadata): grpc.ClientDuplexStream<object, WatchResponse>;
    };
    const watch = client.Watch(tokenMetadata(token));
    const responses: WatchResponse[] = [];
    const canceled = waitFor<WatchResponse>('the denied watch to be canceled', (done) => {
      watch.on('data', (response: WatchResponse) => {
        responses.push(response);
        if (response.canceled) done(response);
      });
    });
    watch.on('error', () => undefined);
    watch.write({ createRequest: { key: bytes('/other'), rangeEnd: Buffer.alloc(0) } });
    const response = await canceled;
    assert.equal(response.cancelReason, 'etcdserver: permission denied');
    assert.equal(responses[0]?.created, true, 'created first');
    // A permitted watch on the same stream works.
    const created = waitFor<WatchResponse>('the permitted watch', (done) => {
      watch.on('data', (r: WatchResponse) => {
        if (r.created && !r.canceled) done(r);
      });
    });
    watch.write({ createRequest: { key: bytes('/app/'), rangeEnd: bytes('/app0') } });
    await created;
    watch.end();
  });

  it('expires simple tokens after --auth-token-ttl; clients authenticate again', async () => {
    const token = await login('alice', 'alicepw');
    const kv = raw('KV');
    await callAs(kv, 'Range', { key: bytes('/app/x') }, token);
    const client = new Etcd3({
      hosts: member.url,
      auth: { username: 'alice', password: 'alicepw' },
    });
    try {
      assert.equal(await client.get('/app/x').string(), 'two');
      // The thing under test is time itself: a token unused for its TTL is forgotten (a use
      // restarts the TTL, so there is no event to wait on, only the clock).
      await delay(tokenTtlSeconds * 1000 + 1500);
      const [code, message] = await refusal(callAs(kv, 'Range', { key: bytes('/app/x') }, token));
      assert.deepEqual([code, message], [16, 'etcdserver: invalid auth token']);
      // etcd3 re-authenticates on "invalid auth token"; etcdctl authenticates per command.
      assert.equal(await client.get('/app/x').string(), 'two');
      assert.match(await as('alice:alicepw')('get', '/app/x'), /two/);
    } finally {
      client.close();
    }
  });

  it("serves the etcd3 client's user and role APIs", async () => {
    const root = new Etcd3({ hosts: member.url, auth: { username: 'root', password: 'rootpw' } });
    try {
      const role = await root.role('reader').create();
      await role.grant({ permission: 'Read', range: root.range({ prefix: '/c/' }) });
      const carol = await root.user('carol').create('carolpw');
      await carol.addRole('reader');
      assert.deepEqual(
        (await carol.roles()).map((r) => r.name),
        ['reader'],
      );
      const perms = await role.permissions();
      assert.equal(perms.length, 1);
      assert.equal(perms[0]?.permission, 'Read');
      assert.ok((await root.getUsers()).map((u) => u.name).includes('carol'));
      assert.ok((await root.getRoles()).map((r) => r.name).includes('reader'));
      await root.put('/c/k').value('v');
      const asCarol = new Etcd3({
        hosts: member.url,
        auth: { username: 'carol', password: 'carolpw' },
      });
      try {
        assert.equal(await asCarol.get('/c/k').string(), 'v');
        await assert.rejects(
          asCarol.put('/c/k').value('w').exec(),
          /etcdserver: permission denied/,
        );
      } finally {
        asCarol.close();
      }
      await assert.rejects(root.role('reader').create(), /etcdserver: role name already exists/);
    } finally {
      root.close();
    }
  });

  it("drops a user's tokens when its password changes or it is deleted", async () => {
    const kv = raw('KV');
    const token = await login('bob', 'bobpw');
    const read = () => callAs(kv, 'Range', { key: bytes('/app/x') }, token);
    assert.deepEqual(
      await refusal(read()),
      [7, 'etcdserver: permission denied'],
      'bob has no role',
    );
    const passwd = await ctl.run(
      ['--user=root:rootpw', 'user', 'passwd', 'bob', '--interactive=false'],
      'bobpw2\n',
    );
    assert.equal(passwd.code, 0, passwd.stderr);
    assert.deepEqual(await refusal(read()), [16, 'etcdserver: invalid auth token']);
    const fresh = await login('bob', 'bobpw2');
    await ctl.ok('--user=root:rootpw', 'user', 'delete', 'bob');
    assert.deepEqual(await refusal(callAs(kv, 'Range', { key: bytes('/app/x') }, fresh)), [
      16,
      'etcdserver: invalid auth token',
    ]);
  });

  it('keeps the auth state across a restart (tokens are member-local and are not kept)', async () => {
    const token = await login('alice', 'alicepw');
    await member.stop();
    await member.restart();
    assert.match(await as('alice:alicepw')('get', '/app/x'), /two/);
    assert.match(
      await failsAs('alice:alicepw')('put', '/other', '1'),
      /etcdserver: permission denied/,
    );
    assert.match(await ctl.fails('get', '/app/x'), /etcdserver: user name is empty/);
    const [code, message] = await refusal(
      callAs(raw('KV'), 'Range', { key: bytes('/app/x') }, token),
    );
    assert.deepEqual([code, message], [16, 'etcdserver: invalid auth token']);
  });
});

interface WatchResponse {
  readonly created: boolean;
  readonly canceled: boolean;
  readonly cancelReason: string;
}
