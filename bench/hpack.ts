// node --import tsx bench/hpack.ts — HPACK codec cost per header block (src/server/h2/hpack-*):
// a gRPC unary request decoded (all indexed, as a client's encoder sends it once its table
// holds every field; with one grpc-timeout literal that changes every call; and with nothing
// indexed, every value Huffman-coded: the worst case), a response's headers + trailers
// encoded, and the table-driven Huffman decoder against the bit-at-a-time reference.
// Not a timed test; numbers go in the report. BENCH_ROUNDS overrides the block count.
import { HpackDecoder, type HeaderVisitor } from '../src/server/h2/hpack-decoder.js';
import { HpackEncoder, type HeaderField } from '../src/server/h2/hpack-encoder.js';
import { huffmanDecodeInto } from '../src/server/h2/hpack-huffman.js';
import { huffmanDecode, huffmanEncode } from '../src/server/http2/huffman.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 1_000_000);

/**
 * CPU time per call (process.cpuUsage, user + system), not wall time: on a machine shared with
 * other processes, wall time also counts the time this one waited for a core.
 */
function measure(what: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 50_000); i++) fn(i); // warm up: let the JIT compile it
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const used = process.cpuUsage(start);
  const ns = ((used.user + used.system) * 1000) / n;
  console.log(`${what.padEnd(64)} ${ns.toFixed(0).padStart(6)} ns`);
}

const request = (call: number): HeaderField[] => [
  { name: ':method', value: 'POST' },
  { name: ':scheme', value: 'http' },
  { name: ':path', value: '/etcdserverpb.KV/Put' },
  { name: ':authority', value: '127.0.0.1:2379' },
  { name: 'content-type', value: 'application/grpc' },
  { name: 'user-agent', value: 'grpc-node-js/1.10.0' },
  { name: 'te', value: 'trailers' },
  { name: 'grpc-accept-encoding', value: 'identity,deflate,gzip' },
  { name: 'grpc-timeout', value: `${4990 + (call % 7)}m` },
];

// A client-side encoder's blocks from call 2 on (our encoder standing in for the client's).
const clientEncoder = new HpackEncoder();
const steadyBlocks: Uint8Array[] = [];
for (let call = 0; call < 64; call++)
  steadyBlocks.push(Buffer.from(clientEncoder.encode(request(call))));
steadyBlocks.splice(0, 1);

// Nothing indexed: literal names, Huffman-coded values, without indexing (so it can repeat).
function literalBlock(fields: HeaderField[]): Buffer {
  const parts: Buffer[] = [];
  for (const { name, value } of fields) {
    const text = huffmanEncode(Buffer.from(value, 'latin1'));
    parts.push(
      Buffer.from([0x00, name.length]),
      Buffer.from(name),
      Buffer.from([0x80 | text.length]),
      text,
    );
  }
  return Buffer.concat(parts);
}
const firstBlock = literalBlock(request(0));

let fieldsSeen = 0;
const visitor: HeaderVisitor = {
  header(name, value) {
    fieldsSeen += name.length + value.length;
  },
};

console.log(`HPACK, ${rounds.toLocaleString('en-US')} blocks each, node ${process.version}`);
{
  // The steady blocks assume the table the client's first block left: replay from the start.
  const replay = new HpackDecoder();
  replay.decode(Buffer.from(new HpackEncoder().encode(request(0))), visitor);
  for (const block of steadyBlocks) replay.decode(block, visitor);
  // grpc-timeout cycles through 7 values, all in the table after the 7th call: from then on a
  // request is 9 indexed fields, and decoding it changes nothing, so it can repeat.
  const block = steadyBlocks[steadyBlocks.length - 1] as Uint8Array;
  measure(`decode request, steady state (9 indexed fields, ${block.length} octets)`, rounds, () =>
    replay.decode(block, visitor),
  );
}
{
  // As a client sends a deadline that moves every call: grpc-timeout differs each time, so
  // the client's encoder sends it as a literal with incremental indexing (its name from the
  // table), which adds an entry and, once the table is full, evicts one, and every other
  // field's index shifts. The blocks are made in advance and decoded once, in order.
  const count = Math.min(rounds, 200_000);
  const encoder = new HpackEncoder();
  const blocks = Array.from({ length: count + 50_000 }, (_, call) => {
    const fields = request(0);
    fields[8] = { name: 'grpc-timeout', value: `${call}u` };
    return Buffer.from(encoder.encode(fields));
  });
  const decoder = new HpackDecoder();
  let at = 0;
  const octets = (blocks[blocks.length - 1] as Buffer).length;
  measure(`decode request, 8 indexed + 1 literal (${octets} octets)`, count, () =>
    decoder.decode(blocks[at++] as Buffer, visitor),
  );
}
{
  const decoder = new HpackDecoder();
  // Literals without indexing leave the table alone, so each round decodes the same work.
  measure(
    `decode request, first call (9 Huffman literals, ${firstBlock.length} octets)`,
    rounds,
    () => decoder.decode(firstBlock, visitor),
  );
}
{
  const encoder = new HpackEncoder();
  const headers: HeaderField[] = [
    { name: ':status', value: '200' },
    { name: 'content-type', value: 'application/grpc' },
  ];
  const trailers: HeaderField[] = [
    { name: 'grpc-status', value: '0' },
    { name: 'grpc-message', value: '' },
  ];
  let octets = 0;
  measure('encode response headers + trailers (4 fields), encode', rounds, () => {
    octets += encoder.encode(headers).length;
    octets += encoder.encode(trailers).length;
  });
  const frame = new Uint8Array(1024);
  measure('encode response headers + trailers (4 fields), encodeInto', rounds, () => {
    const end = encoder.encodeInto(headers, frame, 9);
    octets += encoder.encodeInto(trailers, frame, end + 9);
  });
  console.log(
    `  (${Buffer.from(encoder.encode(headers)).toString('hex')} and ${Buffer.from(encoder.encode(trailers)).toString('hex')} once warm)`,
  );
  void octets;
}
{
  const text = huffmanEncode(Buffer.from('application/grpc+proto; charset=utf-8'));
  const output = new Uint8Array(64);
  measure(`Huffman decode ${text.length} octets: table-driven (h2/hpack-huffman)`, rounds, () =>
    huffmanDecodeInto(text, 0, text.length, output),
  );
  measure(`Huffman decode ${text.length} octets: bit at a time (http2/huffman)`, rounds / 10, () =>
    huffmanDecode(text),
  );
}
if (fieldsSeen < 0) console.log(fieldsSeen);
