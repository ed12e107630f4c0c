/**
 * Debian's etcdctl (etcd-client 3.4, ETCDCTL_API=3) against a real Concord member process:
 * every command a user types, with its exact output. lock and elect run etcd's client-side
 * concurrency recipes (sessions on leases, Txn, Watch), so they exercise the three together.
 * CI installs etcdctl (.ci/run); without the binary these tests are skipped with a message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually } from '../helpers/wait.js';

interface Header {
  cluster_id: number;
  member_id: number;
  revision: number;
  raft_term: number;
}
interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease?: number;
}
interface JsonRange {
  header: Header;
  kvs?: JsonKv[];
  count?: number;
  more?: boolean;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('etcdctl (3.4) against a Concord member', { skip: etcdctlSkip }, () => {
  let member: MemberProcess;
  const etcdctl = new Etcdctl(() => member.endpoint);
  /** The revision the store is at (a put's header revision is the put's own revision). */
  const put = async (key: string, value: string): Promise<number> =>
    (await etcdctl.json<{ header: Header }>('put', key, value)).header.revision;
  const keyCount = async (prefix: string): Promise<number> =>
    (await etcdctl.json<JsonRange>('get', '--prefix', prefix, '--keys-only')).count ?? 0;

  before(async () => {
    member = await MemberProcess.start();
  });
  after(() => MemberProcess.destroyAll());

  it('put and get: prefix, limit, rev, sort, keys-only, from-key, print-value-only', async () => {
    assert.equal(await etcdctl.ok('put', 'app/a', '1'), 'OK\n');
    const first = (await etcdctl.json<JsonRange>('get', 'app/a')).header.revision;
    await etcdctl.ok('put', 'app/b', '3');
    await etcdctl.ok('put', 'app/c', '2');
    assert.equal(await etcdctl.ok('get', 'app/a'), 'app/a\n1\n');
    assert.equal(await etcdctl.ok('get', 'app/zz'), '');
    assert.equal(await etcdctl.ok('get', '--prefix', 'app/'), 'app/a\n1\napp/b\n3\napp/c\n2\n');
    assert.equal(
      await etcdctl.ok('get', '--prefix', 'app/', '--keys-only'),
      'app/a\n\napp/b\n\napp/c\n\n',
    );
    assert.equal(await etcdctl.ok('get', '--prefix', 'app/', '--limit=2'), 'app/a\n1\napp/b\n3\n');
    assert.equal(
      await etcdctl.ok('get', '--prefix', 'app/', '--sort-by=VALUE', '--order=DESCEND'),
      'app/b\n3\napp/c\n2\napp/a\n1\n',
    );
    assert.equal(
      await etcdctl.ok('get', '--prefix', 'app/', '--sort-by=KEY', '--order=DESCEND', '--limit=1'),
      'app/c\n2\n',
    );
    assert.equal(
      await etcdctl.ok('get', '--prefix', 'app/', '--sort-by=CREATE', '--order=ASCEND'),
      'app/a\n1\napp/b\n3\napp/c\n2\n',
    );
    assert.equal(await etcdctl.ok('get', '--prefix', 'app/', `--rev=${first}`), 'app/a\n1\n');
    assert.equal(
      await etcdctl.ok('get', '--from-key', 'app/b', '--limit=2'),
      'app/b\n3\napp/c\n2\n',
    );
    assert.equal(await etcdctl.ok('get', 'app/a', 'app/c'), 'app/a\n1\napp/b\n3\n');
    assert.equal(await etcdctl.ok('get', '--prefix', 'app/', '--print-value-only'), '1\n3\n2\n');
    const limited = await etcdctl.json<JsonRange>('get', '--prefix', 'app/', '--limit=1');
    assert.deepEqual([limited.count, limited.more, limited.kvs?.length], [3, true, 1]);
  });

  it('-w json reports create and mod revision, version and the header', async () => {
    const created = await put('json/k', 'v1');
    const modified = await put('json/k', 'v2');
    assert.equal(modified, created + 1);
    const got = await etcdctl.json<JsonRange>('get', 'json/k');
    assert.deepEqual(got.kvs, [
      {
        key: b64('json/k'),
        value: b64('v2'),
        create_revision: created,
        mod_revision: modified,
        version: 2,
      },
    ]);
    assert.equal(got.count, 1);
    assert.equal(got.header.revision, modified);
    const status = await etcdctl.json<[{ Status: { header: Header; leader: number } }]>(
      'endpoint',
      'status',
    );
    assert.equal(got.header.member_id, status[0].Status.header.member_id);
    assert.equal(got.header.cluster_id, status[0].Status.header.cluster_id);
    assert.ok(got.header.raft_term >= 1, `raft_term ${got.header.raft_term}`);
  });

  it('del: prefix, prev-kv, and a key that is not there', async () => {
    await put('del/a', '1');
    await put('del/b', '2');
    await put('del/c', '3');
    await put('dem', 'outside the prefix');
    assert.equal(await etcdctl.ok('del', 'del/a'), '1\n');
    assert.equal(await etcdctl.ok('del', 'del/a'), '0\n');
    assert.equal(
      await etcdctl.ok('del', '--prefix', '--prev-kv', 'del/'),
      '2\ndel/b\n2\ndel/c\n3\n',
    );
    assert.equal(await etcdctl.ok('get', '--prefix', 'de'), 'dem\noutside the prefix\n');
  });

  it('txn from stdin: compares on value, version, create and mod; both branches', async () => {
    const created = await put('txn/k', 'v1');
    const modified = await put('txn/k', 'v2');
    const success = await etcdctl.run(
      ['txn'],
      [
        'value("txn/k") = "v2"',
        'version("txn/k") = "2"',
        `create("txn/k") = "${created}"`,
        `mod("txn/k") > "${modified - 1}"`,
        '',
        'put txn/k v3',
        'get txn/k',
        '',
        'put txn/failed yes',
        '',
        '',
      ].join('\n'),
    );
    assert.equal(success.code, 0, success.stderr);
    assert.equal(success.stdout, 'SUCCESS\n\nOK\n\ntxn/k\nv3\n');
    const failure = await etcdctl.run(
      ['txn'],
      [
        'value("txn/k") = "v3"',
        `mod("txn/k") < "${modified}"`,
        '',
        'put txn/never x',
        '',
        'put txn/failed yes',
        'get txn/k',
        '',
        '',
      ].join('\n'),
    );
    assert.equal(failure.code, 0, failure.stderr);
    assert.equal(failure.stdout, 'FAILURE\n\nOK\n\ntxn/k\nv3\n');
    assert.equal(
      await etcdctl.ok('get', '--prefix', 'txn/', '--keys-only'),
      'txn/failed\n\ntxn/k\n\n',
    );
  });

  it('txn --interactive prompts for each part and runs the chosen branch', async () => {
    await put('itxn/k', 'on');
    const run = await etcdctl.run(
      ['txn', '--interactive'],
      'value("itxn/k") = "on"\n\nput itxn/k off\n\ndel itxn/k\n\n',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      'compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\nOK\n',
    );
    assert.equal(await etcdctl.ok('get', 'itxn/k', '--print-value-only'), 'off\n');
  });

  it('watch --prefix --prev-kv prints puts and deletes as they happen', async () => {
    const start = (await put('unwatched', 'x')) + 1;
    // --rev makes the output independent of when the watcher registers.
    const watch = etcdctl.spawn('watch', '--prefix', '--prev-kv', `--rev=${start}`, 'w/');
    try {
      await put('w/a', '1');
      await put('w/a', '2');
      await put('other', 'not watched');
      assert.equal(await etcdctl.ok('del', 'w/a'), '1\n');
      const expected = 'PUT\nw/a\n1\n' + 'PUT\nw/a\n1\nw/a\n2\n' + 'DELETE\nw/a\n2\nw/a\n\n';
      assert.equal(await watch.printed((out) => out.length >= expected.length), expected);
    } finally {
      await watch.stop();
    }
  });

  it('watch --rev from the past replays history, then follows live changes', async () => {
    const r1 = await put('hist/k', 'one');
    await put('hist/k', 'two');
    await put('hist/j', 'three');
    const watch = etcdctl.spawn('watch', '--prefix', `--rev=${r1}`, 'hist/', '-w', 'json');
    try {
      await watch.printed((out) => out.includes(b64('three')));
      await put('hist/k', 'four');
      const out = await watch.printed((text) => text.includes(b64('four')));
      const events = out
        .trim()
        .split('\n')
        .flatMap((line) => (JSON.parse(line) as { Events: { kv: JsonKv }[] }).Events)
        .map((event) => [
          Buffer.from(event.kv.value ?? '', 'base64').toString(),
          event.kv.mod_revision,
        ]);
      assert.deepEqual(events, [
        ['one', r1],
        ['two', r1 + 1],
        ['three', r1 + 2],
        ['four', r1 + 3],
      ]);
    } finally {
      await watch.stop();
    }
  });

  it('lease grant, timetolive --keys, list, keep-alive, keep-alive --once, revoke', async () => {
    const granted = /^lease ([0-9a-f]+) granted with TTL\(60s\)\n$/.exec(
      await etcdctl.ok('lease', 'grant', '60'),
    );
    assert.ok(granted, 'lease grant output');
    const id = granted[1] as string;
    await etcdctl.ok('put', '--lease', id, 'leased/a', 'v');
    await etcdctl.ok('put', '--lease', id, 'leased/b', 'v');
    const ttl =
      /^lease (\w+) granted with TTL\(60s\), remaining\((\d+)s\), attached keys\(\[(.*)\]\)\n$/.exec(
        await etcdctl.ok('lease', 'timetolive', '--keys', id),
      );
    assert.ok(ttl, 'timetolive output');
    assert.equal(ttl[1], id);
    assert.ok(Number(ttl[2]) >= 58 && Number(ttl[2]) <= 60, `remaining ${ttl[2]}s`);
    assert.deepEqual((ttl[3] as string).split(' ').sort(), ['leased/a', 'leased/b']);
    const list = await etcdctl.ok('lease', 'list');
    assert.match(list, /^found \d+ leases\n/);
    assert.ok(list.split('\n').includes(id), `lease list has ${id}: ${list}`);

    const keepAlive = etcdctl.spawn('lease', 'keep-alive', id);
    try {
      await keepAlive.printed(`lease ${id} keepalived with TTL(60)\n`);
    } finally {
      await keepAlive.stop();
    }
    assert.equal(
      await etcdctl.ok('lease', 'keep-alive', '--once', id),
      `lease ${id} keepalived with TTL(60)\n`,
    );
    const leaseId = BigInt(`0x${id}`);
    const got = await etcdctl.json<JsonRange>('get', 'leased/a');
    assert.equal(BigInt.asUintN(64, BigInt(got.kvs?.[0]?.lease ?? 0)) !== 0n, true);
    assert.equal(await etcdctl.ok('lease', 'revoke', id), `lease ${id} revoked\n`);
    assert.equal(await etcdctl.ok('get', '--prefix', 'leased/'), '');
    assert.equal(await etcdctl.ok('lease', 'timetolive', id), `lease ${id} already expired\n`);
    assert.ok(!(await etcdctl.ok('lease', 'list')).split('\n').includes(id));
    assert.match(
      await etcdctl.fails('lease', 'revoke', id),
      /^Error: failed to revoke lease \(etcdserver: requested lease not found\)$/m,
    );
    assert.ok(leaseId > 0n);
  });

  it('an expired lease deletes its keys, not before its TTL', async () => {
    const before = Date.now();
    const granted = /^lease ([0-9a-f]+) granted with TTL\((\d+)s\)\n$/.exec(
      await etcdctl.ok('lease', 'grant', '2'),
    );
    assert.ok(granted, 'lease grant output');
    const [, id, ttlText] = granted as unknown as [string, string, string];
    await etcdctl.ok('put', '--lease', id, 'expiring', 'v');
    assert.equal(await etcdctl.ok('get', 'expiring', '--print-value-only'), 'v\n');
    await eventually(
      'the leased key to be deleted by expiry',
      () => etcdctl.ok('get', 'expiring'),
      (out) => out === '',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const elapsed = Date.now() - before;
    assert.ok(elapsed >= Number(ttlText) * 1000, `deleted after ${elapsed} ms, TTL ${ttlText}s`);
    assert.equal(await etcdctl.ok('lease', 'timetolive', id), `lease ${id} already expired\n`);
  });

  it('compaction: reads below the compacted revision fail with etcd message', async () => {
    const r1 = await put('compact/k', 'old');
    const r2 = await put('compact/k', 'new');
    assert.equal(await etcdctl.ok('compaction', String(r2)), `compacted revision ${r2}\n`);
    assert.match(
      await etcdctl.fails('get', 'compact/k', `--rev=${r1}`),
      /^Error: etcdserver: mvcc: required revision has been compacted$/m,
    );
    assert.equal(await etcdctl.ok('get', 'compact/k', `--rev=${r2}`), 'compact/k\nnew\n');
    assert.match(
      await etcdctl.fails('compaction', String(r1)),
      /^Error: etcdserver: mvcc: required revision has been compacted$/m,
    );
    assert.match(
      await etcdctl.fails('get', 'compact/k', `--rev=${r2 + 1000}`),
      /^Error: etcdserver: mvcc: required revision is a future revision$/m,
    );
    const watch = etcdctl.spawn('watch', 'compact/k', `--rev=${r1}`);
    assert.notEqual(await watch.exit(), 0);
    assert.match(
      watch.stderr,
      /watch was canceled \(etcdserver: mvcc: required revision has been compacted\)/,
    );
    const r3 = await put('compact/k', 'newer');
    assert.equal(
      await etcdctl.ok('compaction', '--physical', String(r3)),
      `compacted revision ${r3}\n`,
    );
    assert.equal(await etcdctl.ok('get', 'compact/k'), 'compact/k\nnewer\n');
  });

  it('endpoint status and health', async () => {
    const [status] = await etcdctl.json<
      [
        {
          Endpoint: string;
          Status: {
            header: Header;
            version: string;
            dbSize: number;
            leader: number;
            raftIndex: number;
            raftTerm: number;
            raftAppliedIndex: number;
          };
        },
      ]
    >('endpoint', 'status');
    assert.equal(status.Endpoint, member.endpoint);
    assert.equal(status.Status.leader, status.Status.header.member_id, 'a single member leads');
    assert.equal(status.Status.version, '3.6.0', 'the etcd API version, as /version says');
    assert.ok(status.Status.dbSize > 0);
    assert.ok(status.Status.raftIndex >= status.Status.header.revision);
    assert.equal(status.Status.raftAppliedIndex, status.Status.raftIndex);
    // etcdctl 3.4 prints the health line on stderr.
    const health = await etcdctl.run(['endpoint', 'health']);
    assert.equal(health.code, 0);
    assert.match(
      health.stderr,
      new RegExp(`^${member.endpoint} is healthy: successfully committed proposal: took = `),
    );
  });

  it('lock NAME -- cmd: a second locker waits until the first releases', async () => {
    const holder = etcdctl.spawn('lock', 'mylock');
    let waiter: ReturnType<Etcdctl['spawn']> | undefined;
    try {
      const held = await holder.printed((out) => /^mylock\/[0-9a-f]+\n/.test(out));
      waiter = etcdctl.spawn(
        'lock',
        'mylock',
        '--',
        'sh',
        '-c',
        'echo "got $ETCD_LOCK_KEY at $ETCD_LOCK_REV"',
      );
      const holderKey = held.split('\n')[0] as string;
      // The waiter has its own key under the lock's prefix once it is queued.
      await eventually(
        'the second locker to queue its key',
        () => keyCount('mylock/'),
        (count) => count === 2,
        { intervalMs: 50 },
      );
      assert.equal(waiter.stdout, '', 'the waiter must not hold the lock while the holder does');
      assert.equal(waiter.exitCode, undefined);
      assert.equal(await holder.stop('SIGTERM'), 0);
      assert.equal(await waiter.exit(), 0, waiter.stderr);
      assert.match(waiter.stdout, /^got mylock\/[0-9a-f]+ at \d+\n$/);
      assert.notEqual(waiter.stdout.split(' ')[1], holderKey);
      assert.equal(await keyCount('mylock/'), 0, 'both released');
    } finally {
      await holder.stop('SIGKILL');
      await waiter?.stop('SIGKILL');
    }
  });

  it('elect: --listen observes a campaign, and the next candidate after a resign', async () => {
    const listener = etcdctl.spawn('elect', '--listen', 'myelection');
    const alice = etcdctl.spawn('elect', 'myelection', 'alice');
    let bob: ReturnType<Etcdctl['spawn']> | undefined;
    try {
      const aliceOut = await alice.printed((out) => out.endsWith('alice\n'));
      assert.match(aliceOut, /^myelection\/[0-9a-f]+\nalice\n$/);
      await listener.printed(aliceOut);
      bob = etcdctl.spawn('elect', 'myelection', 'bob');
      await eventually(
        'bob to queue his candidacy',
        () => keyCount('myelection/'),
        (count) => count === 2,
        { intervalMs: 50 },
      );
      assert.equal(bob.stdout, '', 'bob must not lead while alice does');
      assert.equal(await alice.stop('SIGTERM'), 0, alice.stderr);
      const bobOut = await bob.printed((out) => out.endsWith('bob\n'));
      assert.match(bobOut, /^myelection\/[0-9a-f]+\nbob\n$/);
      assert.equal(await listener.printed((out) => out.endsWith('bob\n')), aliceOut + bobOut);
    } finally {
      await alice.stop('SIGKILL');
      await bob?.stop('SIGKILL');
      await listener.stop('SIGKILL');
    }
  });
});
