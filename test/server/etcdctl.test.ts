/**
 * Debian's etcdctl (etcd-client, v3.4) against Concord's server over the FakeMember. CI
 * installs it (.ci/run); locally, without the binary, these tests are skipped with a message.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Harness } from './harness.js';
import { eventually, startServer, waitFor } from './harness.js';

const binary = ['/usr/bin/etcdctl', '/usr/local/bin/etcdctl'].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
const skip =
  binary === undefined
    ? 'etcdctl not installed (apt-get install etcd-client; CI installs it): skipping etcdctl interop'
    : false;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('etcdctl against Concord', { skip }, () => {
  let harness: Harness;
  const env = { ...process.env, ETCDCTL_API: '3' };
  const etcdctl = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        binary as string,
        [`--endpoints=${harness.endpoint}`, '--command-timeout=5s', ...args],
        { env },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const ok = async (...args: string[]): Promise<string> => {
    const run = await etcdctl(...args);
    assert.equal(run.code, 0, `etcdctl ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout;
  };
  /**
   * etcdctl exits 1 with an "Error: ..." line holding the server's message, and clientv3's
   * retry interceptor logs the gRPC status it got ("code = NotFound desc = ...").
   */
  const refused = async (args: string[], code: string, message: string): Promise<void> => {
    const run = await etcdctl(...args);
    assert.notEqual(run.code, 0, `etcdctl ${args.join(' ')} should fail`);
    assert.match(run.stderr, new RegExp(`^Error: .*${escape(message)}`, 'm'));
    assert.match(run.stderr, new RegExp(`code = ${code} desc = ${escape(message)}`));
  };

  before(async () => {
    harness = await startServer();
  });
  after(() => harness.close());

  it('put, get (prefix, limit, sort, keys-only, rev, json header), del', async () => {
    assert.equal(await ok('put', 'app/a', '1'), 'OK\n');
    const firstRevision = harness.member.store.revision;
    await ok('put', 'app/b', '2');
    await ok('put', 'app/c', '3');
    assert.equal(await ok('get', 'app/a'), 'app/a\n1\n');
    assert.equal(await ok('get', '--prefix', 'app/', '--keys-only'), 'app/a\n\napp/b\n\napp/c\n\n');
    assert.equal(
      await ok('get', '--prefix', 'app/', '--sort-by=KEY', '--order=DESCEND', '--limit=2'),
      'app/c\n3\napp/b\n2\n',
    );
    const counted = JSON.parse(await ok('get', '--prefix', 'app/', '--limit=1', '-w', 'json')) as {
      count: number;
      more: boolean;
    };
    assert.deepEqual([counted.count, counted.more], [3, true]);
    assert.equal(await ok('get', '--prefix', 'app/', `--rev=${firstRevision}`), 'app/a\n1\n');
    const json = JSON.parse(await ok('get', 'app/a', '-w', 'json')) as {
      header: { cluster_id: number; member_id: number; raft_term: number };
    };
    assert.equal(json.header.raft_term, 7);
    assert.equal(await ok('del', '--prefix', 'app/'), '3\n');
  });

  it('txn: compare and both branches', async () => {
    await ok('put', 'flag', 'on');
    const then = await new Promise<Run>((resolve) => {
      const child = execFile(
        binary as string,
        [`--endpoints=${harness.endpoint}`, 'txn'],
        { env },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : 1, stdout, stderr }),
      );
      child.stdin?.end('value("flag") = "on"\n\nput flag off\n\nput flag never\n\n');
    });
    assert.equal(then.code, 0, then.stderr);
    assert.equal(then.stdout, 'SUCCESS\n\nOK\n');
    assert.equal(await ok('get', 'flag', '--print-value-only'), 'off\n');
  });

  it('watch with prev-kv sees a put, and the watcher goes away with the process', async () => {
    const child = spawn(
      binary as string,
      [`--endpoints=${harness.endpoint}`, 'watch', '--prev-kv', 'watched'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = waitFor<void>('etcdctl watch to exit', (done) =>
      child.once('exit', () => done()),
    );
    let output = '';
    const seen = waitFor<void>('etcdctl watch output', (done) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('second')) done();
      }),
    );
    await eventually('etcdctl watch registered', () => harness.member.hub.watchers.size === 1);
    await ok('put', 'watched', 'first');
    await ok('put', 'watched', 'second');
    await seen;
    assert.equal(output, 'PUT\nwatched\nfirst\nPUT\nwatched\nfirst\nwatched\nsecond\n');
    child.kill('SIGTERM');
    await exited;
    await eventually('etcdctl watcher canceled', () => harness.member.hub.watchers.size === 0);
  });

  it('lease grant, keep-alive --once, timetolive --keys, list, revoke', async () => {
    const granted = /lease ([0-9a-f]+) granted with TTL\(60s\)/.exec(
      await ok('lease', 'grant', '60'),
    );
    assert.ok(granted, 'lease grant output');
    const id = granted[1] as string;
    await ok('put', '--lease', id, 'leased', 'v');
    assert.match(
      await ok('lease', 'keep-alive', '--once', id),
      new RegExp(`lease ${id} keepalived with TTL\\(60\\)`),
    );
    assert.match(
      await ok('lease', 'timetolive', '--keys', id),
      new RegExp(
        `lease ${id} granted with TTL\\(60s\\), remaining\\((?:5[5-9]|60)s\\), attached keys\\(\\[leased\\]\\)`,
      ),
    );
    assert.match(await ok('lease', 'list'), new RegExp(`found 1 leases\\n${id}\\n`));
    assert.equal(await ok('lease', 'revoke', id), `lease ${id} revoked\n`);
    assert.equal(await ok('get', 'leased'), '');
    await refused(['lease', 'revoke', id], 'NotFound', 'etcdserver: requested lease not found');
    assert.match(await ok('lease', 'timetolive', id), new RegExp(`lease ${id} already expired`));
  });

  it('compaction, then compacted and future revisions refused with etcd messages', async () => {
    await ok('put', 'rev', '1');
    const at = harness.member.store.revision;
    await ok('put', 'rev', '2');
    assert.equal(await ok('compaction', String(at)), `compacted revision ${at}\n`);
    await refused(
      ['get', 'rev', `--rev=${at - 1}`],
      'OutOfRange',
      'etcdserver: mvcc: required revision has been compacted',
    );
    await refused(
      ['get', 'rev', '--rev=999999'],
      'OutOfRange',
      'etcdserver: mvcc: required revision is a future revision',
    );
  });

  it('endpoint status and health', async () => {
    const status = JSON.parse(await ok('endpoint', 'status', '-w', 'json')) as {
      Status: { version: string; leader: number; raftTerm: number };
    }[];
    assert.equal(status[0]?.Status.version, '3.6.0');
    assert.equal(status[0]?.Status.raftTerm, 7);
    const health = await etcdctl('endpoint', 'health');
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout + health.stderr, /is healthy: successfully committed proposal/);
  });

  it('bad input: empty key, unknown lease', async () => {
    await refused(['put', '', 'v'], 'InvalidArgument', 'etcdserver: key is not provided');
    await refused(
      ['put', '--lease', 'abcdef', 'k', 'v'],
      'NotFound',
      'etcdserver: requested lease not found',
    );
    // Auth is served (test/auth has the real thing): the fake member has no users.
    assert.equal(await ok('user', 'list'), '');
    assert.equal(await ok('put', 'still', 'serving'), 'OK\n');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
