import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MethodDefinition } from '@grpc/grpc-js';
import { watchResponseSize } from '../../src/server/convert/wire-size.js';
import { etcdServices } from '../../src/server/proto.js';
import { fragmentWatchResponse } from '../../src/server/services/watch-fragment.js';
import type { WireEvent } from '../../src/server/wire/common.js';
import type { WatchResponseOut } from '../../src/server/wire/watch.js';

const watchMethod = etcdServices().Watch.Watch as MethodDefinition<object, WatchResponseOut>;
const encodedSize = (response: WatchResponseOut): number =>
  watchMethod.responseSerialize(response).length;

const header = {
  clusterId: '18446744073709551615',
  memberId: '9223372036854775813',
  revision: '300',
  raftTerm: '7',
};

function event(i: number, valueBytes: number, type: 'PUT' | 'DELETE' = 'PUT'): WireEvent {
  const kv = {
    key: Buffer.from(`key-${i}`),
    createRevision: String(i + 1),
    modRevision: String(i + 100),
    version: '1',
    value: Buffer.alloc(valueBytes, 0x61),
    lease: i % 2 === 0 ? '0' : '-9223372036854775808',
  };
  return type === 'PUT' ? { type, kv } : { type, kv, prevKv: kv };
}

describe('watch response sizes', () => {
  it('match the real encoder, including negative int64s, empty and large values', () => {
    const responses: WatchResponseOut[] = [
      { header, watchId: '0' },
      {
        header,
        watchId: '-1',
        created: true,
        canceled: true,
        cancelReason: 'mvcc: watcher range is empty',
      },
      { header, watchId: '9223372036854775807', compactRevision: '12', fragment: true },
      { header, watchId: '3', events: [event(0, 0), event(1, 200, 'DELETE'), event(2, 70_000)] },
    ];
    for (const response of responses) {
      assert.equal(
        watchResponseSize(response),
        encodedSize(response),
        JSON.stringify(response).slice(0, 80),
      );
    }
  });
});

describe('fragmenting a watch response (etcd sendFragments)', () => {
  it('sends a small response, or a single huge event, whole', () => {
    const small: WatchResponseOut = { header, watchId: '1', events: [event(0, 10), event(1, 10)] };
    assert.deepEqual(fragmentWatchResponse(small, 1000), [small]);
    const single: WatchResponseOut = { header, watchId: '1', events: [event(0, 5000)] };
    assert.deepEqual(fragmentWatchResponse(single, 1000), [single]);
  });

  it('splits in order into parts below the limit; all but the last say fragment', () => {
    const events = Array.from({ length: 40 }, (_, i) => event(i, 100 + i));
    const response: WatchResponseOut = { header, watchId: '5', events };
    const maxBytes = 1000;
    const parts = fragmentWatchResponse(response, maxBytes);
    assert.ok(parts.length > 3, `expected several parts, got ${parts.length}`);
    assert.deepEqual(
      parts.flatMap((part) => part.events ?? []),
      events,
    );
    parts.forEach((part, i) => {
      assert.equal(part.fragment, i < parts.length - 1, `part ${i} fragment flag`);
      assert.equal(part.watchId, '5');
      assert.ok(encodedSize(part) < maxBytes, `part ${i} is ${encodedSize(part)} bytes`);
    });
  });

  it('gives an event too big for any part a part of its own', () => {
    const events = [event(0, 10), event(1, 3000), event(2, 10)];
    const parts = fragmentWatchResponse({ header, watchId: '2', events }, 1000);
    assert.deepEqual(
      parts.map((part) => part.events?.length),
      [1, 1, 1],
    );
  });
});
