// RFC 7541 Appendix C, decoded and re-encoded: the examples' header lists, and the dynamic
// table's entries and size after each block (the RFC prints both).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpackDecoder } from '../../../src/server/h2/hpack-decoder.js';
import { HpackEncoder } from '../../../src/server/h2/hpack-encoder.js';
import { readInteger, writeInteger } from '../../../src/server/h2/hpack-integer.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

type Pairs = [string, string][];
const fieldsOf = (decoder: HpackDecoder, block: Uint8Array): Pairs =>
  decoder.decodeList(block).map(({ name, value }) => [name, value]);

interface Step {
  readonly block: string;
  readonly fields: Pairs;
  readonly table: Pairs;
  readonly size: number;
}

function runSteps(decoder: HpackDecoder, steps: readonly Step[]): void {
  steps.forEach((step, at) => {
    assert.deepEqual(fieldsOf(decoder, hex(step.block)), step.fields, `block ${at + 1} fields`);
    assert.deepEqual(decoder.dynamicTable.entries(), step.table, `table after block ${at + 1}`);
    assert.equal(decoder.dynamicTable.size, step.size, `table size after block ${at + 1}`);
  });
}

describe('HPACK integers (RFC 7541 C.1)', () => {
  const cases: [string, number, number, string][] = [
    ['C.1.1: 10, 5-bit prefix', 10, 5, '0a'],
    ['C.1.2: 1337, 5-bit prefix', 1337, 5, '1f9a0a'],
    ['C.1.3: 42 at an octet boundary (8-bit prefix)', 42, 8, '2a'],
  ];
  for (const [what, value, prefixBits, encoded] of cases) {
    it(what, () => {
      const out = new Uint8Array(8);
      const end = writeInteger(out, 0, value, prefixBits, 0);
      assert.equal(Buffer.from(out.subarray(0, end)).toString('hex'), encoded);
      const cursor = { at: 0 };
      assert.equal(readInteger(hex(encoded), cursor, prefixBits), value);
      assert.equal(cursor.at, end);
    });
  }

  it('C.1.2 through the decoder: a table size update of 1337 (5-bit prefix, flags 001)', () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decodeList(hex('3f9a0a')), []);
    assert.equal(decoder.dynamicTable.sizeMax, 1337);
  });

  it('round-trips values across every prefix size, up to 2^31 - 1', () => {
    const values = [0, 1, 14, 15, 16, 30, 31, 126, 127, 128, 254, 255, 256, 16383, 16384];
    values.push(2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1);
    for (let prefixBits = 1; prefixBits <= 8; prefixBits++) {
      for (const value of values) {
        const out = new Uint8Array(8);
        const end = writeInteger(out, 0, value, prefixBits, 0);
        const cursor = { at: 0 };
        assert.equal(readInteger(out.subarray(0, end), cursor, prefixBits), value);
        assert.equal(cursor.at, end, `${value} with ${prefixBits} bits`);
      }
    }
  });

  it('refuses integers past 2^31 - 1, with too many continuation octets, or truncated', () => {
    assert.equal(readInteger(hex('1f e1 ff ff ff 07'), { at: 0 }, 5), -1, '2^31 + 0');
    assert.equal(readInteger(hex('1f 80 80 80 80 80 00'), { at: 0 }, 5), -1, 'zero padding');
    assert.equal(readInteger(hex('1f 9a'), { at: 0 }, 5), -1, 'truncated');
    assert.equal(readInteger(hex(''), { at: 0 }, 5), -1, 'empty');
  });
});

describe('HPACK header field representations (RFC 7541 C.2)', () => {
  it('C.2.1 literal with indexing', () => {
    runSteps(new HpackDecoder(), [
      {
        block: '400a637573746f6d2d6b65790d637573746f6d2d686561646572',
        fields: [['custom-key', 'custom-header']],
        table: [['custom-key', 'custom-header']],
        size: 55,
      },
    ]);
  });

  it('C.2.2 literal without indexing', () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decodeList(hex('040c2f73616d706c652f70617468')), [
      { name: ':path', value: '/sample/path', neverIndexed: false },
    ]);
    assert.equal(decoder.dynamicTable.length, 0);
  });

  it('C.2.3 literal never indexed keeps its flag', () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decodeList(hex('100870617373776f726406736563726574')), [
      { name: 'password', value: 'secret', neverIndexed: true },
    ]);
    assert.equal(decoder.dynamicTable.length, 0);
  });

  it('C.2.4 indexed', () => {
    const decoder = new HpackDecoder();
    assert.deepEqual(fieldsOf(decoder, hex('82')), [[':method', 'GET']]);
    assert.equal(decoder.dynamicTable.length, 0);
  });
});

const request1: Pairs = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const request2: Pairs = [...request1, ['cache-control', 'no-cache']];
const request3: Pairs = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const requestTables: [Pairs, number][] = [
  [[[':authority', 'www.example.com']], 57],
  [
    [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    110,
  ],
  [
    [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    164,
  ],
];

function requestSteps(blocks: string[]): Step[] {
  return [request1, request2, request3].map((fields, at) => ({
    block: blocks[at] as string,
    fields,
    table: (requestTables[at] as [Pairs, number])[0],
    size: (requestTables[at] as [Pairs, number])[1],
  }));
}

describe('HPACK requests (RFC 7541 C.3, C.4)', () => {
  const plain = [
    '828684410f7777772e6578616d706c652e636f6d',
    '828684be58086e6f2d6361636865',
    '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
  ];
  const huffman = [
    '828684418cf1e3c2e5f23a6ba0ab90f4ff',
    '828684be5886a8eb10649cbf',
    '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf',
  ];

  it('C.3 without Huffman: fields and table after each request', () => {
    runSteps(new HpackDecoder(), requestSteps(plain));
  });

  it('C.4 with Huffman: fields and table after each request', () => {
    runSteps(new HpackDecoder(), requestSteps(huffman));
  });

  it('C.4 from plain Uint8Array views at an offset into a larger buffer, not Buffers', () => {
    const decoder = new HpackDecoder();
    huffman.forEach((block, at) => {
      const octets = hex(block);
      const backing = new ArrayBuffer(octets.length + 7);
      const view = new Uint8Array(backing, 3, octets.length);
      view.set(octets);
      new Uint8Array(backing).fill(0xff, 0, 3);
      const fields = [request1, request2, request3][at] as Pairs;
      assert.deepEqual(fieldsOf(decoder, view), fields, `request ${at + 1}`);
    });
  });

  it('our encoder produces C.3 octet for octet (same strategy: index, else index the literal)', () => {
    const encoder = new HpackEncoder();
    [request1, request2, request3].forEach((fields, at) => {
      const block = encoder.encode(fields.map(([name, value]) => ({ name, value })));
      assert.equal(Buffer.from(block).toString('hex'), plain[at], `request ${at + 1}`);
      const [table, size] = requestTables[at] as [Pairs, number];
      assert.deepEqual(encoder.dynamicTable.entries(), table);
      assert.equal(encoder.dynamicTable.size, size);
    });
  });
});

const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const location = 'https://www.example.com';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const responseFields: Pairs[] = [
  [
    [':status', '302'],
    ['cache-control', 'private'],
    ['date', date1],
    ['location', location],
  ],
  [
    [':status', '307'],
    ['cache-control', 'private'],
    ['date', date1],
    ['location', location],
  ],
  [
    [':status', '200'],
    ['cache-control', 'private'],
    ['date', date2],
    ['location', location],
    ['content-encoding', 'gzip'],
    ['set-cookie', cookie],
  ],
];
const responseTables: [Pairs, number][] = [
  [
    [
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
      [':status', '302'],
    ],
    222,
  ],
  [
    [
      [':status', '307'],
      ['location', location],
      ['date', date1],
      ['cache-control', 'private'],
    ],
    222,
  ],
  [
    [
      ['set-cookie', cookie],
      ['content-encoding', 'gzip'],
      ['date', date2],
    ],
    215,
  ],
];

function responseSteps(blocks: string[]): Step[] {
  return responseFields.map((fields, at) => ({
    block: blocks[at] as string,
    fields,
    table: (responseTables[at] as [Pairs, number])[0],
    size: (responseTables[at] as [Pairs, number])[1],
  }));
}

describe('HPACK responses with eviction, table size 256 (RFC 7541 C.5, C.6)', () => {
  it('C.5 without Huffman', () => {
    runSteps(
      new HpackDecoder({ initialTableSize: 256 }),
      responseSteps([
        '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
        '4803333037c1c0bf',
        '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
      ]),
    );
  });

  it('C.6 with Huffman', () => {
    runSteps(
      new HpackDecoder({ initialTableSize: 256 }),
      responseSteps([
        '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3',
        '4883640effc1c0bf',
        '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
      ]),
    );
  });

  it('our encoder, told the peer allows 256, announces it and evicts like C.5', () => {
    const encoder = new HpackEncoder();
    encoder.setPeerTableSize(256);
    const decoder = new HpackDecoder();
    decoder.setTableSizeLimit(256);
    responseFields.forEach((fields, at) => {
      const block = encoder.encode(fields.map(([name, value]) => ({ name, value })));
      if (at === 0) assert.equal(Buffer.from(block.subarray(0, 3)).toString('hex'), '3fe101');
      assert.deepEqual(fieldsOf(decoder, block), fields, `response ${at + 1}`);
      // The encoder finds ":status: 200" in the static table rather than indexing it, so its
      // table after the third response holds the same three entries the RFC's does.
      const [table, size] = responseTables[at] as [Pairs, number];
      assert.deepEqual(encoder.dynamicTable.entries(), table, `encoder table ${at + 1}`);
      assert.deepEqual(decoder.dynamicTable.entries(), table, `decoder table ${at + 1}`);
      assert.equal(decoder.dynamicTable.size, size);
    });
  });
});
