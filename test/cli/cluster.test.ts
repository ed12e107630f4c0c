// `concord cluster`: a real 3-member cluster of `concord serve` processes on loopback, driven
// through its command line: it comes up and serves (writes through one member are read through
// another), stops cleanly on SIGTERM, restarts the same cluster from its data dir, reports a
// member that dies, and refuses bad flags with exit code 2.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { freePortRange } from '../helpers/free-port.js';
import { ClusterCommand, concord } from './concord-cli.js';

const root = mkdtempSync(join(tmpdir(), 'concord-cluster-cli-'));
after(async () => {
  await ClusterCommand.destroyAll();
  rmSync(root, { recursive: true, force: true });
});

async function withClient<T>(endpoint: string, fn: (client: Etcd3) => Promise<T>): Promise<T> {
  const client = new Etcd3({ hosts: `http://${endpoint}` });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

describe('concord cluster', () => {
  it('runs 3 members that serve, stops them cleanly, and restarts the same cluster', async () => {
    const basePort = await freePortRange(6);
    const dataDir = join(root, 'three');
    const args = ['--members', '3', '--base-port', String(basePort), '--data-dir', dataDir];
    const first = await ClusterCommand.start(args);
    assert.deepEqual(
      first.endpoints,
      [0, 2, 4].map((d) => `127.0.0.1:${basePort + d}`),
    );
    assert.match(first.stdout, /3 member\(s\) serving; leader member[123]/);
    assert.match(
      first.stdout,
      new RegExp(
        `member2 +client http://127.0.0.1:${basePort + 2} +peer http://127.0.0.1:${basePort + 3}`,
      ),
    );

    await withClient(first.endpoints[0]!, async (c) => {
      await c.put('greeting').value('hello');
    });
    assert.equal(await withClient(first.endpoints[2]!, (c) => c.get('greeting').string()), 'hello');

    assert.equal(await first.stop(), 0, `a clean stop exits 0; stderr:\n${first.stderr}`);
    assert.match(first.stdout, /stopping \(SIGTERM\)\nconcord cluster: stopped\n$/);

    // Again, with no flags but the data dir: the recorded shape, the same members and data.
    const second = await ClusterCommand.start(['--data-dir', dataDir]);
    assert.match(second.stdout, /starting the existing 3-member cluster/);
    assert.deepEqual(second.endpoints, first.endpoints);
    assert.equal(
      await withClient(second.endpoints[1]!, (c) => c.get('greeting').string()),
      'hello',
    );

    // A member that dies is reported, not restarted; the exit code says something failed.
    process.kill(second.memberPids[2]!, 'SIGKILL');
    await second.printed(
      /member3 exited unexpectedly \(killed by SIGKILL\); not restarted/,
      10_000,
      'stderr',
    );
    assert.equal(await second.stop(), 1);
  });

  it('refuses flags that contradict the data dir, and bad flags, with exit code 2', async () => {
    const dataDir = join(root, 'recorded');
    mkdirSync(dataDir);
    writeFileSync(
      join(dataDir, 'cluster.json'),
      JSON.stringify({ formatVersion: 1, members: 3, basePort: 2379, token: 't' }),
    );
    const contradicts = await concord('cluster', '--data-dir', dataDir, '--members', '5');
    assert.equal(contradicts.code, 2, contradicts.stderr);
    assert.match(contradicts.stderr, /holds a 3-member cluster .* --members 5 contradicts it/);

    const even = await concord('cluster', '--members', '4', '--data-dir', join(root, 'four'));
    assert.equal(even.code, 2);
    assert.match(even.stderr, /--members must be 1, 3, 5 or 7, got 4/);
    const high = await concord('cluster', '--base-port', '65531', '--data-dir', join(root, 'x'));
    assert.equal(high.code, 2);
    assert.match(high.stderr, /need ports 65531\.\.65536/);
    const unknown = await concord('cluster', '--bogus');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--bogus'/);
  });
});
