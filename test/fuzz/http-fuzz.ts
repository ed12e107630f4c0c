/**
 * The HTTP/1 side of the client port: etcd's JSON gateway (/v3/...) with garbage bodies,
 * JSON of the wrong shapes, huge bodies and huge headers, odd methods and paths. The answer
 * must be an HTTP status below 500 (or 503 with etcd's text) or a closed connection.
 */
import { request } from 'node:http';
import type { Prng } from '../../src/base/prng.js';
import { randomBytes } from './generators.js';

const paths = [
  '/v3/kv/range',
  '/v3/kv/put',
  '/v3/kv/deleterange',
  '/v3/kv/txn',
  '/v3/kv/compaction',
  '/v3/watch',
  '/v3/lease/grant',
  '/v3/lease/revoke',
  '/v3/lease/timetolive',
  '/v3/cluster/member/list',
  '/v3/maintenance/status',
  '/v3/auth/status',
  '/v3/auth/authenticate',
  '/v3/lock/lock',
  '/v3/election/leader',
  '/v3/nothing',
  '/health',
];

export interface HttpInput {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

function jsonGarbage(prng: Prng): string {
  const values = [
    'null',
    '1e400',
    '-1',
    '"x"',
    '[]',
    '{}',
    'true',
    '"9223372036854775808"',
    '"-9223372036854775809"',
    '"%%%"',
    '{"a":',
  ];
  const keys = [
    'key',
    'range_end',
    'value',
    'lease',
    'ID',
    'TTL',
    'limit',
    'revision',
    'compare',
    'success',
    'create_request',
    'name',
    'sort_order',
  ];
  const fields: string[] = [];
  for (let i = 0, n = prng.int(5); i < n; i++)
    fields.push(`"${prng.pick(keys)}":${prng.pick(values)}`);
  const deep = prng.chance(0.1) ? '['.repeat(100_000) : '';
  return `${deep}{${fields.join(',')}}`;
}

export function httpInput(prng: Prng): HttpInput {
  const path = prng.pick(paths);
  const headers: Record<string, string> = {
    'content-type': prng.pick(['application/json', 'text/plain', 'application/grpc']),
  };
  if (prng.chance(0.1)) headers['x-huge'] = 'a'.repeat(prng.pick([8 * 1024, 64 * 1024]));
  if (prng.chance(0.05)) headers['grpc-timeout'] = prng.pick(['0n', '99999999H', 'xyz']);
  const body = prng.chance(0.4)
    ? randomBytes(prng, prng.int(prng.chance(0.9) ? 128 : 4 * 1024 * 1024))
    : Buffer.from(jsonGarbage(prng));
  return { method: prng.pick(['POST', 'POST', 'POST', 'GET', 'PUT']), path, headers, body };
}

/**
 * The HTTP status, or 0 if the server closed the connection without one or kept it open past
 * `timeoutMs` (a watch stream, a lock that waits: both legitimate).
 */
export function sendHttp(
  url: string,
  input: HttpInput,
  timeoutMs = 1500,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${input.path}`,
      { method: input.method, headers: input.headers, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(input.body);
  });
}

/**
 * Why an HTTP answer is not acceptable (undefined if it is). etcd's gateway answers a gRPC
 * UNKNOWN (etcd's own unmapped errors, e.g. "election: no leader") as HTTP 500 with the
 * status as JSON, so a 500 is fine when it carries one; any other 5xx but 503 is not.
 */
export function badHttp(answer: { status: number; body: string }): string | undefined {
  if (/\n\s+at |TypeError|ReferenceError|Cannot read prop/.test(answer.body)) {
    return `a JavaScript error in the body: ${answer.body.slice(0, 300)}`;
  }
  if (answer.status === 500 && /"code":\s*2\b/.test(answer.body)) return undefined;
  if (answer.status >= 500 && answer.status !== 503) {
    return `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  }
  return undefined;
}
