/**
 * The hand-encoded watch event responses (src/server/wire/watch-encoder.ts) decode, with the
 * proto loader the server and clients use, to exactly what protobufjs's own encoding of the
 * same response decodes to, over many shapes of events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MethodDefinition } from '@grpc/grpc-js';
import type { Event, KeyValue } from '../../src/mvcc/types.js';
import type { ResponseHeader } from '../../src/node/api.js';
import { toWireHeader } from '../../src/server/convert/header.js';
import { toWireEvent } from '../../src/server/convert/key-value.js';
import { etcdServices } from '../../src/server/proto.js';
import { EventBatch } from '../../src/server/services/watch-batch.js';
import { preEncoded, preEncodedOf } from '../../src/server/wire/pre-encoded.js';
import type { WatchResponseOut } from '../../src/server/wire/watch.js';
import {
  encodeEventsResponse,
  encodeHeader,
  eventBytes,
  watchIdField,
} from '../../src/server/wire/watch-encoder.js';

const method = etcdServices().Watch.Watch as MethodDefinition<object, WatchResponseOut>;
const decode = (bytes: Buffer): unknown => method.responseDeserialize(bytes);
const reference = (response: WatchResponseOut): unknown =>
  decode(method.responseSerialize(response));

const int64Max = 2n ** 63n - 1n;
const int64Min = -(2n ** 63n);
const safe = Number.MAX_SAFE_INTEGER;

function kv(fields: Partial<KeyValue>): KeyValue {
  return {
    key: Buffer.from('k'),
    createRevision: 1,
    modRevision: 1,
    version: 1,
    value: Buffer.from('v'),
    lease: 0n,
    ...fields,
  };
}

const events: Event[] = [
  { type: 'PUT', kv: kv({}) },
  { type: 'PUT', kv: kv({ key: new Uint8Array(0), value: new Uint8Array(0) }) },
  { type: 'PUT', kv: kv({ createRevision: 0, modRevision: 0, version: 0 }) },
  { type: 'PUT', kv: kv({ createRevision: 127, modRevision: 128, version: 16383 }) },
  { type: 'PUT', kv: kv({ modRevision: 16384, version: 2 ** 21, createRevision: 2 ** 28 }) },
  { type: 'PUT', kv: kv({ modRevision: 2 ** 31, version: 2 ** 32 + 5, createRevision: safe }) },
  { type: 'PUT', kv: kv({ lease: 1n }) },
  { type: 'PUT', kv: kv({ lease: int64Max }) },
  { type: 'PUT', kv: kv({ lease: int64Min }) },
  { type: 'PUT', kv: kv({ lease: -1n }) },
  { type: 'PUT', kv: kv({ value: Buffer.alloc(200_000, 0x61), key: Buffer.alloc(300, 0) }) },
  { type: 'PUT', kv: kv({ value: Buffer.from([0, 255, 128]) }), prevKv: kv({ version: 7 }) },
  {
    type: 'PUT',
    kv: kv({ modRevision: 9, version: 2 }),
    prevKv: kv({ lease: int64Min, value: Buffer.alloc(70_000, 1) }),
  },
  { type: 'DELETE', kv: kv({ createRevision: 0, version: 0, value: new Uint8Array(0) }) },
  {
    type: 'DELETE',
    kv: kv({ createRevision: 0, modRevision: 12, version: 0, value: new Uint8Array(0) }),
    prevKv: kv({ modRevision: 11, version: 3, lease: 42n }),
  },
];

const headers: ResponseHeader[] = [
  { clusterId: 0n, memberId: 0n, revision: 0, raftTerm: 0 },
  { clusterId: 2n ** 64n - 1n, memberId: 2n ** 63n + 5n, revision: safe, raftTerm: 2 ** 40 },
  { clusterId: 14841639068965178418n, memberId: 10276657743932975437n, revision: 5, raftTerm: 2 },
];

const watchIds = ['0', '1', '127', '128', '9223372036854775807', '-1', '-9223372036854775808'];

describe('hand-encoded watch event responses', () => {
  it('decode as protobufjs encodings of the same responses do', () => {
    let compared = 0;
    for (const header of headers) {
      for (const id of watchIds) {
        const shapes: Event[][] = [
          ...events.map((e) => [e]),
          events.slice(0, 4),
          events,
          [events[13]!, events[0]!, events[14]!],
        ];
        for (const batch of shapes) {
          const revision = batch[batch.length - 1]!.kv.modRevision;
          const ours = encodeEventsResponse(
            encodeHeader(header, revision),
            watchIdField(id),
            batch.map(eventBytes),
          );
          const expected = reference({
            header: toWireHeader(header, revision),
            watchId: id,
            events: batch.map(toWireEvent),
          });
          assert.deepEqual(decode(preEncodedOf(ours)!), expected);
          compared++;
        }
      }
    }
    assert.ok(compared > 300);
  });

  it('are written as they are by the Watch serializer; other responses go through protobufjs', () => {
    const bytes = Buffer.from([0x0a, 0x00, 0x10, 0x05]);
    assert.equal(method.responseSerialize(preEncoded(bytes) as never), bytes);
    const created = { header: toWireHeader(headers[2]!), watchId: '3', created: true };
    assert.deepEqual(decode(method.responseSerialize(created)), reference(created));
    assert.equal((decode(method.responseSerialize(created)) as { created: boolean }).created, true);
  });

  it('encode each event once and reuse its bytes for every watcher', () => {
    const event = events[0]!;
    assert.equal(eventBytes(event), eventBytes(event));
  });

  it('join later revisions into a waiting batch, in order, until it is sent', () => {
    const header = headers[2]!;
    const first = events[0]!;
    const second: Event = { type: 'PUT', kv: kv({ modRevision: 6, version: 2 }) };
    const third: Event = { type: 'DELETE', kv: kv({ modRevision: 7, version: 0 }) };
    const batch = new EventBatch(watchIdField('4'), 0, header, 5, [first]);
    assert.equal(batch.join(1, header, 6, [second]), false, 'a control response came between');
    assert.equal(batch.join(0, { ...header, revision: 6 }, 6, [second]), true);
    const bytes = preEncodedOf(batch.encode())!;
    assert.equal(batch.join(0, header, 7, [third]), false, 'already handed to the call');
    assert.deepEqual(
      decode(bytes),
      reference({
        header: toWireHeader(header, 6),
        watchId: '4',
        events: [first, second].map(toWireEvent),
      }),
    );
  });
});
