// Our encoder through our decoder: gRPC-shaped responses and seeded random header lists, with
// the peer's table size changing between blocks; after every block both tables must agree.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../../../src/base/assert.js';
import { HpackDecoder, type DecodedField } from '../../../src/server/h2/hpack-decoder.js';
import {
  HpackEncoder,
  type HeaderField,
  type Indexing,
} from '../../../src/server/h2/hpack-encoder.js';
import { seededBelow } from './seeded-random.js';

function expected(fields: readonly HeaderField[]): DecodedField[] {
  return fields.map(({ name, value, indexing }) => ({
    name,
    value,
    neverIndexed: indexing === 'never',
  }));
}

describe('HPACK encoder -> decoder', () => {
  it('a gRPC response costs 1 octet per field from the second call on', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const headers: HeaderField[] = [
      { name: ':status', value: '200' },
      { name: 'content-type', value: 'application/grpc' },
      { name: 'grpc-accept-encoding', value: 'identity,deflate,gzip' },
    ];
    const trailers: HeaderField[] = [
      { name: 'grpc-status', value: '0' },
      { name: 'grpc-message', value: 'OK', indexing: 'without' },
    ];
    const sizes: number[] = [];
    for (let call = 0; call < 3; call++) {
      for (const fields of [headers, trailers]) {
        const block = encoder.encode(fields);
        sizes.push(block.length);
        assert.deepEqual(decoder.decodeList(block), expected(fields));
      }
    }
    // :status 200 is static index 8 from the start; grpc-message stays a literal with a new
    // name: 0x00, 12 + "grpc-message", 2 + "OK" = 17 octets.
    assert.deepEqual(sizes.slice(2), [3, 1 + 17, 3, 1 + 17]);
    // Table, newest first: grpc-status (62), grpc-accept-encoding (63), content-type (64).
    assert.equal(Buffer.from(encoder.encode(headers)).toString('hex'), '88c0bf');
    assert.deepEqual(decoder.dynamicTable.entries(), encoder.dynamicTable.entries());
  });

  it('encodeInto writes the same block into a caller buffer, or nothing without room', () => {
    const fields: HeaderField[] = [
      { name: ':status', value: '200' },
      { name: 'content-type', value: 'application/grpc' },
      { name: 'x-a', value: 'b'.repeat(300) },
    ];
    const twin = new HpackEncoder();
    const encoder = new HpackEncoder();
    const frame = new Uint8Array(9 + encoder.encodedLengthMax(fields));
    for (let round = 0; round < 2; round++) {
      const expectedBlock = Buffer.from(twin.encode(fields));
      const end = encoder.encodeInto(fields, frame, 9);
      assert.deepEqual(Buffer.from(frame.subarray(9, end)), expectedBlock, `round ${round}`);
    }
    const before = encoder.dynamicTable.entries();
    assert.throws(
      () => encoder.encodeInto([{ name: 'x-b', value: 'c' }], new Uint8Array(20), 0),
      AssertionError,
    );
    assert.deepEqual(encoder.dynamicTable.entries(), before, 'the table did not change');
  });

  it('a block refused for a non-latin1 field changes no table state', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decodeList(encoder.encode([{ name: 'x-first', value: '1' }]));
    encoder.setPeerTableSize(256); // a size update owed to the next block
    const bad: HeaderField[] = [
      { name: 'x-new', value: 'v' },
      { name: 'grpc-message', value: 'caf\u00e9 \u20ac' }, // U+20AC: not latin1
    ];
    assert.throws(() => encoder.encode(bad), AssertionError);
    // The refused block never reached the peer: the next one must decode against its table.
    const fields: HeaderField[] = [
      { name: 'x-new', value: 'v' },
      { name: 'x-first', value: '1' },
    ];
    assert.deepEqual(decoder.decodeList(encoder.encode(fields)), expected(fields));
    assert.deepEqual(encoder.dynamicTable.entries(), decoder.dynamicTable.entries(), 'tables');
    assert.equal(decoder.dynamicTable.sizeMax, 256, 'the owed size update was sent');
  });

  it('a new value of a name only in our table refers to the name there', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    decoder.decodeList(encoder.encode([{ name: 'x-call', value: '1' }]));
    const block = encoder.encode([
      { name: 'x-call', value: '2' }, // name at 62: 0x40 | 62, then "2"
      { name: 'x-call', value: '3', indexing: 'without' }, // newest x-call at 62: 0x0f, 62 - 15
    ]);
    assert.equal(Buffer.from(block).toString('hex'), '7e0132' + '0f2f' + '0133');
    assert.deepEqual(
      decoder.decodeList(block),
      expected([
        { name: 'x-call', value: '2' },
        { name: 'x-call', value: '3', indexing: 'without' },
      ]),
    );
  });

  it('never-indexed and without-indexing fields stay out of both tables', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const fields: HeaderField[] = [
      { name: 'authorization', value: 'secret', indexing: 'never' },
      { name: 'grpc-message', value: 'varies', indexing: 'without' },
      { name: ':status', value: '200', indexing: 'never' },
    ];
    const block = encoder.encode(fields);
    assert.deepEqual(decoder.decodeList(block), expected(fields));
    assert.equal(encoder.dynamicTable.length, 0);
    assert.equal(decoder.dynamicTable.length, 0);
    // ":status: 200" marked never is a never-indexed literal with the static name 8 (0x18,
    // then "200"), not the indexed 0x88.
    assert.equal(Buffer.from(block.subarray(-5)).toString('hex'), '1803323030');
  });

  it('a table size of 0 from the peer: announced, and nothing is indexed', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    encoder.encode([{ name: 'x-a', value: '1' }]);
    decoder.decodeList(encoder.encode([{ name: 'x-b', value: '2' }]));
    encoder.setPeerTableSize(0);
    decoder.setTableSizeLimit(0);
    const block = encoder.encode([{ name: 'x-c', value: '3' }]);
    assert.equal(block[0], 0x20, 'opens with a size update to 0');
    assert.deepEqual(decoder.decodeList(block), expected([{ name: 'x-c', value: '3' }]));
    assert.equal(encoder.dynamicTable.length, 0);
    assert.equal(decoder.dynamicTable.length, 0);
  });

  it('a size that shrinks and grows between blocks signals the smallest, then the final', () => {
    const encoder = new HpackEncoder();
    encoder.encode([{ name: 'x-a', value: '1' }]);
    encoder.setPeerTableSize(64);
    encoder.setPeerTableSize(1024);
    const block = encoder.encode([]);
    // 64 = 31 + 33: 3f 21; 1024 = 31 + 993: 3f e1 07.
    assert.equal(Buffer.from(block).toString('hex'), '3f213fe107');
    assert.equal(encoder.dynamicTable.sizeMax, 1024);
    assert.equal(encoder.encode([]).length, 0, 'owed once only');
  });

  it('an encoder capped below 4096 announces its size in its first block', () => {
    const encoder = new HpackEncoder({ tableSizeMax: 1024 });
    const decoder = new HpackDecoder();
    const block = encoder.encode([{ name: 'x-a', value: '1' }]);
    assert.equal(Buffer.from(block.subarray(0, 3)).toString('hex'), '3fe107');
    decoder.decodeList(block);
    assert.equal(decoder.dynamicTable.sizeMax, 1024);
  });

  it('seeded random header lists and table size changes: same lists, same tables', () => {
    const next = seededBelow(0x2545f491);
    const names = [':status', 'content-type', 'grpc-status', 'x-a', 'x-trace-bin', 'date'];
    const indexings: (Indexing | undefined)[] = [undefined, undefined, 'without', 'never'];
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder({ headerListSizeMax: 1 << 20 });
    for (let block = 0; block < 2_000; block++) {
      if (next(50) === 0) {
        const size = [0, 64, 256, 4096, 8192][next(5)] as number;
        encoder.setPeerTableSize(size);
        decoder.setTableSizeLimit(Math.min(size, 4096));
      }
      const fields: HeaderField[] = Array.from({ length: next(8) }, () => {
        const length = next(4) === 0 ? next(300) : next(6);
        const value = Array.from({ length }, () => String.fromCharCode(next(256))).join('');
        const name = names[next(names.length)] as string;
        return { name, value: next(3) === 0 ? '200' : value, indexing: indexings[next(4)] };
      });
      assert.deepEqual(decoder.decodeList(encoder.encode(fields)), expected(fields), `#${block}`);
      assert.deepEqual(decoder.dynamicTable.entries(), encoder.dynamicTable.entries());
      assert.equal(decoder.dynamicTable.size, encoder.dynamicTable.size);
    }
  });
});
