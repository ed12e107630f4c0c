// The Raft entry codec: every request type round-trips (canonical form), encoding is
// deterministic, and damage is reported as Corrupt, never a crash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../src/base/errors.js';
import { Prng } from '../../src/base/prng.js';
import {
  decodeRequest,
  encodeRequest,
  type RequestEnvelope,
} from '../../src/mvcc/request-codec.js';
import type { StateMachineRequest } from '../../src/mvcc/types.js';
import { s } from './helpers.js';

const requests: StateMachineRequest[] = [
  { type: 'put', request: { key: s('k'), value: s('v') } },
  {
    type: 'put',
    request: {
      key: s('k'),
      value: new Uint8Array(0),
      lease: -5n,
      prevKv: true,
      ignoreValue: true,
      ignoreLease: true,
    },
  },
  { type: 'deleteRange', request: { key: s('a'), rangeEnd: s('\0'), prevKv: true } },
  { type: 'deleteRange', request: { key: s('a') } },
  {
    type: 'txn',
    request: {
      compare: [
        { result: 'EQUAL', target: 'VERSION', key: s('a'), version: 0 },
        {
          result: 'GREATER',
          target: 'CREATE',
          key: s('a'),
          rangeEnd: s('b'),
          createRevision: 2 ** 53 - 1,
        },
        { result: 'LESS', target: 'MOD', key: s('a'), modRevision: -1 },
        { result: 'NOT_EQUAL', target: 'VALUE', key: s('a'), value: s('x') },
        { result: 'EQUAL', target: 'LEASE', key: s('a'), lease: 2n ** 63n - 1n },
      ],
      success: [
        {
          requestRange: {
            key: s('a'),
            rangeEnd: s('z'),
            limit: 10,
            revision: 3,
            sortOrder: 'DESCEND',
            sortTarget: 'VALUE',
            serializable: true,
            keysOnly: true,
            countOnly: true,
            minModRevision: 1,
            maxModRevision: 2,
            minCreateRevision: 3,
            maxCreateRevision: 4,
          },
        },
        { requestPut: { key: s('p'), value: s('v') } },
        { requestDeleteRange: { key: s('d') } },
        {
          requestTxn: {
            compare: [],
            success: [{ requestRange: { key: s('n') } }],
            failure: [{ requestTxn: { compare: [], success: [], failure: [] } }],
          },
        },
      ],
      failure: [{ requestRange: { key: s('f') } }],
    },
  },
  { type: 'compaction', request: { revision: 100 } },
  { type: 'compaction', request: { revision: 7, physical: true } },
  { type: 'leaseGrant', request: { id: 2n ** 62n, ttl: 60 } },
  { type: 'leaseRevoke', request: { id: -1n } },
  {
    type: 'leaseCheckpoint',
    request: {
      checkpoints: [
        { id: 1n, remainingTtl: 30 },
        { id: 2n, remainingTtl: 0 },
      ],
    },
  },
  { type: 'alarm', request: { action: 'GET', memberId: 0n, alarm: 'NONE' } },
  { type: 'alarm', request: { action: 'ACTIVATE', memberId: 2n ** 64n - 1n, alarm: 'NOSPACE' } },
  { type: 'alarm', request: { action: 'DEACTIVATE', memberId: 7n, alarm: 'CORRUPT' } },
];

const envelopes: RequestEnvelope[] = requests.flatMap((request, i) => [
  { id: BigInt(i), request },
  {
    id: 2n ** 64n - 1n - BigInt(i),
    identity: { clientId: `client-✓-${i}`, sequence: i * 1000 },
    request,
  },
]);

describe('request codec', () => {
  for (const envelope of envelopes) {
    it(`round-trips ${envelope.request.type} (id ${envelope.id})`, () => {
      const bytes = encodeRequest(envelope);
      assert.deepEqual(decodeRequest(bytes), envelope);
      assert.deepEqual(encodeRequest(decodeRequest(bytes)), bytes, 'deterministic');
    });
  }

  it('decodes to the canonical form: false, 0 and empty optional fields are left out', () => {
    const bytes = encodeRequest({
      id: 1n,
      request: { type: 'put', request: { key: s('k'), value: s('v'), lease: 0n, prevKv: false } },
    });
    assert.deepEqual(decodeRequest(bytes).request, {
      type: 'put',
      request: { key: s('k'), value: s('v') },
    });
  });

  it('reports truncation, bit flips and trailing bytes as Corrupt, never crashing', () => {
    const prng = new Prng(5);
    for (const envelope of envelopes) {
      const bytes = encodeRequest(envelope);
      for (let cut = 0; cut < bytes.length; cut++) {
        assert.throws(
          () => decodeRequest(bytes.subarray(0, cut)),
          (e) => isConcordError(e, 'Corrupt'),
        );
      }
      assert.throws(
        () => decodeRequest(new Uint8Array([...bytes, 0])),
        (e) => isConcordError(e, 'Corrupt'),
      );
      for (let i = 0; i < 50; i++) {
        const damaged = bytes.slice();
        damaged[prng.int(damaged.length)] ^= 1 << prng.int(8);
        try {
          decodeRequest(damaged);
        } catch (error) {
          assert.ok(isConcordError(error, 'Corrupt'), String(error));
        }
      }
    }
  });
});
