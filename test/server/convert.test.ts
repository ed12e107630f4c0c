import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fromWireCompaction,
  fromWirePut,
  fromWireRange,
} from '../../src/server/convert/kv-requests.js';
import { toWireHeader } from '../../src/server/convert/header.js';
import { toWireEvent, toWireKeyValue } from '../../src/server/convert/key-value.js';
import { fromWireCompare, fromWireTxn } from '../../src/server/convert/txn.js';
import { fromWireWatchCreate, isEmptyWatchRange } from '../../src/server/convert/watch.js';
import type { CompareIn, PutRequestIn, RangeRequestIn } from '../../src/server/wire/kv.js';
import type { WatchCreateRequestIn } from '../../src/server/wire/watch.js';

const b = (value: string): Buffer => Buffer.from(value);
const u = (value: string): Uint8Array => new Uint8Array(Buffer.from(value));

const range = (overrides: Partial<RangeRequestIn>): RangeRequestIn => ({
  key: b('k'),
  rangeEnd: Buffer.alloc(0),
  limit: '0',
  revision: '0',
  sortOrder: 'NONE',
  sortTarget: 'KEY',
  serializable: false,
  keysOnly: false,
  countOnly: false,
  minModRevision: '0',
  maxModRevision: '0',
  minCreateRevision: '0',
  maxCreateRevision: '0',
  ...overrides,
});

const compare = (overrides: Partial<CompareIn>): CompareIn => ({
  result: 'EQUAL',
  target: 'VERSION',
  key: b('k'),
  rangeEnd: Buffer.alloc(0),
  ...overrides,
});

describe('wire -> store conversions', () => {
  it('range: defaults stay absent, options carry over, negatives mean "none"', () => {
    const table: [Partial<RangeRequestIn>, object][] = [
      [{}, { key: u('k') }],
      [{ rangeEnd: b('\0') }, { key: u('k'), rangeEnd: u('\0') }],
      [{ limit: '-3', revision: '-1' }, { key: u('k') }],
      [
        { limit: '9223372036854775807', revision: '12', sortOrder: 'DESCEND', sortTarget: 'MOD' },
        {
          key: u('k'),
          limit: Number.MAX_SAFE_INTEGER,
          revision: 12,
          sortOrder: 'DESCEND',
          sortTarget: 'MOD',
        },
      ],
      [
        { serializable: true, keysOnly: true, countOnly: true },
        { key: u('k'), serializable: true, keysOnly: true, countOnly: true },
      ],
      [
        {
          minModRevision: '2',
          maxModRevision: '-1',
          minCreateRevision: '3',
          maxCreateRevision: '4',
        },
        {
          key: u('k'),
          minModRevision: 2,
          maxModRevision: -1,
          minCreateRevision: 3,
          maxCreateRevision: 4,
        },
      ],
    ];
    for (const [wire, expected] of table) {
      assert.deepEqual(fromWireRange(range(wire)), expected, JSON.stringify(wire));
    }
  });

  it('range: an enum value our .proto does not know is refused', () => {
    assert.throws(() => fromWireRange(range({ sortTarget: 9 })), { code: 'InvalidArgument' });
  });

  it('put: leases are exact bigints at both int64 extremes', () => {
    const put = (lease: string): PutRequestIn => ({
      key: b('k'),
      value: b('v'),
      lease,
      prevKv: false,
      ignoreValue: false,
      ignoreLease: false,
    });
    assert.deepEqual(fromWirePut(put('0')), { key: u('k'), value: u('v') });
    assert.equal(fromWirePut(put('9223372036854775807')).lease, 2n ** 63n - 1n);
    assert.equal(fromWirePut(put('-9223372036854775808')).lease, -(2n ** 63n));
  });

  it('put: keys and values are copies, not views into the received message', () => {
    const message = Buffer.from('xxkeyvalue');
    const request = fromWirePut({
      key: message.subarray(2, 5),
      value: message.subarray(5),
      lease: '0',
      prevKv: false,
      ignoreValue: false,
      ignoreLease: false,
    });
    assert.equal(request.key.buffer.byteLength, 3);
    message.fill(0);
    assert.deepEqual(request.value, u('value'));
  });

  it('compaction keeps the sign (<= compacted is etcd\'s "compacted")', () => {
    assert.deepEqual(fromWireCompaction({ revision: '-4', physical: true }), {
      revision: -4,
      physical: true,
    });
  });

  it("compare: the operand follows the target; a mismatched oneof compares against zero (etcd's compareKV)", () => {
    const table: [Partial<CompareIn>, object][] = [
      [{ target: 'MOD', targetUnion: 'modRevision', modRevision: '5' }, { modRevision: 5 }],
      [{ target: 'MOD', targetUnion: 'version', version: '5' }, { modRevision: 0 }],
      [{ target: 'CREATE' }, { createRevision: 0 }],
      [{ target: 'VERSION', targetUnion: 'version', version: '3' }, { version: 3 }],
      [
        { target: 'LEASE', targetUnion: 'lease', lease: '-9223372036854775808' },
        { lease: -(2n ** 63n) },
      ],
      [{ target: 'VALUE', targetUnion: 'value', value: b('v') }, { value: u('v') }],
      [{ target: 'VALUE' }, { value: new Uint8Array() }],
    ];
    for (const [wire, operand] of table) {
      const converted = fromWireCompare(compare(wire));
      assert.deepEqual(converted, {
        result: 'EQUAL',
        target: wire.target,
        key: u('k'),
        ...operand,
      });
    }
    assert.deepEqual(
      fromWireCompare(compare({ rangeEnd: b('z'), result: 'LESS' })).rangeEnd,
      u('z'),
    );
    assert.throws(() => fromWireCompare(compare({ result: 8 })), { code: 'InvalidArgument' });
  });

  it('txn: ops and nested txns convert recursively', () => {
    const txn = fromWireTxn({
      compare: [],
      success: [
        {
          request: 'requestDeleteRange',
          requestDeleteRange: { key: b('a'), rangeEnd: b('b'), prevKv: true },
        },
        {
          request: 'requestTxn',
          requestTxn: {
            compare: [],
            success: [{ request: 'requestRange', requestRange: range({}) }],
            failure: [],
          },
        },
      ],
      failure: [],
    });
    assert.deepEqual(txn.success, [
      { requestDeleteRange: { key: u('a'), rangeEnd: u('b'), prevKv: true } },
      { requestTxn: { compare: [], success: [{ requestRange: { key: u('k') } }], failure: [] } },
    ]);
  });

  it('watch create: empty key is "\\0", filters map, unknown filters are ignored', () => {
    const create = (overrides: Partial<WatchCreateRequestIn>): WatchCreateRequestIn => ({
      key: Buffer.alloc(0),
      rangeEnd: Buffer.alloc(0),
      startRevision: '0',
      progressNotify: false,
      filters: [],
      prevKv: false,
      watchId: '0',
      fragment: false,
      ...overrides,
    });
    assert.deepEqual(fromWireWatchCreate(create({ filters: ['NODELETE', 7], prevKv: true })), {
      key: u('\0'),
      startRevision: 0,
      prevKv: true,
      noPut: false,
      noDelete: true,
    });
    const fromKey = fromWireWatchCreate(create({ key: b('m'), rangeEnd: b('\0') }));
    assert.equal(isEmptyWatchRange(fromKey), false);
    assert.equal(
      isEmptyWatchRange(fromWireWatchCreate(create({ key: b('m'), rangeEnd: b('m') }))),
      true,
    );
    assert.equal(
      isEmptyWatchRange(fromWireWatchCreate(create({ key: b('m'), rangeEnd: b('a') }))),
      true,
    );
    assert.equal(
      isEmptyWatchRange(fromWireWatchCreate(create({ key: b('m'), rangeEnd: b('n') }))),
      false,
    );
  });
});

describe('store -> wire conversions', () => {
  it('header: uint64 IDs at the top of their range, revision and term exact', () => {
    const header = toWireHeader({
      clusterId: 2n ** 64n - 1n,
      memberId: 0n,
      revision: Number.MAX_SAFE_INTEGER,
      raftTerm: 3,
    });
    assert.deepEqual(header, {
      clusterId: '18446744073709551615',
      memberId: '0',
      revision: '9007199254740991',
      raftTerm: '3',
    });
    assert.equal(
      toWireHeader({ clusterId: 1n, memberId: 1n, revision: 5, raftTerm: 1 }, 3).revision,
      '3',
    );
  });

  it('key-values and events, with and without prev_kv', () => {
    const kv = {
      key: u('k'),
      createRevision: 2,
      modRevision: 9,
      version: 4,
      value: u('v'),
      lease: 2n ** 63n - 1n,
    };
    const wire = toWireKeyValue(kv);
    assert.deepEqual(wire, {
      key: u('k'),
      createRevision: '2',
      modRevision: '9',
      version: '4',
      value: u('v'),
      lease: '9223372036854775807',
    });
    assert.deepEqual(toWireEvent({ type: 'PUT', kv }), { type: 'PUT', kv: wire });
    assert.deepEqual(toWireEvent({ type: 'DELETE', kv, prevKv: kv }), {
      type: 'DELETE',
      kv: wire,
      prevKv: wire,
    });
  });
});
