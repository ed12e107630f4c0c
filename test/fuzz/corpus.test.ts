/**
 * Replays every input in test/fuzz/corpus/*.json (bugs the fuzzer found, each fixed) against
 * a real member: the answer is the expected status where one is given, otherwise one Concord
 * may give (grpc-fuzz.ts badOutcome), and the member stays alive and healthy.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { MemberProcess } from '../helpers/member-process.js';
import { badOutcome, callRaw, rawChannel } from './grpc-fuzz.js';
import { fuzzMethods } from './methods.js';
import { alive, healthy } from './oracle.js';
import type * as grpc from '@grpc/grpc-js';
import { RawConnection } from '../helpers/raw-http2.js';

interface CorpusEntry {
  readonly target: string;
  readonly reason: string;
  readonly bytes: string;
  readonly expect?: { readonly code: number; readonly details: string };
}

const corpusDir = new URL('corpus/', import.meta.url);
const entries = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({
    name,
    entry: JSON.parse(readFileSync(new URL(name, corpusDir), 'utf8')) as CorpusEntry,
  }));

describe('fuzz corpus: every input once found to break a member', () => {
  let member: MemberProcess;
  let client: grpc.Client;

  before(async () => {
    member = await MemberProcess.start();
    client = rawChannel(member.endpoint);
  });
  after(async () => {
    client.close();
    await MemberProcess.destroyAll();
  });

  // Below the message: gRPC's own 5-byte frame, lying.
  const frames: readonly [string, Buffer][] = [
    [
      'a message length of 4 GiB - 1 with 3 bytes behind it',
      Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
    ],
    ['the compressed flag without a grpc-encoding', Buffer.from([1, 0, 0, 0, 2, 0x0a, 0x00])],
    ['a frame cut inside its length', Buffer.from([0, 0, 0])],
  ];
  for (const [what, bytes] of frames) {
    it(`a gRPC frame: ${what}`, async () => {
      const connection = new RawConnection(member.endpoint);
      try {
        const call = connection.call('/etcdserverpb.KV/Range');
        call.end(bytes);
        const status = await call.ended(`the call with ${what} to end`);
        assert.notEqual(status.code, '0', `refused: ${JSON.stringify(status)}`);
        assert.equal(badOutcome({ code: Number(status.code), details: status.message }), undefined);
      } finally {
        connection.close();
      }
      assert.ok(await healthy(member.url), member.describe());
    });
  }

  for (const { name, entry } of entries) {
    it(`${name}: ${entry.target}`, async () => {
      const method = fuzzMethods().find((m) => m.path === entry.target);
      assert.ok(method !== undefined, `no method ${entry.target}`);
      const outcome = await callRaw(client, method, Buffer.from(entry.bytes, 'base64'));
      if (entry.expect !== undefined) assert.deepEqual(outcome, entry.expect, entry.reason);
      else assert.equal(badOutcome(outcome), undefined, entry.reason);
      assert.ok(alive(member.pid ?? 0), `the member died: ${entry.reason}\n${member.describe()}`);
      assert.ok(await healthy(member.url), `the member is not healthy: ${member.describe()}`);
    });
  }
});
