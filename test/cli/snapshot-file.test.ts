// The snapshot file (etcd's format: backend snapshot, zero padding to 512, sha256), built here
// exactly as the Snapshot RPC frames it, and what `status` reports about it: the round trip,
// the padding's edge (a CRC whose last bytes are zero), and each way a file can be damaged.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { snapshotBackend } from '../../src/mvcc/backend-snapshot.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { StateMachine } from '../../src/mvcc/state-machine.js';
import { SnapshotFramer } from '../../src/server/services/snapshot-framing.js';
import { CommandError } from '../../src/cli/command-error.js';
import { parseSnapshotFile } from '../../src/cli/snapshot-file.js';
import { formatStatus, humanBytes, snapshotStatus } from '../../src/cli/snapshot-status.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A state machine with `count` puts applied, and its backend snapshot. */
function state(count: number, salt = ''): { machine: StateMachine; bytes: Uint8Array } {
  const machine = new StateMachine(new MemoryBackend());
  for (let i = 1; i <= count; i++) {
    machine.apply(i, 1, {
      type: 'put',
      request: { key: enc(`k${i}`), value: enc(`v${i}${salt}`) },
    });
  }
  return { machine, bytes: snapshotBackend(machine.backend) };
}

/** What `etcdctl snapshot save` (or `concord snapshot save`) writes for these bytes. */
function fileOf(bytes: Uint8Array): Uint8Array {
  const framer = new SnapshotFramer(bytes.length);
  return Buffer.concat([...framer.push(bytes), ...framer.finish()].map((m) => m.blob));
}

function refusal(bytes: Uint8Array): string {
  try {
    parseSnapshotFile(bytes, 'f.db');
  } catch (error) {
    assert.ok(error instanceof CommandError, String(error));
    return error.message;
  }
  assert.fail('expected the file to be refused');
}

describe('snapshot file', () => {
  it('gives back the backend snapshot, and status reports its hash, revision, keys and size', () => {
    const { machine, bytes } = state(20);
    const file = fileOf(bytes);
    assert.equal(file.length % 512, 32);
    const parsed = parseSnapshotFile(file, 'f.db');
    assert.ok(Buffer.from(parsed.backendBytes).equals(bytes));
    const status = snapshotStatus(parsed);
    assert.deepEqual(status, {
      hash: machine.hash().hash,
      revision: 21, // revision 1 is the empty store's; each put adds one
      totalKey: 20 + 2, // 20 key revisions, the consistent index and its term
      totalSize: file.length,
    });
    const hex = status.hash.toString(16).padStart(8, '0');
    assert.equal(formatStatus(status, 'simple'), `${hex}, 21, 22, ${humanBytes(file.length)}\n`);
    assert.deepEqual(JSON.parse(formatStatus(status, 'json')), status);
    assert.match(
      formatStatus(status, 'table'),
      /\| +HASH \| REVISION \| TOTAL KEYS \| TOTAL SIZE \|/,
    );
  });

  it('finds the end of a snapshot whose CRC32C ends in zero bytes (inside the zero padding)', () => {
    let salt = 0;
    let bytes = state(3, '0').bytes;
    while (bytes[bytes.length - 1] !== 0) bytes = state(3, String(++salt)).bytes;
    assert.ok(Buffer.from(parseSnapshotFile(fileOf(bytes), 'f.db').backendBytes).equals(bytes));
  });

  it('refuses a flipped byte (sha256), the same with the sha256 fixed (format), and a wrong size', () => {
    const file = fileOf(state(20).bytes);
    const flipped = file.slice();
    flipped[100] ^= 0x01;
    assert.match(refusal(flipped), /f\.db is damaged: its sha256 is [0-9a-f]{64}, the file says/);

    const body = flipped.subarray(0, flipped.length - 32);
    const rehashed = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    assert.match(refusal(rehashed), /holds no Concord backend snapshot.*checksum mismatch/);

    assert.match(refusal(file.subarray(0, file.length - 1)), /is not a snapshot file: its size/);
    const zeros = new Uint8Array(512);
    const empty = Buffer.concat([zeros, createHash('sha256').update(zeros).digest()]);
    assert.match(refusal(empty), /holds no Concord backend snapshot/);
  });
});
