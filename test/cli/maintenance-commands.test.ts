/**
 * `concord compaction`, `defrag`, `alarm` and `move-leader` against a real 3-member cluster
 * whose members have a small backend quota, cross-checked with Debian's etcdctl: an
 * operator's way out of NOSPACE (delete, compact, defragment every member, disarm, write
 * again), and a leadership transfer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import { Cluster } from '../helpers/cluster-process.js';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { eventually } from '../helpers/wait.js';
import { concordBundle, runConcord } from './concord-bundle.js';

const quotaBytes = 256 * 1024;
let cluster: Cluster;
let endpoints: string;
let etcdctl: Etcdctl;

before(async () => {
  [cluster] = await Promise.all([
    Cluster.start({ size: 3, args: ['--quota-backend-bytes', String(quotaBytes)] }),
    concordBundle(),
  ]);
  endpoints = cluster.members.map((m) => m.endpoint).join(',');
  etcdctl = new Etcdctl(() => endpoints);
});

after(async () => {
  await cluster?.destroy();
});

const run = (args: readonly string[], on = endpoints) =>
  runConcord(['--endpoints', on, '--command-timeout', '30s', ...args]);

/** `concord ARGS` exits 0; its stdout. */
async function ok(args: readonly string[], on = endpoints): Promise<string> {
  const ran = await run(args, on);
  assert.equal(ran.code, 0, `concord ${args.join(' ')} exit code; stderr: ${ran.stderr}`);
  return ran.stdout;
}

const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();

describe('concord compaction, defrag, alarm and move-leader', { skip: etcdctlSkip }, () => {
  it('out of NOSPACE: delete, compaction --physical, defrag --cluster, alarm disarm', async () => {
    assert.equal(await ok(['alarm', 'list']), '');
    const client = new Client({ endpoints: endpoints.split(',') });
    try {
      // 8 KiB values until a write is refused: far past the quota within 100 puts.
      const value = Buffer.alloc(8 * 1024, 1);
      let refused: Error | undefined;
      for (let i = 0; i < 100 && refused === undefined; i++) {
        await client.put(`big/${i}`, value).catch((error: Error) => {
          refused = error;
        });
      }
      assert.match(String(refused), /database space exceeded/);
      // Raised by the member that refused the write (as etcd's, with its own member ID).
      const listed = await eventually(
        'a NOSPACE alarm',
        () => ok(['alarm', 'list']),
        (text) => text !== '',
      );
      await cluster.learnIds();
      const ids = cluster.members.map((m) => BigInt(`0x${m.id}`));
      for (const line of sorted(listed)) {
        const match = /^memberID:(\d+) alarm:NOSPACE $/.exec(line); // etcdctl's trailing space
        assert.ok(match !== null, `an etcdctl alarm line: ${JSON.stringify(line)}`);
        assert.ok(ids.includes(BigInt(match[1]!)), `${line} names a member (${ids.join(', ')})`);
      }
      assert.equal(listed, await etcdctl.ok('alarm', 'list'), 'the same lines as etcdctl');

      const { revision } = await client.kv.delete('big/', { prefix: true });
      assert.equal(
        await ok(['compaction', String(revision), '--physical']),
        `compacted revision ${revision}\n`,
      );
      const again = await run(['compaction', String(revision)]);
      assert.equal(again.code, 1, again.stdout);
      assert.match(again.stderr, /etcdserver: mvcc: required revision has been compacted/);

      const defragged = await ok(['defrag', '--cluster']);
      assert.deepEqual(
        sorted(defragged),
        cluster.members.map((m) => `Finished defragmenting etcd member[${m.clientUrl}]`).sort(),
      );
      assert.deepEqual(sorted(await ok(['alarm', 'disarm'])), sorted(listed));
      assert.equal(await ok(['alarm', 'list']), '');
      await client.put('after/disarm', 'ok');
      assert.equal(await etcdctl.ok('get', 'after/disarm', '--print-value-only'), 'ok\n');
    } finally {
      client.close();
    }
  });

  it('compaction and alarm refuse bad usage', async () => {
    const [noRev, badRev, json, unknown] = await Promise.all([
      run(['compaction']),
      run(['compaction', 'soon']),
      run(['-w', 'json', 'alarm', 'list']),
      run(['alarm', 'raise']),
    ]);
    for (const [ran, what] of [
      [noRev, /missing REV/],
      [badRev, /REV must be a positive revision, got "soon"/],
      [json, /-w must be simple/],
      [unknown, /unknown subcommand "raise"/],
    ] as const) {
      assert.equal(ran.code, 2, ran.stderr);
      assert.match(ran.stderr, what);
    }
  });

  it('move-leader hands leadership to the member named, through the leader', async () => {
    const leader = await cluster.leader();
    const target = cluster.members.find((m) => m !== leader)!;
    const fromFollower = await run(['move-leader', target.id], target.endpoint);
    assert.equal(fromFollower.code, 1, fromFollower.stdout);
    assert.match(fromFollower.stderr, /no leader endpoint given at \[/);
    assert.equal(
      await ok(['move-leader', target.id]),
      `Leadership transferred from ${leader.id} to ${target.id}\n`,
    );
    assert.equal(await cluster.leader(), target, 'the member named leads');
    const bad = await run(['move-leader', 'abc123']);
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stderr, /etcdserver: bad leader transferee/);
  });
});
