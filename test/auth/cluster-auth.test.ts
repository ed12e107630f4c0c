/**
 * Auth on a real 3-member cluster with JWT tokens (an RS256 key pair made by openssl at test
 * time): the auth state is replicated state, so a member that was down while auth was set up,
 * and that catches up by installing the leader's snapshot, enforces the same users and roles;
 * a token one member signed works on every member; an auth change makes older JWTs stale
 * ("revision of auth store is old"); failed logins are rate-limited per user and logged
 * without the password.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { Cluster, type ClusterMember, snapshotFlags } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { rawClient, refusal } from '../helpers/grpc.js';
import { eventually } from '../helpers/wait.js';
import { bytes, callAs } from './helpers.js';

const snapshotCount = 50;
const catchUpEntries = 20;
const writes = 150;
const wrongPassword = 'not-bobs-password-7f3a';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe('auth on a 3-member cluster (JWT)', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  let keys: string;
  const clients: grpc.Client[] = [];
  const raw = (service: 'KV' | 'Auth' | 'Cluster', member: ClusterMember): grpc.Client => {
    const client = rawClient(service, member.endpoint);
    clients.push(client);
    return client;
  };
  const login = async (member: ClusterMember, name: string, password: string) =>
    (await callAs<{ token: string }>(raw('Auth', member), 'Authenticate', { name, password }))
      .token;

  before(async () => {
    keys = mkdtempSync(join(tmpdir(), 'concord-jwt-'));
    const priv = join(keys, 'priv.pem');
    const pub = join(keys, 'pub.pem');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', priv);
    openssl('pkey', '-in', priv, '-pubout', '-out', pub);
    cluster = await Cluster.start({
      size: 3,
      args: [
        ...snapshotFlags(snapshotCount, catchUpEntries),
        '--auth-token',
        `jwt,pub-key=${pub},priv-key=${priv},sign-method=RS256,ttl=10m`,
        '--bcrypt-cost',
        '4',
      ],
    });
  });

  after(async () => {
    for (const client of clients) client.close();
    await cluster?.destroy();
    if (keys !== undefined) rmSync(keys, { recursive: true, force: true });
  });

  it('a member that catches up by snapshot enforces the auth state set up while it was down', async () => {
    const leader = await cluster.leader();
    const down = cluster.members.find((m) => m !== leader) as ClusterMember;
    const up = cluster.members.filter((m) => m !== down);
    await down.stop();

    const ctl = cluster.ctl(up);
    await ctl.ok('user', 'add', 'root', '--new-user-password=rootpw');
    await ctl.ok('user', 'add', 'alice', '--new-user-password=alicepw');
    await ctl.ok('user', 'add', 'bob', '--new-user-password=bobpw');
    await ctl.ok('role', 'add', 'app');
    await ctl.ok('role', 'grant-permission', '--prefix', 'app', 'readwrite', '/app/');
    await ctl.ok('user', 'grant-role', 'alice', 'app');
    await ctl.ok('auth', 'enable');

    const root = new Etcd3({
      hosts: up.map((m) => m.clientUrl),
      auth: { username: 'root', password: 'rootpw' },
    });
    try {
      for (let i = 0; i < writes; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, (_, j) => root.put(`/app/${i + j}`).value(String(i + j))),
        );
      }
    } finally {
      root.close();
    }

    await down.restart();
    await down.logged('installed a snapshot from the leader', 20_000);
    const downCtl = cluster.ctl([down]);
    // Serializable reads are checked and served by `down` alone, from what it installed.
    await eventually(
      `${down.name} to serve alice's reads from the snapshot`,
      () => downCtl.run(['--user=alice:alicepw', 'get', '--consistency=s', `/app/${writes - 1}`]),
      (run) => run.code === 0 && run.stdout.includes(String(writes - 1)),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const denied = await downCtl.run(['--user=alice:alicepw', 'get', '--consistency=s', '/etc']);
    assert.match(denied.stderr, /etcdserver: permission denied/);
    assert.match(await downCtl.ok('--user=root:rootpw', 'user', 'list'), /alice\nbob\nroot/);
    const noUser = await downCtl.run(['get', '/app/1']);
    assert.match(noUser.stderr, /etcdserver: user name is empty/);
  });

  it('a JWT signed by one member works on every member, until an auth change', async () => {
    const [a, b, c] = cluster.members as [ClusterMember, ClusterMember, ClusterMember];
    const token = await login(a, 'alice', 'alicepw');
    assert.equal(token.split('.').length, 3, 'a JWT');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      username: string;
      revision: number;
      exp: number;
    };
    assert.equal(claims.username, 'alice');
    assert.ok(claims.revision > 0 && claims.exp * 1000 > Date.now());
    for (const member of [b, c]) {
      const response = await callAs<{ count: string }>(
        raw('KV', member),
        'Range',
        { key: bytes('/app/'), rangeEnd: bytes('/app0'), countOnly: true },
        token,
      );
      assert.equal(response.count, String(writes));
    }
    const forged = `${token.slice(0, -4)}AAAA`;
    assert.deepEqual(
      await refusal(callAs(raw('KV', b), 'Range', { key: bytes('/app/1') }, forged)),
      [grpc.status.UNAUTHENTICATED, 'etcdserver: invalid auth token'],
    );
    // Any auth change moves the auth revision: the older token is stale everywhere.
    await cluster
      .ctl([a])
      .ok('--user=root:rootpw', 'role', 'grant-permission', 'app', 'read', '/x');
    await eventually(
      'the stale JWT to be refused on every member',
      () =>
        Promise.all(
          // A member that has not applied the grant yet still takes the token: not yet.
          [a, b, c].map((m) =>
            refusal(callAs(raw('KV', m), 'Range', { key: bytes('/app/1') }, token)).catch(
              (): [number, string] => [grpc.status.OK, 'not refused yet'],
            ),
          ),
        ),
      (answers) =>
        answers.every(
          ([code, message]) =>
            code === grpc.status.INVALID_ARGUMENT &&
            message === 'etcdserver: revision of auth store is old',
        ),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const fresh = await login(b, 'alice', 'alicepw');
    await callAs(raw('KV', c), 'Put', { key: bytes('/app/fresh'), value: bytes('1') }, fresh);
    // Membership changes are root's.
    assert.deepEqual(await refusal(callAs(raw('Cluster', a), 'MemberRemove', { ID: '1' }, fresh)), [
      grpc.status.PERMISSION_DENIED,
      'etcdserver: permission denied',
    ]);
  });

  it('rate-limits failed logins per user and logs them without the password', async () => {
    const member = cluster.members[0] as ClusterMember;
    const answers: string[] = [];
    for (let i = 0; i < 8 && !answers.includes('etcdserver: too many requests'); i++) {
      const [, message] = await refusal(login(member, 'bob', wrongPassword));
      answers.push(message);
    }
    assert.equal(answers[0], 'etcdserver: authentication failed, invalid user ID or password');
    assert.ok(
      answers.includes('etcdserver: too many requests'),
      `bob's attempts were never limited: ${answers.join('; ')}`,
    );
    // Only bob is limited: alice logs in at once.
    assert.ok((await login(member, 'alice', 'alicepw')).length > 0);
    await member.logged('invalid authentication was requested', 5000);
    assert.ok(member.log.includes('"user":"bob"'), 'the failure names the user');
    assert.ok(!member.log.includes(wrongPassword), 'the password is never logged');
  });
});
