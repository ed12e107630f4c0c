/**
 * Decoded terms, indexes and revisions stay small integers (V8 Smis), not heap numbers.
 *
 * V8 keeps one field layout per object shape. If one decoder hands out `high * 2^32 + low`
 * as a double, the first entry it builds turns the shape's term and index fields into boxed
 * doubles, and from then on every Raft entry and message on the member, even the leader's own
 * proposals, carries two or more extra heap objects that each scavenge copies
 * (src/base/u64.ts). Only V8's natives syntax can tell a Smi from a heap number, so the
 * checks run in a child process started with --allow-natives-syntax.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const src = (path: string) =>
  JSON.stringify(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)));

const script = `
import { decodeMessages, encodeMessages } from ${src('transport/message-codec.ts')};
import { decodeRecord, encodeRecords } from ${src('storage/wal-record.ts')};
import { frameHeaderBytes } from ${src('storage/record.ts')};
import { bytesToRevision, revisionToBytes } from ${src('mvcc/revision.ts')};
const isSmi = new Function('x', 'return %IsSmi(x)');
const data = new Uint8Array([1, 2, 3]);
const out = {};
const [m] = decodeMessages(encodeMessages([{
  type: 'MsgApp', to: 2n, from: 1n, term: 3, logTerm: 2, index: 5, commit: 4, reject: false,
  rejectHint: 0, entries: [{ term: 3, index: 6, type: 'Normal', data }],
}]));
out['message term, index, commit'] = [m.term, m.index, m.commit].every(isSmi);
out['message entry term, index'] = isSmi(m.entries[0].term) && isSmi(m.entries[0].index);
const frame = encodeRecords([{ type: 'entry', entry: { term: 7, index: 9, type: 'Normal', data } }]);
const record = decodeRecord(frame.subarray(frameHeaderBytes));
out['WAL entry term, index'] = isSmi(record.entry.term) && isSmi(record.entry.index);
const { revision } = bytesToRevision(revisionToBytes({ main: 12, sub: 3 }));
out['revision main, sub'] = isSmi(revision.main) && isSmi(revision.sub);
// The shape all of them share with an entry built in place, as the leader's propose does.
const built = { term: 8, index: 10, type: 'Normal', data };
out['an entry built after the decodes'] = isSmi(built.term) && isSmi(built.index);
console.log(JSON.stringify(out));
`;

describe('decoded integers', () => {
  it('are small integers, and leave the shapes they land in with small-integer fields', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--allow-natives-syntax',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    const got = JSON.parse(stdout) as Record<string, boolean>;
    assert.deepEqual(got, Object.fromEntries(Object.keys(got).map((k) => [k, true])));
    assert.equal(Object.keys(got).length, 5);
  });
});
