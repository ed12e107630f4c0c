/**
 * The JSON gateway (src/server/gateway) through real sockets: plain `fetch` requests against a
 * member, as curl would send them, and the same requests against Debian's etcd 3.4 where the
 * shapes can be compared cheaply: field names, which fields are present, int64 as strings,
 * bytes as base64, error bodies and HTTP statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EtcdProcess, etcdUnavailable } from '../helpers/etcd-process.js';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually, waitFor } from '../helpers/wait.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function post(base: string, path: string, body: unknown = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

/** The JSON's shape: keys kept, decimal strings as "<int>", other strings as "<string>". */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  }
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? '<int>' : '<string>';
  return value;
}

/** Same fields, in the same order (the bytes differ only in the values), as etcd's. */
function sameShape(ours: unknown, theirs: unknown): void {
  assert.equal(JSON.stringify(shape(ours)), JSON.stringify(shape(theirs)));
}

/** Reads a /v3/watch stream's lines until `count` results arrived. */
async function watchLines(
  base: string,
  request: object,
  count: number,
  afterCreated: () => Promise<void>,
): Promise<Record<string, unknown>[]> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v3/watch`, {
    method: 'POST',
    body: JSON.stringify(request),
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.ok(response.body !== null);
  const reader = response.body.getReader();
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  try {
    await waitFor<void>(`${count} watch responses from ${base}`, (done, fail) => {
      void (async () => {
        try {
          while (lines.length < count) {
            const { done: ended, value } = await reader.read();
            if (ended) throw new Error(`the watch stream ended after ${lines.length} lines`);
            buffered += Buffer.from(value).toString('utf8');
            for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
              lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
              buffered = buffered.slice(nl + 1);
              if (lines.length === 1) await afterCreated();
            }
          }
          done();
        } catch (error) {
          fail(error as Error);
        }
      })();
    });
  } finally {
    controller.abort();
  }
  return lines;
}

describe('JSON gateway', { timeout: 120_000 }, () => {
  let member: MemberProcess;
  let concord: string;
  let etcd: EtcdProcess | undefined;
  let reference: string | undefined;

  before(async () => {
    [member, etcd] = await Promise.all([
      MemberProcess.start({ args: ['--max-request-bytes', '4096'] }),
      etcdUnavailable() === false
        ? EtcdProcess.start({ args: ['--max-request-bytes=4096'] })
        : undefined,
    ]);
    concord = member.url;
    reference = etcd === undefined ? undefined : `http://${etcd.endpoint}`;
  });

  after(async () => {
    await member?.destroy();
    await etcd?.destroy();
  });

  /** Runs `request` against Concord and, when etcd is here, against etcd; returns both. */
  async function both(
    run: (base: string) => Promise<Answer>,
  ): Promise<[Answer, Answer | undefined]> {
    const ours = await run(concord);
    const theirs = reference === undefined ? undefined : await run(reference);
    return [ours, theirs];
  }

  it('puts and ranges in etcd gateway shape: original names, int64 strings, base64 bytes', async () => {
    const [put, etcdPut] = await both((base) =>
      post(base, '/v3/kv/put', { key: b64('gw/a'), value: b64('alpha') }),
    );
    assert.equal(put.status, 200);
    assert.equal(put.headers.get('content-type'), 'application/json');
    assert.equal(put.headers.get('access-control-allow-origin'), '*');
    if (etcdPut !== undefined) sameShape(put.body, etcdPut.body);

    const [range, etcdRange] = await both((base) =>
      post(base, '/v3/kv/range', { key: b64('gw/a') }),
    );
    assert.equal(range.status, 200);
    const kvs = range.body.kvs as { key: string; value: string; version: string }[];
    assert.equal(kvs[0]?.key, b64('gw/a'));
    assert.equal(kvs[0]?.value, b64('alpha'));
    assert.equal(kvs[0]?.version, '1');
    assert.equal(range.body.count, '1');
    assert.ok(
      'cluster_id' in (range.body.header as object),
      'header fields keep their proto names',
    );
    if (etcdRange !== undefined) sameShape(range.body, etcdRange.body);

    // jsonpb accepts the lowerCamelCase name too; defaults (more: false) are left out.
    const [counted, etcdCounted] = await both((base) =>
      post(base, '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), countOnly: true }),
    );
    assert.equal(counted.body.count, '1');
    assert.equal(counted.body.kvs, undefined);
    assert.equal(counted.body.more, undefined);
    if (etcdCounted !== undefined) sameShape(counted.body, etcdCounted.body);
  });

  it("answers etcd's errors with grpc-gateway's HTTP status and body", async () => {
    const cases: [string, unknown, number, number, string | undefined][] = [
      [
        '/v3/kv/range',
        { key: b64('gw/a'), revision: '1000000' },
        400,
        11,
        'etcdserver: mvcc: required revision is a future revision',
      ],
      ['/v3/kv/range', { key: '' }, 400, 3, 'etcdserver: key is not provided'],
      [
        '/v3/kv/range',
        { key: 1 },
        400,
        3,
        'json: cannot unmarshal number into Go value of type []uint8',
      ],
      ['/v3/lease/revoke', { ID: '12345' }, 404, 5, 'etcdserver: requested lease not found'],
      [
        '/v3/kv/put',
        { key: b64('gw/big'), value: b64('x'.repeat(5000)) },
        400,
        3,
        'etcdserver: request is too large',
      ],
      ['/v3/kv/range', 'not json', 400, 3, undefined],
    ];
    for (const [path, body, status, code, message] of cases) {
      const [ours, theirs] = await both((base) => post(base, path, body));
      const what = `${path} ${JSON.stringify(body).slice(0, 60)}`;
      assert.equal(ours.status, status, `${what}: HTTP status`);
      assert.equal(ours.body.code, code, `${what}: gRPC code`);
      assert.equal(ours.body.error, ours.body.message, `${what}: error and message agree`);
      if (message !== undefined) {
        assert.deepEqual(ours.body, { error: message, message, code }, what);
        if (theirs !== undefined) assert.deepEqual(ours.body, theirs.body, `${what}: same as etcd`);
      }
    }
  });

  it('runs a txn with oneof ops named as in the proto', async () => {
    const txn = {
      compare: [{ key: b64('gw/a'), result: 'EQUAL', target: 'VALUE', value: b64('alpha') }],
      success: [{ request_put: { key: b64('gw/a'), value: b64('beta') } }],
      failure: [{ requestRange: { key: b64('gw/a') } }],
    };
    const [ours, theirs] = await both((base) => post(base, '/v3/kv/txn', txn));
    assert.equal(ours.status, 200);
    assert.equal(ours.body.succeeded, true);
    const responses = ours.body.responses as Record<string, unknown>[];
    assert.deepEqual(Object.keys(responses[0] ?? {}), ['response_put']);
    if (theirs !== undefined) {
      assert.deepEqual(Object.keys(ours.body), Object.keys(theirs.body));
      assert.deepEqual(
        (theirs.body.responses as object[]).map((r) => Object.keys(r)),
        responses.map((r) => Object.keys(r)),
      );
    }
  });

  it('grants, inspects, keeps alive (stream) and revokes leases', async () => {
    const [grant, etcdGrant] = await both((base) => post(base, '/v3/lease/grant', { TTL: '60' }));
    assert.equal(grant.status, 200);
    assert.equal(grant.body.TTL, '60');
    if (etcdGrant !== undefined) sameShape(grant.body, etcdGrant.body);
    const id = grant.body.ID as string;
    await post(concord, '/v3/kv/put', { key: b64('gw/leased'), value: b64('v'), lease: id });

    const ttl = await post(concord, '/v3/lease/timetolive', { ID: id, keys: true });
    assert.deepEqual(ttl.body.keys, [b64('gw/leased')]);
    assert.equal(ttl.body.grantedTTL, '60');
    if (etcdGrant !== undefined && reference !== undefined) {
      const etcdId = etcdGrant.body.ID as string;
      await post(reference, '/v3/kv/put', {
        key: b64('gw/leased'),
        value: b64('v'),
        lease: etcdId,
      });
      const etcdTtl = await post(reference, '/v3/lease/timetolive', { ID: etcdId, keys: true });
      sameShape(ttl.body, etcdTtl.body);
    }

    const keepAlive = await fetch(`${concord}/v3/lease/keepalive`, {
      method: 'POST',
      body: JSON.stringify({ ID: id }),
    });
    const lines = (await keepAlive.text()).trim().split('\n');
    assert.equal(lines.length, 1);
    const result = (JSON.parse(lines[0] as string) as { result: { ID: string; TTL: string } })
      .result;
    assert.equal(result.ID, id);
    assert.equal(result.TTL, '60');

    const leases = await post(concord, '/v3/lease/leases');
    assert.ok((leases.body.leases as { ID: string }[]).some((lease) => lease.ID === id));
    assert.equal((await post(concord, '/v3/lease/revoke', { ID: id })).status, 200);
    const gone = await post(concord, '/v3/lease/timetolive', { ID: id });
    assert.equal(gone.body.TTL, '-1');
  });

  it('streams watch events as {"result": ...} lines, PUT without a type, DELETE with one', async () => {
    const request = { create_request: { key: b64('gw/w'), prev_kv: true } };
    const run = async (base: string): Promise<Record<string, unknown>[]> =>
      watchLines(base, request, 3, async () => {
        await post(base, '/v3/kv/put', { key: b64('gw/w'), value: b64('1') });
        await post(base, '/v3/kv/deleterange', { key: b64('gw/w') });
      });
    const ours = await run(concord);
    const created = ours[0]?.result as Record<string, unknown>;
    assert.equal(created.created, true);
    assert.equal(created.watch_id, undefined, 'watch_id 0 is a default: left out');
    const put = (ours[1]?.result as { events: Record<string, unknown>[] }).events[0];
    assert.equal(put?.type, undefined);
    assert.equal((put?.kv as { value: string }).value, b64('1'));
    const deleted = (ours[2]?.result as { events: Record<string, unknown>[] }).events[0];
    assert.equal(deleted?.type, 'DELETE');
    assert.equal((deleted?.prev_kv as { value: string }).value, b64('1'));
    if (reference !== undefined) sameShape(ours, await run(reference));
  });

  it('serves member list and status with etcd fields', async () => {
    const [list, etcdList] = await both((base) => post(base, '/v3/cluster/member/list'));
    const members = list.body.members as { ID: string; name: string; peerURLs: string[] }[];
    assert.equal(members.length, 1);
    assert.match(members[0]?.ID ?? '', /^\d+$/);
    if (etcdList !== undefined) sameShape(list.body, etcdList.body);

    const [status, etcdStatus] = await both((base) => post(base, '/v3/maintenance/status'));
    assert.equal(status.body.leader, (status.body.header as { member_id: string }).member_id);
    if (etcdStatus !== undefined) {
      // Concord speaks etcd 3.6's Status (dbSizeQuota, downgradeInfo too): etcd 3.4's fields
      // are a subset.
      for (const key of Object.keys(etcdStatus.body))
        assert.ok(key in status.body, `status has ${key}`);
    }
  });

  it('allows any origin, answers OPTIONS, refuses GET, and leaves other paths alone', async () => {
    const options = await fetch(`${concord}/v3/kv/range`, { method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.equal(
      options.headers.get('access-control-allow-headers'),
      'accept, content-type, authorization',
    );
    const get = await fetch(`${concord}/v3/kv/range`);
    assert.equal(get.status, 405);
    assert.equal(await get.text(), 'Method Not Allowed\n');
    const unknown = await fetch(`${concord}/v3/kv/nothing`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    const health = await fetch(`${concord}/health`);
    assert.equal(health.status, 200);
  });

  it('refuses a body past the gRPC receive limit with RESOURCE_EXHAUSTED', async () => {
    // --max-request-bytes 4096: the gRPC limit is 4 KiB + 512 KiB; 1 MiB of base64 is past it.
    const big = await post(concord, '/v3/kv/put', {
      key: b64('gw/huge'),
      value: 'A'.repeat(1 << 20),
    });
    assert.equal(big.status, 429);
    assert.equal(big.body.code, 8);
    const range = await post(concord, '/v3/kv/range', { key: b64('gw/huge') });
    assert.equal(range.body.count, undefined, 'nothing was written');
  });

  it('serves the lock and election services at their own paths', async () => {
    const run = async (base: string): Promise<unknown[]> => {
      const lease = (await post(base, '/v3/lease/grant', { TTL: '30' })).body.ID as string;
      const locked = await post(base, '/v3/lock/lock', { name: b64('gw-lock'), lease });
      assert.equal(locked.status, 200);
      assert.match(
        Buffer.from(locked.body.key as string, 'base64').toString(),
        /^gw-lock\/[0-9a-f]+$/,
      );
      const campaign = await post(base, '/v3/election/campaign', {
        name: b64('gw-election'),
        lease,
        value: b64('me'),
      });
      const leader = await post(base, '/v3/election/leader', { name: b64('gw-election') });
      assert.equal((leader.body.kv as { value: string }).value, b64('me'));
      const unlocked = await post(base, '/v3/lock/unlock', { key: locked.body.key });
      return [locked.body, campaign.body, leader.body, unlocked.body];
    };
    const ours = await run(concord);
    if (reference !== undefined) sameShape(ours, await run(reference));
  });

  it('ends the gRPC watch stream and its watchers when the HTTP client goes away', async () => {
    const gauges = async (): Promise<string> => {
      const text = await (await fetch(`${concord}/metrics`)).text();
      const value = (name: string): string =>
        new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? '?';
      return `streams=${value('etcd_debugging_mvcc_watch_stream_total')} watchers=${value('etcd_debugging_mvcc_watcher_total')}`;
    };
    const controller = new AbortController();
    const response = await fetch(`${concord}/v3/watch`, {
      method: 'POST',
      body: JSON.stringify({ create_request: { key: b64('gw/gone') } }),
      signal: controller.signal,
    });
    assert.ok(response.body !== null);
    const reader = response.body.getReader();
    await reader.read(); // the created response: the watcher is registered
    await eventually(
      'one watch stream with one watcher',
      gauges,
      (g) => g === 'streams=1 watchers=1',
    );
    controller.abort();
    await eventually('the stream and watcher gone', gauges, (g) => g === 'streams=0 watchers=0');
  });

  // Last: it turns auth on for both servers.
  it(
    'takes the token from /v3/auth/authenticate in the Authorization header',
    { skip: etcdctlSkip },
    async () => {
      const enable = async (endpoint: string): Promise<void> => {
        const ctl = new Etcdctl(() => endpoint);
        await ctl.ok('put', 'gw/public/x', 'open');
        await ctl.ok('put', 'gw/secret', 'closed');
        await ctl.ok('user', 'add', 'root:rootpw');
        await ctl.ok('role', 'add', 'reader');
        await ctl.ok('role', 'grant-permission', 'reader', 'read', 'gw/public/', '--prefix');
        await ctl.ok('user', 'add', 'alice:alicepw');
        await ctl.ok('user', 'grant-role', 'alice', 'reader');
        await ctl.ok('auth', 'enable');
      };
      await enable(member.endpoint);
      if (etcd !== undefined) await enable(etcd.endpoint);
      const read = async (base: string, key: string, token?: string): Promise<Answer> => {
        const response = await fetch(`${base}/v3/kv/range`, {
          method: 'POST',
          headers: token === undefined ? {} : { authorization: token },
          body: JSON.stringify({ key: b64(key) }),
        });
        return {
          status: response.status,
          headers: response.headers,
          body: (await response.json()) as Record<string, unknown>,
        };
      };
      const [login, etcdLogin] = await both((base) =>
        post(base, '/v3/auth/authenticate', { name: 'alice', password: 'alicepw' }),
      );
      assert.equal(login.status, 200);
      assert.equal(typeof login.body.token, 'string');
      if (etcdLogin !== undefined) sameShape(login.body, etcdLogin.body);
      const token = login.body.token as string;
      const etcdToken = etcdLogin?.body.token as string | undefined;

      const allowed = await read(concord, 'gw/public/x', token);
      assert.equal(allowed.status, 200);
      assert.equal((allowed.body.kvs as { value: string }[])[0]?.value, b64('open'));
      const checks: [string, string | undefined, number][] = [
        ['gw/secret', 'mine', 403],
        ['gw/public/x', undefined, 400],
        ['gw/public/x', 'garbage', 401],
      ];
      for (const [key, which, status] of checks) {
        const pick = (own: string | undefined): string | undefined =>
          which === 'mine' ? own : which;
        const ours = await read(concord, key, pick(token));
        assert.equal(ours.status, status, `${key} with ${which ?? 'no'} token`);
        if (reference !== undefined) {
          const theirs = await read(reference, key, pick(etcdToken));
          assert.deepEqual(
            ours.body,
            theirs.body,
            `${key} with ${which ?? 'no'} token: same as etcd`,
          );
          assert.equal(ours.status, theirs.status);
        }
      }
    },
  );
});
