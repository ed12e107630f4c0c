import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcordError } from '../../src/base/errors.js';
import {
  decodePeerRequest,
  decodePeerResponse,
  encodePeerMessage,
  errorResponse,
} from '../../src/node/peer-rpc.js';

describe('peer requests', () => {
  for (const op of [
    'leaseKeepAlive',
    'leaseTimeToLive',
    'learnerReady',
    'commitsWanted',
  ] as const) {
    it(`round-trips ${op}`, () => {
      const request = { op, id: '18446744073709551615' };
      assert.deepEqual(decodePeerRequest(encodePeerMessage(request)), request);
    });
  }

  it('round-trips answers and errors', () => {
    assert.deepEqual(decodePeerResponse(encodePeerMessage({ ok: true, value: 7 })), {
      ok: true,
      value: 7,
    });
    const error = errorResponse(new ConcordError('NotLeader', 'etcdserver: not leader'));
    assert.deepEqual(decodePeerResponse(encodePeerMessage(error)), error);
  });

  it('refuses malformed requests as Corrupt', () => {
    for (const bytes of ['{', '{"op":"drop","id":"1"}', '{"op":"learnerReady"}']) {
      assert.throws(() => decodePeerRequest(new TextEncoder().encode(bytes)), { code: 'Corrupt' });
    }
  });
});
