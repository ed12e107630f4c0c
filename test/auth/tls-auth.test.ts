/**
 * Password auth over server-only TLS (https, no client certificates) with Debian's etcdctl
 * 3.4: the whole set-up as root (`--user root:pw`), then a prefix-granted user allowed and
 * denied as granted, and a wrong password refused with etcd's exact error. (Over mutual TLS,
 * where a certificate's CN may be the user, see cn-auth.test.ts; the full matrix over plain
 * http is etcdctl-auth.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

describe('password auth over TLS with etcdctl', { skip: etcdctlSkip }, () => {
  let certs: TlsFixtures;
  let member: MemberProcess;
  const as = (user: string | undefined, ...args: string[]) =>
    new Etcdctl(() => member.url).run([
      ...['--cacert', certs.ca.cert],
      ...(user === undefined ? [] : [`--user=${user}`]),
      ...args,
    ]);

  before(async () => {
    certs = createTlsFixtures();
    member = await MemberProcess.start({
      listenClientUrls: 'https://127.0.0.1:0',
      args: [
        '--cert-file',
        certs.server.cert,
        '--key-file',
        certs.server.key,
        '--bcrypt-cost',
        '4',
      ],
    });
  });
  after(async () => {
    await member?.destroy();
    certs?.remove();
  });

  it('sets up roles and grants as root, then allows and denies as granted', async () => {
    const setup = [
      ['user', 'add', 'root', '--new-user-password=rootpw'],
      ['user', 'add', 'alice', '--new-user-password=alicepw'],
      ['role', 'add', 'app'],
      ['role', 'grant-permission', '--prefix', 'app', 'readwrite', '/app/'],
      ['user', 'grant-role', 'alice', 'app'],
      ['auth', 'enable'],
    ];
    for (const args of setup) {
      const run = await as(undefined, ...args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    }
    const rootPut = await as('root:rootpw', 'put', '/etc/motd', 'hi');
    assert.equal(rootPut.code, 0, rootPut.stderr);
    const alicePut = await as('alice:alicepw', 'put', '/app/x', '1');
    assert.equal(alicePut.code, 0, alicePut.stderr);
    const aliceGet = await as('alice:alicepw', 'get', '/app/x', '--print-value-only');
    assert.equal(aliceGet.stdout.trim(), '1');
    const denied = await as('alice:alicepw', 'get', '/etc/motd');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /etcdserver: permission denied/);
    const anonymous = await as(undefined, 'get', '/app/x');
    assert.notEqual(anonymous.code, 0, 'no user, no read');
    const wrong = await as('alice:nope', 'get', '/app/x');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /etcdserver: authentication failed, invalid user ID or password/);
  });
});
