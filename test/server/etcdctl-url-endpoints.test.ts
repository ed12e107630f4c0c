/**
 * Debian's etcdctl (v3.4) given endpoints as URLs, as operators write them and as the member
 * list publishes them. etcdctl 3.4 sends such a URL whole as the HTTP/2 :authority when it
 * dials one endpoint (endpoint status, hashkv, --cluster); Node's nghttp2 refuses that unless
 * the listener rewrites it (src/server/http2/). Skipped with a message when etcdctl is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { after, before, describe, it } from 'node:test';
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

describe('etcdctl with --endpoints=http://host:port', { skip }, () => {
  let harness: Harness;
  let url: string;
  const ok = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        binary as string,
        [`--endpoints=${url}`, '--command-timeout=5s', ...args],
        { env: { ...process.env, ETCDCTL_API: '3' } },
        (error, stdout, stderr) =>
          error === null
            ? resolve(stdout)
            : reject(new Error(`etcdctl ${args.join(' ')} failed: ${stderr}`)),
      );
    });

  before(async () => {
    harness = await startServer();
    url = `http://${harness.endpoint}`;
  });
  after(() => harness.close());

  it('put and get', async () => {
    assert.equal(await ok('put', 'url/a', '1'), 'OK\n');
    assert.equal(await ok('get', 'url/a'), 'url/a\n1\n');
  });

  it('endpoint status, its own connection with the URL as :authority', async () => {
    const status = JSON.parse(await ok('endpoint', 'status', '-w', 'json')) as {
      Endpoint: string;
      Status: { version: string; raftTerm: number };
    }[];
    assert.deepEqual(
      status.map((entry) => [entry.Endpoint, entry.Status.version, entry.Status.raftTerm]),
      [[url, '3.6.0', 7]],
    );
  });

  it('endpoint hashkv and endpoint status --cluster', async () => {
    assert.match(await ok('endpoint', 'hashkv'), new RegExp(`^${url}, \\d+\\n$`));
    assert.match(await ok('endpoint', 'status', '--cluster'), new RegExp(`^${url}, .*3\\.6\\.0`));
  });
});
