// The client commands over TLS, against a real member serving https with client-certificate
// auth (--client-cert-auth): `concord put`/`get` and `concord snapshot save` take etcdctl's
// --cacert/--cert/--key (and the endpoints from CONCORD_ENDPOINTS), and fail with a non-zero
// exit and a message that names the TLS failure without the CA; `snapshot save` also
// authenticates with --user (a wrong password fails it). The saved file reads back with
// `concord snapshot status`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';
import { concord, concordOk, type Ran } from './concord-cli.js';

describe('concord client commands over mutual TLS', () => {
  let certs: TlsFixtures;
  let member: MemberProcess;
  let dir: string;
  const tls = (): string[] => [
    ...['--endpoints', member.url, '--cacert', certs.ca.cert],
    ...['--cert', certs.root.cert, '--key', certs.root.key],
  ];

  before(async () => {
    certs = createTlsFixtures();
    dir = mkdtempSync(join(tmpdir(), 'concord-cli-tls-'));
    member = await MemberProcess.start({
      listenClientUrls: 'https://127.0.0.1:0',
      args: [
        ...['--cert-file', certs.server.cert, '--key-file', certs.server.key],
        ...['--trusted-ca-file', certs.ca.cert, '--client-cert-auth', '--bcrypt-cost', '4'],
      ],
    });
    assert.match(member.url, /^https:\/\//);
  });
  after(async () => {
    await member?.destroy();
    certs?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('put, get and snapshot save with --cacert --cert --key; snapshot status reads the file', async () => {
    await concordOk('put', ...tls(), 'tls-key', 'tls-value');
    assert.equal(await concordOk('get', ...tls(), 'tls-key'), 'tls-key\ntls-value\n');
    const file = join(dir, 'backup.db');
    const saved = await concordOk('snapshot', 'save', file, ...tls());
    assert.match(saved, /^Snapshot saved at .*backup\.db: .*, revision 2, hash [0-9a-f]{8}\n$/);
    const status = JSON.parse(await concordOk('snapshot', 'status', file, '-w', 'json')) as {
      revision: number;
      totalKey: number;
    };
    assert.equal(status.revision, 2);
    assert.ok(status.totalKey >= 1, `totalKey ${status.totalKey}`);
  });

  it('takes the endpoint from CONCORD_ENDPOINTS', async () => {
    const file = join(dir, 'from-env.db');
    const flags = tls().slice(2);
    const previous = process.env.CONCORD_ENDPOINTS;
    process.env.CONCORD_ENDPOINTS = member.url;
    let ran: Ran;
    try {
      ran = await concord('snapshot', 'save', file, ...flags);
    } finally {
      if (previous === undefined) delete process.env.CONCORD_ENDPOINTS;
      else process.env.CONCORD_ENDPOINTS = previous;
    }
    assert.equal(ran.code, 0, ran.stderr);
    assert.ok(existsSync(file));
  });

  it('fails without --cacert: a non-zero exit, the TLS failure named, no file left', async () => {
    const noCa = ['--endpoints', member.url, '--cert', certs.root.cert, '--key', certs.root.key];
    const file = join(dir, 'no-ca.db');
    const snapshot = await concord('snapshot', 'save', file, ...noCa);
    assert.notEqual(snapshot.code, 0);
    assert.match(snapshot.stderr, /^concord snapshot save: .*certificate/m);
    assert.ok(!existsSync(file) && !existsSync(`${file}.part`));
    const get = await concord('get', ...noCa, 'tls-key');
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /^concord get: .*certificate/m);
  });

  it('authenticates snapshot save with --user', { skip: etcdctlSkip }, async () => {
    const ctl = new Etcdctl(() => member.url);
    const asRoot = (...args: string[]) =>
      ctl.run([
        '--cacert',
        certs.ca.cert,
        '--cert',
        certs.root.cert,
        '--key',
        certs.root.key,
        ...args,
      ]);
    for (const args of [
      ['user', 'add', 'root', '--new-user-password=rootpw'],
      ['auth', 'enable'],
    ]) {
      const run = await asRoot(...args);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    }
    const file = join(dir, 'auth.db');
    await concordOk('snapshot', 'save', file, ...tls(), '--user', 'root:rootpw');
    const wrong = await concord(
      'snapshot',
      'save',
      join(dir, 'x.db'),
      ...tls(),
      '--user',
      'root:nope',
    );
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /authentication failed, invalid user ID or password/);
  });
});
