import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { createServer } from '../../src/server/server.js';
import { FakeMember } from './fake/fake-member.js';
import { eventually, rawClient, startServer, text, unaryCall, waitFor } from './harness.js';
import { RawWatch } from './raw-watch.js';

function httpGet(endpoint: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(`http://${endpoint}${path}`, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('server lifecycle', () => {
  it('listens on several URLs with free ports, serving each', async () => {
    const member = new FakeMember();
    const server = await createServer({
      api: member,
      listen: [new URL('http://127.0.0.1:0'), new URL('http://127.0.0.1:0')],
    });
    try {
      assert.equal(server.urls.length, 2);
      assert.notEqual(server.urls[0]?.port, server.urls[1]?.port);
      for (const url of server.urls) {
        const kv = rawClient('KV', url.host);
        await unaryCall(kv, 'Put', { key: text('k'), value: text(url.port) });
        kv.close();
      }
    } finally {
      await server.close();
      member.close();
    }
  });

  it('validates its options, naming the flag', async () => {
    const member = new FakeMember();
    const listen = [new URL('http://127.0.0.1:0')];
    await assert.rejects(createServer({ api: member, listen: [] }), /--listen-client-urls/);
    await assert.rejects(
      createServer({ api: member, listen: [new URL('https://127.0.0.1:0')] }),
      /https needs --cert-file and --key-file, or --auto-tls/,
    );
    await assert.rejects(
      createServer({ api: member, listen, limits: { txnOpsMax: 0 } }),
      /--max-txn-ops must be a positive integer/,
    );
    await assert.rejects(
      createServer({ api: member, listen, limits: { requestBytesMax: 1.5 } }),
      /--max-request-bytes/,
    );
  });

  it('hands HTTP/1 paths it does not serve to the http seam (404 without one)', async () => {
    const harness = await startServer();
    try {
      assert.deepEqual(await httpGet(harness.endpoint, '/metrics'), {
        status: 404,
        body: '404 page not found\n',
      });
    } finally {
      await harness.close();
    }
    const custom = await startServer({
      http: (_request, response) => response.end('# metrics'),
    });
    try {
      assert.deepEqual(await httpGet(custom.endpoint, '/metrics'), {
        status: 200,
        body: '# metrics',
      });
      assert.equal((await httpGet(custom.endpoint, '/health')).status, 200);
      const kv = rawClient('KV', custom.endpoint);
      await unaryCall(kv, 'Put', { key: text('same-port'), value: text('grpc') });
      kv.close();
    } finally {
      await custom.close();
    }
  });

  it('close() ends open watch streams with UNAVAILABLE "etcdserver: server stopped"', async () => {
    const harness = await startServer();
    const stream = new RawWatch(harness.endpoint);
    stream.create({ key: text('k') });
    await stream.next('created');
    const closed = harness.close();
    const error = await stream.ended('the watch stream to end at shutdown');
    assert.deepEqual(
      [error.code, error.details],
      [status.UNAVAILABLE, 'etcdserver: server stopped'],
    );
    await closed;
    assert.equal(harness.member.hub.watchers.size, 0);
    stream.client.close();
  });

  it('cleans up after a client process killed mid-stream, and keeps serving', async () => {
    const harness = await startServer();
    try {
      const script = fileURLToPath(new URL('./vanishing-client.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, harness.endpoint], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = waitFor<void>(
        'the client process to exit',
        (done) => child.once('exit', () => done()),
        15_000,
      );
      await waitFor<void>(
        'the client process to report its watcher created',
        (done) =>
          child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && done()),
        15_000,
      );
      assert.equal(harness.member.hub.watchers.size, 1);
      child.kill('SIGKILL');
      await exited;
      await eventually(
        "the dead client's watcher to be canceled",
        () => harness.member.hub.watchers.size === 0,
      );
      const kv = rawClient('KV', harness.endpoint);
      await unaryCall(kv, 'Put', { key: text('vanish/after'), value: text('fine') });
      kv.close();
    } finally {
      await harness.close();
    }
  });

  it('answers Maintenance.Status with the member status and etcd additions', async () => {
    const harness = await startServer({ limits: { quotaBackendBytes: 8 * 1024 * 1024 } });
    try {
      const maintenance = rawClient('Maintenance', harness.endpoint);
      const answer = await unaryCall<Record<string, unknown>>(maintenance, 'Status', {});
      assert.equal(answer.version, '3.6.0');
      assert.equal(answer.leader, '9223372036854775813');
      assert.equal(answer.dbSizeQuota, String(8 * 1024 * 1024));
      assert.deepEqual(answer.errors, []);
      harness.member.leader = 0n;
      const leaderless = await unaryCall<{ errors: string[] }>(maintenance, 'Status', {});
      assert.deepEqual(leaderless.errors, ['etcdserver: no leader']);
      maintenance.close();
    } finally {
      await harness.close();
    }
  });
});
