/**
 * etcd's certificate auth: with --client-cert-auth, a client that presents a verified
 * certificate and no token speaks as the user its CN names (etcd's AuthInfoFromTLS); a token,
 * when sent, wins. etcdctl 3.4 and the etcd3 client over mutual TLS, certificates made by
 * openssl at test time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { createTlsFixtures, type CertFiles, type TlsFixtures } from '../helpers/tls-fixtures.js';

describe('auth by client certificate CN over mTLS', { skip: etcdctlSkip }, () => {
  let certs: TlsFixtures;
  let member: MemberProcess;
  const ctl = (): Etcdctl => new Etcdctl(() => member.url);
  const as = (cert: CertFiles, ...args: string[]) =>
    ctl().run(['--cacert', certs.ca.cert, '--cert', cert.cert, '--key', cert.key, ...args]);

  before(async () => {
    certs = createTlsFixtures();
    member = await MemberProcess.start({
      listenClientUrls: 'https://127.0.0.1:0',
      args: [
        ...['--cert-file', certs.server.cert, '--key-file', certs.server.key],
        ...['--trusted-ca-file', certs.ca.cert, '--client-cert-auth', '--bcrypt-cost', '4'],
      ],
    });
  });
  after(async () => {
    await member?.destroy();
    certs?.remove();
  });

  it('authenticates CN=alice as alice and CN=root as root; a token wins over the CN', async () => {
    const setup = [
      ['user', 'add', 'root', '--new-user-password=rootpw'],
      ['user', 'add', 'alice', '--new-user-password=alicepw'],
      ['role', 'add', 'app'],
      ['role', 'grant-permission', '--prefix', 'app', 'readwrite', '/app/'],
      ['user', 'grant-role', 'alice', 'app'],
      ['auth', 'enable'],
    ];
    for (const args of setup) {
      const run = await as(certs.root, ...args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    }
    // No --user: the certificate's CN is the user.
    const put = await as(certs.alice, 'put', '/app/cn', 'by-alice');
    assert.equal(put.code, 0, put.stderr);
    const denied = await as(certs.alice, 'put', '/etc/cn', 'x');
    assert.match(denied.stderr, /etcdserver: permission denied/);
    const list = await as(certs.alice, 'user', 'list');
    assert.match(list.stderr, /etcdserver: permission denied/);
    const rootList = await as(certs.root, 'user', 'list');
    assert.equal(rootList.code, 0, rootList.stderr);
    assert.match(rootList.stdout, /alice\nroot/);
    // With --user, etcdctl sends alice's token over root's certificate: alice it is.
    const tokenWins = await as(certs.root, '--user=alice:alicepw', 'user', 'list');
    assert.match(tokenWins.stderr, /etcdserver: permission denied/);
  });

  it('names nobody by certificate without --client-cert-auth (a trusted CA alone)', async () => {
    const other = await MemberProcess.start({
      listenClientUrls: 'https://127.0.0.1:0',
      args: [
        ...['--cert-file', certs.server.cert, '--key-file', certs.server.key],
        ...['--trusted-ca-file', certs.ca.cert, '--bcrypt-cost', '4'],
      ],
    });
    try {
      const run = (cert: CertFiles, ...args: string[]) =>
        new Etcdctl(() => other.url).run([
          ...['--cacert', certs.ca.cert, '--cert', cert.cert, '--key', cert.key],
          ...args,
        ]);
      for (const args of [
        ['user', 'add', 'root', '--new-user-password=rootpw'],
        ['auth', 'enable'],
      ]) {
        const setup = await run(certs.root, ...args);
        assert.equal(setup.code, 0, setup.stderr);
      }
      const anonymous = await run(certs.root, 'get', '/k');
      assert.match(anonymous.stderr, /etcdserver: user name is empty/);
      const withUser = await run(certs.root, '--user=root:rootpw', 'get', '/k');
      assert.equal(withUser.code, 0, withUser.stderr);
    } finally {
      await other.destroy();
    }
  });

  it("serves the etcd3 client over mTLS: the CN's rights, or a password login's", async () => {
    const connect = (auth?: { username: string; password: string }): Etcd3 =>
      new Etcd3({
        hosts: member.url,
        credentials: {
          rootCertificate: readFileSync(certs.ca.cert),
          privateKey: readFileSync(certs.alice.key),
          certChain: readFileSync(certs.alice.cert),
        },
        ...(auth !== undefined ? { auth } : {}),
      });
    const alice = connect();
    const root = connect({ username: 'root', password: 'rootpw' });
    try {
      assert.equal(await alice.get('/app/cn').string(), 'by-alice');
      await assert.rejects(alice.put('/etc/x').value('1').exec(), /etcdserver: permission denied/);
      await root.put('/etc/x').value('1');
      assert.ok((await root.getUsers()).map((u) => u.name).includes('alice'));
      assert.deepEqual(
        (await root.user('alice').roles()).map((r) => r.name),
        ['app'],
      );
    } finally {
      alice.close();
      root.close();
    }
  });
});
