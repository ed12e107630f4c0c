/**
 * `concord user`, `role` and `auth` against a real member, cross-checked with Debian's
 * etcdctl on the same member: the same lines and JSON for what both print, etcdctl's
 * messages for the changes, a password typed at a terminal (twice, not echoed), and the
 * permissions taking effect once auth is on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { concordBundle, runConcord } from './concord-bundle.js';

let member: MemberProcess;
let etcdctl: Etcdctl;

before(async () => {
  [member] = await Promise.all([MemberProcess.start(), concordBundle()]);
  etcdctl = new Etcdctl(() => member.endpoint);
});

after(async () => {
  await member?.destroy();
});

const run = (args: readonly string[], stdin?: string) =>
  runConcord(['--endpoints', member.endpoint, '--command-timeout', '20s', ...args], { stdin });

/** `concord ARGS` exits 0; its stdout. */
async function ok(args: readonly string[], stdin?: string): Promise<string> {
  const ran = await run(args, stdin);
  assert.equal(ran.code, 0, `concord ${args.join(' ')} exit code; stderr: ${ran.stderr}`);
  return ran.stdout;
}

/** Both print the same for ARGS. */
async function same(...args: string[]): Promise<string> {
  const [ours, theirs] = await Promise.all([ok(args), etcdctl.ok(...args)]);
  assert.equal(ours, theirs, `concord and etcdctl differ on ${args.join(' ')}`);
  return ours;
}

/**
 * `concord ARGS` at a terminal (util-linux's `script` gives it one), typing each reply once
 * the output shows its prompt. Resolves to the exit code and everything the terminal showed.
 */
async function atTerminal(
  args: readonly string[],
  replies: readonly (readonly [prompt: string, reply: string])[],
): Promise<{ code: number | null; shown: string }> {
  const entry = await concordBundle();
  const command = [process.execPath, entry, '--endpoints', member.endpoint, ...args]
    .map((word) => `'${word}'`)
    .join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: 'pipe' });
  let shown = '';
  let next = 0;
  let from = 0; // each prompt is looked for after the last one answered
  child.stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    const reply = replies[next];
    const at = reply === undefined ? -1 : shown.indexOf(reply[0], from);
    if (at === -1) return;
    next += 1;
    from = at + reply![0].length;
    child.stdin.write(`${reply![1]}\r`);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(next, replies.length, `concord ${args.join(' ')} asked for every reply: ${shown}`);
  return { code, shown };
}

describe('concord user, role and auth', { skip: etcdctlSkip }, () => {
  it('add, grant, list and get users and roles as etcdctl prints them', async () => {
    // Independent changes, each its own command, in parallel.
    const adds = await Promise.all([
      ok(['user', 'add', 'ann:annpw']),
      ok(['user', 'add', 'bob', '--new-user-password', 'bobpw']),
      ok(['user', 'add', 'cat', '--interactive=false'], 'catpw\n'),
      ok(['user', 'add', 'dan', '--no-password']),
      ok(['role', 'add', 'reader']),
      ok(['role', 'add', 'writer']),
    ]);
    assert.deepEqual(adds, [
      'User ann created\n',
      'User bob created\n',
      'User cat created\n',
      'User dan created\n',
      'Role reader created\n',
      'Role writer created\n',
    ]);
    const grants = [
      ['reader', 'read', 'cfg/one'],
      ['reader', 'readwrite', 'cfg/app/', '--prefix'],
      ['reader', 'READ', 'from/', '--from-key'],
      ['writer', 'write', 'logs/a', 'logs/m'],
      ['writer', 'write', 'logs/z', '--prefix=true'],
    ];
    const granted = await Promise.all([
      ...grants.map((grant) => ok(['role', 'grant-permission', ...grant])),
      ok(['user', 'grant-role', 'ann', 'reader']),
      ok(['user', 'grant-role', 'ann', 'writer']),
    ]);
    assert.deepEqual(granted, [
      ...grants.map((grant) => `Role ${grant[0]} updated\n`),
      'Role reader is granted to user ann\n',
      'Role writer is granted to user ann\n',
    ]);

    assert.equal(
      await same('role', 'get', 'reader'),
      'Role reader\nKV Read:\n\t[cfg/app/, cfg/app0) (prefix cfg/app/)\n\tcfg/one\n\t[from/, <open ended>\nKV Write:\n\t[cfg/app/, cfg/app0) (prefix cfg/app/)\n',
    );
    await same('role', 'get', 'writer');
    assert.equal(await same('user', 'get', 'ann'), 'User: ann\nRoles: reader writer\n');
    assert.equal(await same('user', 'get', 'bob'), 'User: bob\nRoles:\n');
    await same('user', 'get', 'ann', '--detail');
    assert.equal(await same('user', 'list'), 'ann\nbob\ncat\ndan\n');
    assert.equal(await same('role', 'list'), 'reader\nwriter\n');
    // JSON: the same fields, with the header (which both read from the same member).
    await Promise.all(
      [
        ['role', 'get', 'reader'],
        ['role', 'get', 'writer'],
        ['user', 'get', 'ann'],
        ['user', 'get', 'ann', '--detail'],
        ['user', 'list'],
        ['role', 'list'],
      ].map((args) => same('-w', 'json', ...args)),
    );
    const added = JSON.parse(await ok(['-w', 'json', 'role', 'add', 'spare'])) as object;
    assert.deepEqual(Object.keys(added), ['header'], 'a change prints its header in JSON');
    assert.equal(await ok(['role', 'delete', 'spare']), 'Role spare deleted\n');
  });

  it('refuses a bad permission type or range as usage, and reports etcd errors', async () => {
    const [badType, both, endWithPrefix, noUser, twice, table] = await Promise.all([
      run(['role', 'grant-permission', 'reader', 'bogus', 'k']),
      run(['role', 'grant-permission', 'reader', 'read', 'k', '--prefix', '--from-key']),
      run(['role', 'grant-permission', 'reader', 'read', 'k', 'z', '--prefix']),
      run(['user', 'get', 'nobody']),
      run(['role', 'add', 'reader']),
      run(['-w', 'table', 'user', 'list']),
    ]);
    assert.equal(badType.code, 2, badType.stderr);
    assert.match(badType.stderr, /invalid permission type: bogus/);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--from-key and --prefix flags are mutually exclusive/);
    assert.equal(endWithPrefix.code, 2, endWithPrefix.stderr);
    assert.match(endWithPrefix.stderr, /unexpected endkey argument with --prefix flag/);
    assert.equal(noUser.code, 1, noUser.stderr);
    assert.match(noUser.stderr, /etcdserver: user name not found/);
    assert.equal(twice.code, 1, twice.stderr);
    assert.match(twice.stderr, /etcdserver: role name already exists/);
    assert.equal(table.code, 2, table.stderr);
    const mismatch = await atTerminal(
      ['user', 'add', 'fay'],
      [
        ['Password of fay: ', 'one'],
        ['Type password of fay again for confirmation: ', 'two'],
      ],
    );
    assert.equal(mismatch.code, 1, mismatch.shown);
    assert.match(mismatch.shown, /given passwords are different/);
  });

  it('with auth on, users get what their roles allow; revokes, passwd and disable', async () => {
    await ok(['user', 'add', 'root:rootpw']);
    // A password typed at the terminal, twice, and not echoed.
    const typed = await atTerminal(
      ['user', 'add', 'eve'],
      [
        ['Password of eve: ', 'evepw'],
        ['Type password of eve again for confirmation: ', 'evepw'],
      ],
    );
    assert.equal(typed.code, 0, typed.shown);
    assert.match(typed.shown, /User eve created/);
    assert.doesNotMatch(typed.shown, /evepw/, 'the password is not echoed');
    assert.match(await ok(['auth', 'status']), /^Authentication Status: false\n/);
    // root lacks the root role: enable gives it, as etcdctl's does.
    assert.equal(await ok(['auth', 'enable']), 'Authentication Enabled\n');
    const as = (user: string, ...args: string[]) => run(['--user', user, ...args]);
    try {
      assert.match(
        await ok(['--user', 'root:rootpw', 'auth', 'status']),
        /^Authentication Status: true\n/,
      );
      assert.equal((await as('root:rootpw', 'put', 'cfg/one', '1')).code, 0);
      const [read, refused, prefixed, ranged] = await Promise.all([
        as('ann:annpw', 'get', 'cfg/one', '--print-value-only'),
        as('ann:annpw', 'put', 'cfg/one', '2'),
        as('ann:annpw', 'put', 'cfg/app/x', '3'),
        as('ann:annpw', 'put', 'logs/b', '4'),
      ]);
      assert.equal(read.stdout, '1\n', read.stderr);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /etcdserver: permission denied/);
      assert.equal(prefixed.code, 0, prefixed.stderr);
      assert.equal(ranged.code, 0, ranged.stderr);
      // eve has no role: she logs in (with the password she typed) and may read nothing.
      const [eve, notEve] = await Promise.all([
        as('eve:evepw', 'get', 'cfg/one'),
        as('eve:wrong', 'get', 'cfg/one'),
      ]);
      assert.match(eve.stderr, /etcdserver: permission denied/);
      assert.match(notEve.stderr, /etcdserver: authentication failed/);

      const root = ['--user', 'root:rootpw'];
      assert.equal(
        await ok([...root, 'role', 'revoke-permission', 'writer', 'logs/a', 'logs/m']),
        'Permission of range [logs/a, logs/m) is revoked from role writer\n',
      );
      assert.equal(
        await ok([...root, 'role', 'revoke-permission', 'reader', 'cfg/one']),
        'Permission of key cfg/one is revoked from role reader\n',
      );
      assert.equal(
        await ok([...root, 'role', 'revoke-permission', 'reader', 'from/', '--from-key']),
        'Permission of range [from/, <open ended> is revoked from role reader\n',
      );
      const [logs, cfg] = await Promise.all([
        as('ann:annpw', 'put', 'logs/b', '5'),
        as('ann:annpw', 'get', 'cfg/one'),
      ]);
      assert.match(logs.stderr, /etcdserver: permission denied/);
      assert.match(cfg.stderr, /etcdserver: permission denied/);

      assert.equal(
        await ok([...root, 'user', 'passwd', 'ann', '--interactive=false'], 'newpw\n'),
        'Password updated\n',
      );
      const [oldPassword, newPassword] = await Promise.all([
        as('ann:annpw', 'get', 'cfg/app/x'),
        as('ann:newpw', 'get', 'cfg/app/x', '--print-value-only'),
      ]);
      assert.match(oldPassword.stderr, /etcdserver: authentication failed/);
      assert.equal(newPassword.stdout, '3\n', newPassword.stderr);
      assert.equal(
        await ok([...root, 'user', 'revoke-role', 'ann', 'reader']),
        'Role reader is revoked from user ann\n',
      );
      assert.match((await as('ann:newpw', 'get', 'cfg/app/x')).stderr, /permission denied/);
    } finally {
      assert.equal(
        await ok(['--user', 'root:rootpw', 'auth', 'disable']),
        'Authentication Disabled\n',
      );
    }
    assert.equal(await ok(['user', 'delete', 'ann']), 'User ann deleted\n');
    assert.equal(await etcdctl.ok('user', 'get', 'root'), 'User: root\nRoles: root\n');
  });
});
