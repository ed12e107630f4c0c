// Malformed header blocks: each is an HpackError (COMPRESSION_ERROR, a connection error) with a
// message naming the fault, never another kind of throw and never a hang; plus a seeded fuzz
// over mutated valid blocks holding the decoder to the same rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError, ErrorCode } from '../../../src/server/h2/errors.js';
import { HpackDecoder } from '../../../src/server/h2/hpack-decoder.js';
import { HeaderListSizeError, HpackError } from '../../../src/server/h2/hpack-error.js';
import { xorshift32 } from './seeded-random.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function assertCompressionError(decoder: HpackDecoder, block: string, message: RegExp): void {
  assert.throws(
    () => decoder.decodeList(hex(block)),
    (error: unknown) => {
      assert.ok(error instanceof HpackError, `not an HpackError: ${String(error)}`);
      assert.ok(error instanceof ConnectionError, `a ConnectionError, not ${String(error)}`);
      assert.equal(error.code, ErrorCode.COMPRESSION_ERROR);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('HPACK malformed blocks are COMPRESSION_ERROR', () => {
  const cases: [string, string, RegExp][] = [
    ['indexed field with index 0 (6.1)', '80', /index 0/],
    ['index just past the static table, dynamic table empty', 'be', /index 62 past the table/],
    ['literal name index past the table', '7f 00 01 61', /index 63 past the table/],
    ['integer over 2^31 - 1', 'ff ff ff ff ff ff 0f', /bad index integer/],
    ['integer with too many continuation octets', 'ff 80 80 80 80 80 80 01', /bad index/],
    ['integer cut off by the block end', 'ff 80', /bad index integer/],
    ['name string running past the block', '40 0a 63 75', /name of 10 octets runs past/],
    ['value missing after a literal name', '40 01 61', /ends before the value/],
    ['value string running past the block', '04 05 2f 61', /value of 5 octets runs past/],
    ['string length integer overflowing', '04 7f ff ff ff ff 0f', /bad value length/],
    ['Huffman string holding EOS', '04 84 ff ff ff ff', /invalid Huffman code/],
    ['Huffman padding of zeros', '04 81 18', /invalid Huffman code/],
    ['Huffman padding longer than 7 bits', '04 82 1f ff', /invalid Huffman code/],
    ['table size update above the limit (4097 > 4096)', '3f e2 1f', /above the limit 4096/],
    ['table size update after a field', '82 20', /size update after a header field/],
  ];
  for (const [what, block, message] of cases) {
    it(what, () => assertCompressionError(new HpackDecoder(), block, message));
  }

  it('an index past a non-empty dynamic table', () => {
    const decoder = new HpackDecoder();
    decoder.decodeList(hex('400161 0162')); // adds a: b at 62
    assert.deepEqual(decoder.decodeList(hex('be')), [
      { name: 'a', value: 'b', neverIndexed: false },
    ]);
    assertCompressionError(decoder, 'bf', /index 63 past the table \(61 static \+ 1 dynamic\)/);
  });

  it('a lowered table size limit requires the next block to open with a size update', () => {
    const decoder = new HpackDecoder();
    decoder.decodeList(hex('400161 0162'));
    decoder.setTableSizeLimit(100);
    // 100 = 31 + 69: an update within the limit, then a field: accepted.
    assert.deepEqual(decoder.decodeList(hex('3f45 82')).length, 1);
    assert.equal(decoder.dynamicTable.sizeMax, 100);
    decoder.setTableSizeLimit(50);
    assertCompressionError(decoder, '82', /does not open with the required table size update/);
  });

  it('an empty block still owes a required size update', () => {
    const decoder = new HpackDecoder();
    decoder.setTableSizeLimit(0);
    assertCompressionError(decoder, '', /required table size update/);
  });

  it('after one error, every later block is refused (the tables may have diverged)', () => {
    const decoder = new HpackDecoder();
    assertCompressionError(decoder, '80', /index 0/);
    assertCompressionError(decoder, '82', /index 0/);
  });

  it('a header list over the limit: HeaderListSizeError after the whole block, table in step', () => {
    // Each field is 1 + 1 + 32 = 34 octets; 3 fields are 102 > 100.
    const decoder = new HpackDecoder({ headerListSizeMax: 100 });
    const seen: string[] = [];
    assert.throws(
      () =>
        decoder.decode(hex('400161 0131 400162 0132 400163 0133'), {
          header: (name) => seen.push(name),
        }),
      (error: unknown) => {
        assert.ok(
          error instanceof HeaderListSizeError,
          `a HeaderListSizeError, not ${String(error)}`,
        );
        assert.ok(error instanceof HpackError, 'a HeaderListSizeError is an HpackError');
        assert.equal(error.code, ErrorCode.COMPRESSION_ERROR);
        assert.equal(error.headerListSize, 102);
        assert.match(error.message, /header list size 102 exceeds the limit of 100/);
        return true;
      },
    );
    assert.deepEqual(seen, ['a', 'b'], 'fields past the limit are not handed on');
    // All three were still added, so the next block can refer to them.
    assert.deepEqual(decoder.dynamicTable.entries(), [
      ['c', '3'],
      ['b', '2'],
      ['a', '1'],
    ]);
    assert.deepEqual(decoder.decodeList(hex('bf')), [
      { name: 'b', value: '2', neverIndexed: false },
    ]);
  });
});

/** A seeded PRNG in [0, 1), so a failing case replays by its seed. */
function random(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 2 ** 32;
}

describe('HPACK decoder fuzz: mutated blocks', () => {
  const seed = Number(process.env.HPACK_FUZZ_SEED ?? 20261121);
  const valid = [
    '828684410f7777772e6578616d706c652e636f6d',
    '828684418cf1e3c2e5f23a6ba0ab90f4ff',
    '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf',
    '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
    '3f9a0a 100870617373776f726406736563726574',
  ].map(hex);

  it(`decodes or throws HpackError, never anything else (seed ${seed})`, () => {
    const next = random(seed);
    let errors = 0;
    for (let round = 0; round < 20_000; round++) {
      const base = valid[Math.floor(next() * valid.length)] as Buffer;
      const block = Buffer.from(base);
      const mutations = 1 + Math.floor(next() * 4);
      for (let m = 0; m < mutations; m++) {
        block[Math.floor(next() * block.length)] = Math.floor(next() * 256);
      }
      const cut = next() < 0.3 ? Math.floor(next() * block.length) : block.length;
      // Two blocks per decoder, so mutated ones also meet a non-empty dynamic table.
      const decoder = new HpackDecoder({ headerListSizeMax: 1024 });
      try {
        decoder.decodeList(valid[0] as Buffer);
        decoder.decodeList(block.subarray(0, cut));
      } catch (error) {
        if (!(error instanceof HpackError)) {
          assert.fail(`seed ${seed} round ${round}: ${String(error)} on ${block.toString('hex')}`);
        }
        errors += 1;
      }
    }
    // The mutations must actually reach the error paths for the test to mean anything.
    assert.ok(errors > 2_000, `only ${errors} of 20000 mutated blocks were refused`);
  });
});
