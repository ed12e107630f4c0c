// At most once (DESIGN.md promise 6) end to end: a write retried with the same client
// identity in gRPC metadata is applied once, and the retry gets the original answer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Member } from '../../src/node/member.js';
import { createServer } from '../../src/server/server.js';
import { soloMemberOptions } from '../helpers/solo-member.js';
import { rawClient } from '../server/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'concord-amo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface PutOut {
  header: { revision: string };
  prev_kv?: { value: Buffer } | null;
}

function put(client: grpc.Client, request: object, metadata: grpc.Metadata): Promise<PutOut> {
  return new Promise((resolve, reject) => {
    (client as unknown as { Put: grpc.requestCallback<PutOut> & ((...a: unknown[]) => void) }).Put(
      request,
      metadata,
      (error: grpc.ServiceError | null, response?: PutOut) =>
        error === null ? resolve(response!) : reject(error),
    );
  });
}

function identity(clientId: string, sequence: number): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('concord-client-id', clientId);
  metadata.set('concord-request-seq', String(sequence));
  return metadata;
}

describe('at most once', () => {
  it('applies a retried write once and answers the retry with the original result', async () => {
    const member = await Member.open(soloMemberOptions(dir, { initialClusterToken: 'amo' }));
    const server = await createServer({ api: member, listen: [new URL('http://127.0.0.1:0')] });
    const client = rawClient('KV', server.urls[0]!.host);
    try {
      const request = { key: Buffer.from('counter'), value: Buffer.from('1'), prev_kv: true };
      const first = await put(client, request, identity('client-a', 1));
      const retry = await put(client, request, identity('client-a', 1));
      assert.equal(
        retry.header.revision,
        first.header.revision,
        'the retry got the original revision',
      );
      const next = await put(
        client,
        { ...request, value: Buffer.from('2') },
        identity('client-a', 2),
      );
      assert.equal(Number(next.header.revision), Number(first.header.revision) + 1);
      const got = await member.range({ key: new TextEncoder().encode('counter') });
      assert.equal(got.response.kvs[0]!.version, 2, 'two writes applied, not three');
      // Without an identity, a repeat is a new write (etcd's semantics).
      const plain1 = await put(client, request, new grpc.Metadata());
      const plain2 = await put(client, request, new grpc.Metadata());
      assert.equal(Number(plain2.header.revision), Number(plain1.header.revision) + 1);
      // Half an identity is refused.
      const half = new grpc.Metadata();
      half.set('concord-client-id', 'client-b');
      await assert.rejects(put(client, request, half), { code: grpc.status.INVALID_ARGUMENT });
    } finally {
      client.close();
      await server.close();
      await member.close();
    }
  });
});
