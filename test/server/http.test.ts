import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { fakeMemberId } from './fake/fake-member.js';
import type { Harness } from './harness.js';
import { startServer } from './harness.js';

interface Reply {
  status: number;
  type: string | undefined;
  allow: string | undefined;
  body: string;
}

/** A plain HTTP/1 request, as curl or a Kubernetes probe sends it. */
function http(endpoint: string, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request(`http://${endpoint}${path}`, { method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: response.headers['content-type'],
          allow: response.headers.allow,
          body,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('HTTP endpoints on the client port', () => {
  let harness: Harness;
  const get = (path: string, method?: string): Promise<Reply> =>
    http(harness.endpoint, path, method);

  before(async () => {
    harness = await startServer({ healthTimeoutMs: 200 });
  });
  afterEach(() => {
    harness.member.leader = fakeMemberId;
    harness.member.stalled = false;
    harness.member.maintenance.alarms.length = 0;
  });
  after(() => harness.close());

  it('/health: etcd JSON, 200 when healthy', async () => {
    assert.deepEqual(await get('/health'), {
      status: 200,
      type: 'text/plain; charset=utf-8',
      allow: undefined,
      body: '{"health":"true","reason":""}',
    });
  });

  it('/health: 503 with the reason: alarm (unless excluded), no leader, a read that times out', async () => {
    harness.member.maintenance.alarms.push({ memberId: 7n, alarm: 'NOSPACE' });
    const alarmed = await get('/health');
    assert.equal(alarmed.status, 503);
    assert.equal(alarmed.body, '{"health":"false","reason":"ALARM NOSPACE"}\n');
    assert.equal((await get('/health?exclude=NOSPACE')).status, 200);
    harness.member.maintenance.alarms.length = 0;

    harness.member.leader = 0n;
    assert.equal((await get('/health')).body, '{"health":"false","reason":"RAFT NO LEADER"}\n');
    assert.equal(
      (await get('/health?serializable=true')).status,
      200,
      'local check needs no leader',
    );
    harness.member.leader = fakeMemberId;

    harness.member.stalled = true;
    const started = Date.now();
    const stalled = await get('/health');
    assert.equal(stalled.status, 503);
    assert.equal(
      stalled.body,
      '{"health":"false","reason":"RANGE ERROR:etcdserver: request timed out"}\n',
    );
    assert.ok(Date.now() - started < 2000, 'bounded by healthTimeoutMs');
    assert.equal((await get('/health?serializable=true')).status, 200);
  });

  it('/health: a failing read reports the etcd message', async () => {
    harness.member.failNext('range', 'NoSpace');
    assert.equal(
      (await get('/health')).body,
      '{"health":"false","reason":"RANGE ERROR:etcdserver: mvcc: database space exceeded"}\n',
    );
  });

  it('/livez and /readyz: "ok", verbose lists the checks', async () => {
    assert.deepEqual([(await get('/livez')).status, (await get('/livez')).body], [200, 'ok\n']);
    assert.equal((await get('/readyz')).body, 'ok\n');
    assert.equal(
      (await get('/readyz?verbose')).body,
      '[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n',
    );
    assert.equal((await get('/livez?verbose')).body, '[+]serializable_read ok\nok\n');
  });

  it('/readyz: 503 naming the failed checks; exclude and single-check subpaths', async () => {
    harness.member.maintenance.alarms.push({ memberId: 7n, alarm: 'CORRUPT' });
    harness.member.stalled = true;
    const failed = await get('/readyz');
    assert.equal(failed.status, 503);
    assert.equal(
      failed.body,
      '[-]data_corruption failed: alarm activated: CORRUPT\n[+]serializable_read ok\n' +
        '[-]linearizable_read failed: etcdserver: request timed out\n[+]non_learner ok\n\n',
    );
    assert.equal((await get('/livez')).status, 200, 'a member without quorum is still alive');
    assert.equal(
      (await get('/readyz?exclude=data_corruption&exclude=linearizable_read')).status,
      200,
    );
    assert.equal((await get('/readyz/serializable_read')).body, 'ok\n');
    assert.equal((await get('/readyz/data_corruption')).status, 503);
    assert.equal((await get('/readyz/nonexistent')).status, 404);
  });

  it('/readyz: a learner is not ready', async () => {
    const self = harness.member.cluster.members.get(fakeMemberId);
    assert.ok(self);
    harness.member.cluster.members.set(fakeMemberId, { ...self, isLearner: true });
    try {
      assert.equal(
        (await get('/readyz/non_learner')).body,
        '[-]non_learner failed: not supported for learner\n\n',
      );
    } finally {
      harness.member.cluster.members.set(fakeMemberId, self);
    }
  });

  it("/version: the etcd API version in etcd fields, Concord's own beside", async () => {
    harness.member.version = '0.1.0';
    const version = await get('/version');
    assert.equal(version.type, 'application/json');
    assert.deepEqual(JSON.parse(version.body), {
      etcdserver: '3.6.0',
      etcdcluster: '3.6.0',
      concord: '0.1.0',
    });
  });

  it('answers only GET, as etcd: 405 with Allow', async () => {
    for (const path of ['/health', '/livez', '/readyz', '/version']) {
      const posted = await get(path, 'POST');
      assert.deepEqual(
        [posted.status, posted.allow, posted.body],
        [405, 'GET', 'Method Not Allowed\n'],
        path,
      );
    }
  });
});
