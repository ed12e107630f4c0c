// The etcdctl-style client commands of `concord` (get, put, del, txn, watch, lease, lock,
// elect, member, endpoint, snapshot, check perf, bench) run as real processes against one
// real 3-member cluster, cross-checked with Debian's etcdctl: the same outputs and JSON
// shapes, lock exclusion with the fencing token in the command's environment, elections,
// watch events and SIGINT, membership changes, exit codes (0 ok, 1 failed, 2 usage, 3
// unavailable) and the diagnosis of an unreachable or leaderless cluster.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster, parseJson, type EndpointStatus } from '../helpers/cluster-process.js';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { eventually } from '../helpers/wait.js';
import {
  concordBundle,
  concordOk,
  RunningConcord,
  runConcord,
  spawnConcord,
} from './concord-bundle.js';

const root = mkdtempSync(join(tmpdir(), 'concord-cli-commands-'));
let cluster: Cluster;
let endpoints: string;
let etcdctl: Etcdctl;

/** `concord <args> --endpoints <the cluster>`. */
// The global flags go first (etcdctl allows them anywhere; after `lock NAME` they would be
// part of the command to run). The timeouts are generous: the machine is shared.
const on = (): string[] => [
  '--endpoints',
  endpoints,
  '--command-timeout',
  '30s',
  '--dial-timeout',
  '10s',
];
const ok = (args: readonly string[], stdin?: string): Promise<string> =>
  concordOk([...on(), ...args], { stdin });
const run = (args: readonly string[], stdin?: string) => runConcord([...on(), ...args], { stdin });
const spawnOn = (args: readonly string[]) => spawnConcord([...on(), ...args]);

before(async () => {
  // Build the bundle while the members start.
  [cluster] = await Promise.all([Cluster.start({ size: 3 }), concordBundle()]);
  endpoints = cluster.members.map((m) => m.endpoint).join(',');
  etcdctl = new Etcdctl(() => endpoints);
});

after(async () => {
  RunningConcord.killAll();
  await cluster?.destroy();
  rmSync(root, { recursive: true, force: true });
});

interface KvJson {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
}
interface GetJson {
  header: { cluster_id: string; member_id: string; revision: number; raft_term: number };
  kvs?: KvJson[];
  count?: number;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('concord client commands', { skip: etcdctlSkip }, () => {
  it('lists every command in --help, and each command its flags; bad usage exits 2', async () => {
    const [help, getHelp, noKey, badInt, unknown, noCa, certAlone] = await Promise.all([
      runConcord(['--help']),
      runConcord(['get', '--help']),
      runConcord(['get']),
      runConcord(['get', 'k', '--limit', 'lots']),
      runConcord(['frobnicate']),
      runConcord(['get', 'k', '--cacert', join(root, 'missing-ca.pem')]),
      runConcord(['get', 'k', '--cert', 'package.json']),
    ]);
    assert.equal(help.code, 0);
    for (const command of [
      'get',
      'put',
      'del',
      'txn',
      'watch',
      'lease',
      'lock',
      'elect',
      'member',
      'endpoint',
      'snapshot',
      'check',
      'bench',
      '--endpoints',
      '--cacert',
      '--user',
    ]) {
      assert.ok(help.stdout.includes(command), `--help mentions ${command}`);
    }
    assert.equal(getHelp.code, 0);
    assert.match(getHelp.stdout, /--prefix[\s\S]*--print-value-only[\s\S]*--endpoints/);
    for (const ran of [noKey, badInt, unknown, certAlone]) assert.equal(ran.code, 2, ran.stderr);
    assert.match(certAlone.stderr, /--cert and --key go together/);
    assert.equal(noCa.code, 1);
    assert.match(noCa.stderr, /--cacert \S+missing-ca\.pem: ENOENT/);
    assert.match(noKey.stderr, /missing KEY/);
    assert.match(badInt.stderr, /--limit must be an integer/);
  });

  it('put, get and del agree with etcdctl, in simple, json and table form', async () => {
    const [putA] = await Promise.all([
      ok(['put', 'kv/a', 'alpha']),
      // The value from stdin, the endpoints from the environment.
      concordOk(['put', 'kv/b'], { stdin: 'from stdin', env: { CONCORD_ENDPOINTS: endpoints } }),
      etcdctl.ok('put', 'kv/c', 'gamma'),
    ]);
    assert.equal(putA, 'OK\n');
    const [simple, simpleEtcd, ours, theirs] = await Promise.all([
      // The global flag after the command works too.
      concordOk(['get', 'kv/', '--prefix', '--endpoints', endpoints]),
      etcdctl.ok('get', 'kv/', '--prefix'),
      ok(['get', 'kv/', '--prefix', '-w', 'json']),
      etcdctl.ok('get', 'kv/', '--prefix', '-w', 'json'),
    ]);
    assert.equal(simple, simpleEtcd);
    const mine = parseJson<GetJson>(ours);
    const etcds = parseJson<GetJson>(theirs);
    assert.deepEqual(mine.kvs, etcds.kvs);
    assert.equal(mine.count, 3);
    assert.equal(mine.header.cluster_id, etcds.header.cluster_id);
    assert.deepEqual(
      mine.kvs?.map((kv) => [kv.key, kv.value]),
      [
        [b64('kv/a'), b64('alpha')],
        [b64('kv/b'), b64('from stdin')],
        [b64('kv/c'), b64('gamma')],
      ],
    );
    const [valueOnly, limited, descending, fromKey, range, table] = await Promise.all([
      ok(['get', 'kv/', '--prefix', '--print-value-only']),
      ok(['get', 'kv/', '--prefix', '--limit', '1']),
      ok(['get', 'kv/', '--prefix', '--sort-by', 'key', '--order', 'descend', '--keys-only']),
      ok(['get', 'kv/b', '--from-key', '--keys-only', '--consistency', 's']),
      ok(['get', 'kv/a', 'kv/c', '--keys-only']),
      ok(['get', 'kv/', '--prefix', '-w', 'table']),
    ]);
    assert.equal(valueOnly, 'alpha\nfrom stdin\ngamma\n');
    assert.equal(limited, 'kv/a\nalpha\n');
    assert.equal(descending, 'kv/c\n\nkv/b\n\nkv/a\n\n'); // --keys-only: etcdctl's empty value lines
    assert.equal(fromKey, 'kv/b\n\nkv/c\n\n');
    assert.equal(range, 'kv/a\n\nkv/b\n\n');
    const lines = table.trimEnd().split('\n');
    assert.equal(lines.length, 7, table);
    assert.ok(
      lines.every((l) => l.length === lines[0]!.length),
      `aligned columns:\n${table}`,
    );
    assert.match(lines[1]!, /\|\s+KEY\s+\|\s+VALUE\s+\|/);
    assert.match(lines[3]!, /^\| kv\/a +\| alpha +\|/);

    assert.equal(await ok(['put', 'kv/a', 'alpha2', '--prev-kv']), 'OK\nkv/a\nalpha\n');
    assert.equal(await ok(['del', 'kv/', '--prefix']), '3\n');
    const [left, none] = await Promise.all([
      etcdctl.ok('get', 'kv/', '--prefix'),
      ok(['del', 'kv/a']),
    ]);
    assert.equal(left, '');
    assert.equal(none, '0\n');
  });

  it('runs a txn from stdin (etcdctl format) with the output etcdctl prints', async () => {
    await etcdctl.ok('put', 'tx/k', 'one');
    // etcdctl wants the blank line after the failure ops too (EOF there is an error to it).
    const txn = 'value("tx/k") = "one"\n\nput tx/k "two words"\nget tx/k\n\nget tx/k\n\n';
    assert.equal(await ok(['txn'], txn), 'SUCCESS\n\nOK\n\ntx/k\ntwo words\n');
    // Now the compare fails: both print FAILURE and the failure branch's read, exit 0.
    const [ours, theirs] = await Promise.all([run(['txn'], txn), etcdctl.run(['txn'], txn)]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, 'FAILURE\n\ntx/k\ntwo words\n');
    assert.equal(ours.stdout, theirs.stdout);
    const json = parseJson<{
      succeeded?: boolean;
      responses: { Response: { ResponseRange: GetJson } }[];
    }>(await ok(['txn', '-w', 'json'], 'mod("tx/k") > "0"\n\nget tx/k\n\n'));
    assert.equal(json.succeeded, true);
    assert.equal(json.responses[0]!.Response.ResponseRange.kvs![0]!.value, b64('two words'));
    const bad = await run(['txn'], 'vallue("x") = "1"\n\n\n');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /malformed comparison/);
  });

  it('watch prints events as they happen and exits 0 on SIGINT', async () => {
    const start =
      parseJson<GetJson>(await ok(['get', 'w/', '--prefix', '-w', 'json'])).header.revision + 1;
    const watch = await spawnOn(['watch', 'w/', '--prefix', '--rev', String(start), '--prev-kv']);
    await etcdctl.ok('put', 'w/1', 'a');
    await watch.printed('PUT\nw/1\na\n');
    await etcdctl.ok('put', 'w/1', 'b');
    await watch.printed('PUT\nw/1\na\nw/1\nb\n');
    await etcdctl.ok('del', 'w/1');
    await watch.printed('DELETE\nw/1\nb\nw/1\n\n');
    assert.equal(await watch.stop('SIGINT'), 0, watch.stderr);
  });

  it('grants, inspects, keeps alive and revokes leases (checked with etcdctl)', async () => {
    const granted = await ok(['lease', 'grant', '60']);
    const match = /^lease ([0-9a-f]{16}) granted with TTL\(60s\)\n$/.exec(granted);
    assert.ok(match, granted);
    const id = match[1]!;
    await ok(['put', 'ls/k', 'v', '--lease', id]);
    const kept = await spawnOn(['lease', 'keep-alive', id]);
    const [ttl, theirs, list, keepAlive, json] = await Promise.all([
      ok(['lease', 'timetolive', id, '--keys']),
      etcdctl.ok('lease', 'timetolive', id, '--keys'),
      ok(['lease', 'list']),
      ok(['lease', 'keep-alive', id, '--once']),
      ok(['lease', 'timetolive', id, '-w', 'json']),
    ]);
    assert.match(
      ttl,
      new RegExp(
        `^lease ${id} granted with TTL\\(60s\\), remaining\\(\\d+s\\), attached keys\\(\\[ls/k\\]\\)\\n$`,
      ),
    );
    assert.match(theirs, new RegExp(`^lease ${id} granted with TTL\\(60s\\)`));
    assert.match(list, new RegExp(`^found \\d+ leases\\n(.*\\n)*${id}\\n`));
    assert.equal(keepAlive, `lease ${id} keepalived with TTL(60)\n`);
    assert.equal(parseJson<{ 'granted-ttl': number }>(json)['granted-ttl'], 60);
    // keep-alive without --once renews until interrupted.
    await kept.printed(`lease ${id} keepalived with TTL(60)\n`);
    assert.equal(await kept.stop('SIGINT'), 0, kept.stderr);
    assert.equal(await ok(['lease', 'revoke', id]), `lease ${id} revoked\n`);
    const [gone, expired] = await Promise.all([
      etcdctl.ok('get', 'ls/k'),
      ok(['lease', 'timetolive', id]),
    ]);
    assert.equal(gone, '');
    assert.equal(expired, `lease ${id} already expired\n`);
  });

  it('lock runs a command under the lock: the second runs only after the first exits', async () => {
    const go = join(root, 'go');
    const holder = await spawnOn([
      'lock',
      'jobs',
      'sh',
      '-c',
      `echo "first $CONCORD_LOCK_KEY $CONCORD_FENCING_TOKEN"; while [ ! -e ${go} ]; do sleep 0.05; done; echo first done`,
    ]);
    const first = /first (jobs\/[0-9a-f]+) (\d+)/.exec(
      await holder.printed(/first jobs\/\S+ \d+/),
    )!;
    const waiter = await spawnOn([
      'lock',
      'jobs',
      'sh',
      '-c',
      'echo "second $CONCORD_FENCING_TOKEN $ETCD_LOCK_REV"',
    ]);
    // The waiter has queued (its key is there) but has not run its command.
    await eventually(
      'two keys under jobs/',
      () => etcdctl.ok('get', 'jobs/', '--prefix', '--keys-only'),
      (keys) => keys.trim().split(/\n+/).length === 2,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    assert.equal(
      waiter.stdout,
      '',
      'the second command must not run while the first holds the lock',
    );
    writeFileSync(go, '');
    assert.equal(await holder.exit(), 0, holder.stderr);
    assert.match(holder.stdout, /first done/);
    const second = /second (\d+) (\d+)/.exec(await waiter.printed(/second \d+ \d+/))!;
    assert.ok(Number(second[1]) > Number(first[2]), 'the fencing token grows with each holder');
    assert.equal(second[1], second[2]);
    assert.equal(await waiter.exit(), 0, waiter.stderr);
    // The lock is released: no key is left, and a command's exit code passes through.
    assert.equal(await etcdctl.ok('get', 'jobs/', '--prefix', '--keys-only'), '');
    assert.equal((await run(['lock', 'jobs', 'sh', '-c', 'exit 7'])).code, 7);
    // Without a command: the key and the fencing token, held until SIGINT.
    const held = await spawnOn(['lock', 'jobs']);
    await held.printed(/^jobs\/[0-9a-f]+\nfencing-token \d+\n$/);
    assert.equal(await held.stop('SIGINT'), 0, held.stderr);
    assert.equal(await etcdctl.ok('get', 'jobs/', '--prefix', '--keys-only'), '');
    // etcdctl's lock uses the same keys (etcd's concurrency.Mutex): the two exclude each other.
    const theirs = etcdctl.spawn('lock', 'jobs');
    try {
      await theirs.printed((out) => /^jobs\/[0-9a-f]+\n/.test(out), 20_000);
      const ours = await spawnOn(['lock', 'jobs', 'sh', '-c', 'echo ours']);
      await eventually(
        'concord queued behind etcdctl',
        () => etcdctl.ok('get', 'jobs/', '--prefix', '--keys-only'),
        (keys) => keys.trim().split(/\n+/).length === 2,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      assert.equal(ours.stdout, '', 'concord must wait while etcdctl holds the lock');
      await theirs.stop('SIGINT');
      await ours.printed('ours\n');
      assert.equal(await ours.exit(), 0, ours.stderr);
    } finally {
      await theirs.stop('SIGKILL');
    }
  });

  it('elect campaigns, and -l observes the leader change', async () => {
    const one = await spawnOn(['elect', 'leader', 'p1']);
    await one.printed(/^leader\/[0-9a-f]+\np1\n$/);
    const observer = await spawnOn(['elect', '-l', 'leader']);
    await observer.printed(/leader\/[0-9a-f]+\np1\n/);
    const two = await spawnOn(['elect', 'leader', 'p2']);
    await eventually(
      'two candidates',
      () => etcdctl.ok('get', 'leader/', '--prefix', '--keys-only'),
      (keys) => keys.trim().split(/\n+/).length === 2,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    assert.equal(two.stdout, '');
    assert.equal(await one.stop('SIGINT'), 0, one.stderr);
    await two.printed(/^leader\/[0-9a-f]+\np2\n$/);
    await observer.printed(/p1\n[\s\S]*p2\n/);
    assert.equal(await two.stop('SIGINT'), 0);
    assert.equal(await observer.stop('SIGINT'), 0);
  });

  it('member list matches etcdctl; add (learner), update and remove', async () => {
    const [simple, theirs, table, json] = await Promise.all([
      ok(['member', 'list']),
      etcdctl.ok('member', 'list'),
      ok(['member', 'list', '-w', 'table']),
      ok(['member', 'list', '-w', 'json']),
    ]);
    const sorted = (text: string): string[] => text.trim().split('\n').sort();
    assert.deepEqual(sorted(simple), sorted(theirs));
    assert.equal(table.trim().split('\n').length, 7);
    const members = parseJson<{ members: { ID: string | number; name: string }[] }>(json).members;
    assert.deepEqual(
      members.map((m) => BigInt(m.ID).toString(16)).sort(),
      cluster.members.map((m) => m.id).sort(),
    );
    const added = await ok([
      'member',
      'add',
      'extra',
      '--learner',
      '--peer-urls',
      'http://127.0.0.1:1',
    ]);
    const id = /^Member ([0-9a-f]+) added to cluster [0-9a-f]+\n/.exec(added)?.[1];
    assert.ok(id, added);
    assert.match(added, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
    assert.match(
      await etcdctl.ok('member', 'list'),
      new RegExp(`${id}, unstarted, , http://127.0.0.1:1, , true`),
    );
    assert.match(
      await ok(['member', 'update', id, '--peer-urls', 'http://127.0.0.1:2']),
      new RegExp(`^Member ${id} updated in cluster`),
    );
    // A learner that never started cannot be promoted: the server's refusal, exit 1.
    const promote = await run(['member', 'promote', id]);
    assert.equal(promote.code, 1, promote.stdout);
    assert.match(promote.stderr, /learner/);
    assert.match(
      await ok(['member', 'remove', id]),
      new RegExp(`^Member ${id} removed from cluster`),
    );
    assert.doesNotMatch(await etcdctl.ok('member', 'list'), new RegExp(id));
    assert.equal((await run(['member', 'remove', 'not-hex'])).code, 2);
  });

  it('endpoint status|health|hashkv --cluster discover every member', async () => {
    const first = cluster.members[0]!.endpoint;
    const viaOne = (args: string[]) =>
      concordOk([...args, '--endpoints', first, '--cluster', '--command-timeout', '30s']);
    const [table, json, theirs, health] = await Promise.all([
      viaOne(['endpoint', 'status', '-w', 'table']),
      viaOne(['endpoint', 'status', '-w', 'json']),
      etcdctl.ok('endpoint', 'status', '-w', 'json'),
      viaOne(['endpoint', 'health']),
    ]);
    const lines = table.trim().split('\n');
    assert.equal(lines.length, 7, table);
    assert.ok(
      lines.every((l) => l.length === lines[0]!.length),
      table,
    );
    assert.equal(
      lines.filter((l) => /\| true +\| false +\|/.test(l)).length,
      1,
      `one leader:\n${table}`,
    );
    const ours = parseJson<EndpointStatus[]>(json);
    const etcds = parseJson<EndpointStatus[]>(theirs);
    assert.deepEqual(
      ours.map((s) => [s.Endpoint, String(s.Status.header.member_id)]).sort(),
      etcds.map((s) => [s.Endpoint, String(s.Status.header.member_id)]).sort(),
    );
    assert.equal(health.match(/is healthy: successfully committed proposal/g)?.length, 3, health);
    const revision = ours[0]!.Status.header.revision;
    const hashes = await eventually(
      'every member hashes the same history',
      async () =>
        parseJson<{ HashKV: { hash: number } }[]>(
          await viaOne(['endpoint', 'hashkv', '--rev', String(revision), '-w', 'json']),
        ),
      (all) => all.length === 3 && new Set(all.map((h) => h.HashKV.hash)).size === 1,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    assert.ok(hashes[0]!.HashKV.hash > 0);
  });

  it('snapshot save (with --progress) and restore', async () => {
    await etcdctl.ok('put', 'snap/k', 'v');
    const file = join(root, 'backup.db');
    const saved = await runConcord([
      'snapshot',
      'save',
      file,
      '--endpoints',
      cluster.members[0]!.endpoint,
      '--progress',
    ]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /^Snapshot saved at /);
    assert.match(saved.stderr, /snapshot from \S+ \[#+\] 100%/);
    const status = JSON.parse(await concordOk(['snapshot', 'status', file, '-w', 'json'])) as {
      totalKey: number;
    };
    assert.ok(status.totalKey >= 1);
    const dataDir = join(root, 'restored');
    await concordOk([
      'snapshot',
      'restore',
      file,
      '--name',
      'r1',
      '--data-dir',
      dataDir,
      '--initial-cluster',
      'r1=http://127.0.0.1:2',
      '--initial-cluster-token',
      'restored',
      '--initial-advertise-peer-urls',
      'http://127.0.0.1:2',
    ]);
    assert.ok(existsSync(dataDir));
  });

  it('check perf reports PASS or FAIL per threshold; bench prints throughput and percentiles', async () => {
    const perf = await run(['check', 'perf', '--duration', '2s', '-w', 'json']);
    assert.ok(perf.code === 0 || perf.code === 1, `check perf exited ${perf.code}: ${perf.stderr}`);
    const report = JSON.parse(perf.stdout) as {
      pass: boolean;
      requests: number;
      checks: { name: string }[];
    };
    assert.equal(perf.code, report.pass ? 0 : 1, perf.stderr);
    assert.ok(report.requests > 100, `requests: ${report.requests}`);
    assert.deepEqual(
      report.checks.map((c) => c.name),
      ['throughput', 'slowest', 'stddev', 'p99', 'errors'],
    );
    const [simple, json] = await Promise.all([
      ok(['bench', 'put', '--total', '100', '--clients', '4', '--conns', '2']),
      ok(['bench', 'txn', '--total', '50', '--clients', '4', '-w', 'json']),
    ]);
    assert.match(simple, /Requests\/sec:\t\d+/);
    assert.match(simple, /99% in \d+\.\d+ secs\./);
    const stats = JSON.parse(json) as {
      requests: number;
      errors: number;
      latency_ms: { p99: number };
    };
    assert.equal(stats.requests, 50);
    assert.equal(stats.errors, 0);
    assert.ok(stats.latency_ms.p99 > 0);
    assert.equal(
      await etcdctl.ok('get', 'bench/', '--prefix', '--keys-only'),
      '',
      'bench cleans up',
    );
  });

  it('authenticates with --user NAME:PASSWORD or --user NAME --password PASSWORD', async () => {
    await etcdctl.ok('user', 'add', 'root', '--new-user-password=rootpw');
    await etcdctl.ok('auth', 'enable');
    try {
      const both = await run(['put', 'auth/k', 'v', '--user', 'root:rootpw']);
      const [split, anonymous, wrong] = await Promise.all([
        run(['get', 'auth/k', '--user', 'root', '--password', 'rootpw']),
        run(['get', 'auth/k']),
        run(['get', 'auth/k', '--user', 'root:nope']),
      ]);
      assert.equal(both.code, 0, both.stderr);
      assert.equal(split.code, 0, split.stderr);
      assert.equal(split.stdout, 'auth/k\nv\n');
      assert.equal(anonymous.code, 1, anonymous.stdout);
      assert.match(anonymous.stderr, /user name is empty|permission denied/);
      assert.equal(wrong.code, 1, wrong.stdout);
      assert.match(wrong.stderr, /authentication failed/);
    } finally {
      await etcdctl.ok('--user=root:rootpw', 'auth', 'disable');
      await etcdctl.ok('user', 'delete', 'root');
    }
    assert.equal(await etcdctl.ok('get', 'auth/k', '--print-value-only'), 'v\n');
  });

  it('exit codes and messages for an unreachable endpoint and a cluster without a leader', async () => {
    const refused = await runConcord([
      'get',
      'x',
      '--endpoints',
      '127.0.0.1:1',
      '--command-timeout',
      '2s',
    ]);
    assert.equal(refused.code, 3);
    assert.match(
      refused.stderr,
      /connection refused to 127\.0\.0\.1:1 \(is a member running\? start one with `npx concord serve`\)/,
    );
    // A watch on the first member carries on on another when that member dies.
    const [m1, m2, m3] = cluster.members as [
      (typeof cluster.members)[0],
      (typeof cluster.members)[0],
      (typeof cluster.members)[0],
    ];
    const start =
      parseJson<GetJson>(await ok(['get', 'f/', '--prefix', '-w', 'json'])).header.revision + 1;
    const watch = await spawnConcord([
      'watch',
      'f/',
      '--prefix',
      '--rev',
      String(start),
      '--endpoints',
      endpoints,
    ]);
    await ok(['put', 'f/0', 'x']);
    await watch.printed('PUT\nf/0\nx\n');
    await m1.kill();
    await cluster.leader([m2, m3], 30_000);
    await new Etcdctl(() => `${m2.endpoint},${m3.endpoint}`).ok('put', 'f/1', 'after');
    await watch.printed('PUT\nf/1\nafter\n', 30_000);
    await m2.kill();
    const leaderless = await run(['get', 'x', '--command-timeout', '3s']);
    assert.equal(leaderless.code, 3, leaderless.stderr);
    assert.match(leaderless.stderr, /no (leader|quorum): 1 of 3 members reachable/);
    assert.equal(await watch.stop('SIGINT'), 0, watch.stderr);
  });
});
