/**
 * Debian's etcdctl (v3.4) against the Cluster and Maintenance services over the FakeMember:
 * member list/add/update/promote/remove, endpoint status/health/hashkv, alarm list/disarm,
 * defrag, move-leader and snapshot save. Skipped with a message when etcdctl is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fakeMemberId } from './fake/fake-member.js';
import type { Harness } from './harness.js';
import { startServer } from './harness.js';

const binary = ['/usr/bin/etcdctl', '/usr/local/bin/etcdctl'].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
const skip = binary === undefined ? 'etcdctl not installed: skipping etcdctl interop' : false;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('etcdctl: cluster and maintenance commands', { skip }, () => {
  let harness: Harness;
  let dir: string;
  const self = fakeMemberId.toString(16);
  const etcdctl = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        binary as string,
        [`--endpoints=${harness.endpoint}`, '--command-timeout=5s', ...args],
        { env: { ...process.env, ETCDCTL_API: '3' } },
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
  const refused = async (args: string[], message: string): Promise<void> => {
    const run = await etcdctl(...args);
    assert.notEqual(run.code, 0, `etcdctl ${args.join(' ')} should fail`);
    assert.ok(run.stderr.includes(`Error: ${message}`), run.stderr);
  };

  before(async () => {
    harness = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'concord-etcdctl-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await harness.close();
  });

  it('member add --learner, list (unstarted), promote, update, remove', async () => {
    const url = `http://${harness.endpoint}`;
    assert.equal(
      await ok('member', 'list'),
      `${self}, started, fake, http://127.0.0.1:2380, ${url}, false\n`,
    );
    const added = await ok(
      'member',
      'add',
      'next',
      '--peer-urls=http://10.0.0.5:2380',
      '--learner',
    );
    assert.match(added, /^Member fffffffffffffffe added to cluster ffffffffffffffff\n/);
    assert.match(
      added,
      /ETCD_INITIAL_CLUSTER="fake=http:\/\/127.0.0.1:2380,next=http:\/\/10.0.0.5:2380"/,
    );
    assert.equal(
      (await ok('member', 'list')).split('\n')[1],
      'fffffffffffffffe, unstarted, , http://10.0.0.5:2380, , true',
    );
    await refused(
      ['member', 'promote', 'fffffffffffffffe'],
      'etcdserver: can only promote a learner member which is in sync with leader',
    );
    harness.member.cluster.readyLearners.add(0xfffffffffffffffen);
    assert.equal(
      await ok('member', 'promote', 'fffffffffffffffe'),
      'Member fffffffffffffffe promoted in cluster ffffffffffffffff\n',
    );
    assert.equal(
      await ok('member', 'update', 'fffffffffffffffe', '--peer-urls=http://10.0.0.6:2380'),
      'Member fffffffffffffffe updated in cluster ffffffffffffffff\n',
    );
    await refused(
      ['member', 'add', 'dup', '--peer-urls=http://10.0.0.6:2380'],
      'etcdserver: Peer URLs already exists',
    );
    assert.equal(
      await ok('member', 'remove', 'fffffffffffffffe'),
      'Member fffffffffffffffe removed from cluster ffffffffffffffff\n',
    );
    await refused(['member', 'remove', 'fffffffffffffffe'], 'etcdserver: member not found');
  });

  it('endpoint health --cluster and hashkv', async () => {
    // etcdctl 3.4 prints health lines on stderr.
    const health = await etcdctl('endpoint', 'health', '--cluster');
    assert.equal(health.code, 0, health.stderr);
    assert.match(
      health.stderr,
      /http:\/\/127\.0\.0\.1:\d+ is healthy: successfully committed proposal/,
    );
    const revision = harness.member.store.revision;
    const hash = Math.imul(revision, 2654435761) >>> 0;
    assert.equal(await ok('endpoint', 'hashkv'), `${harness.endpoint}, ${hash}\n`);
  });

  // etcdctl 3.4 dials each URL from the member list with the whole URL as the HTTP/2
  // :authority ("http://127.0.0.1:2379"), which nghttp2 refuses unless the listener rewrites it
  // (src/server/http2/). More in etcdctl-url-endpoints.test.ts.
  it('endpoint status --cluster', async () => {
    const status = JSON.parse(await ok('endpoint', 'status', '--cluster', '-w', 'json')) as {
      Endpoint: string;
      Status: { version: string };
    }[];
    assert.deepEqual(
      status.map((entry) => [entry.Endpoint, entry.Status.version]),
      [[`http://${harness.endpoint}`, '3.6.0']],
    );
  });

  it('alarm list and disarm', async () => {
    harness.member.maintenance.alarms.push({ memberId: 5n, alarm: 'NOSPACE' });
    assert.equal(await ok('alarm', 'list'), 'memberID:5 alarm:NOSPACE \n');
    assert.equal(await ok('alarm', 'disarm'), 'memberID:5 alarm:NOSPACE \n');
    assert.equal(await ok('alarm', 'list'), '');
  });

  it('defrag', async () => {
    assert.equal(await ok('defrag'), `Finished defragmenting etcd member[${harness.endpoint}]\n`);
    assert.equal(harness.member.maintenance.defragmented, 1);
  });

  it('move-leader: to a voter; a learner refused', async () => {
    const voter = harness.member.cluster.add(['http://10.2.0.1:2380'], false).added;
    const learner = harness.member.cluster.add(['http://10.2.0.2:2380'], true).added;
    await refused(['move-leader', learner.id.toString(16)], 'etcdserver: bad leader transferee');
    assert.equal(
      await ok('move-leader', voter.id.toString(16)),
      `Leadership transferred from ${self} to ${voter.id.toString(16)}\n`,
    );
    harness.member.leader = fakeMemberId;
  });

  it('snapshot save: the file holds the snapshot, padded, and its sha256', async () => {
    const path = join(dir, 'backup.db');
    assert.equal(await ok('snapshot', 'save', path), `Snapshot saved at ${path}\n`);
    const file = readFileSync(path);
    const bytes = harness.member.maintenance.snapshotBytes;
    const data = file.subarray(0, file.length - 32);
    assert.equal(data.length % 512, 0);
    assert.deepEqual(data.subarray(0, bytes.length), Buffer.from(bytes));
    assert.deepEqual(file.subarray(-32), createHash('sha256').update(data).digest());
  });
});
