import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSnapshotData, encodeSnapshotData } from '../../src/node/snapshot-data.js';

const member = {
  id: 0x99f1bea713ae6c39n,
  name: 'm1',
  peerUrls: ['http://127.0.0.1:2380'],
  clientUrls: ['http://127.0.0.1:2379'],
  isLearner: false,
};

describe('snapshot data', () => {
  it('carries the members, the removed members and the state', () => {
    const state = new Uint8Array([1, 2, 3]);
    const data = decodeSnapshotData(
      encodeSnapshotData({ members: [member], removed: [0xfffffffffffffff0n, 7n], state }),
    );
    assert.deepEqual(data.members, [member]);
    assert.deepEqual(data.removed, [0xfffffffffffffff0n, 7n], '64-bit IDs come back whole');
    assert.deepEqual(data.state, state);
  });

  it('reads a snapshot written before removed members were recorded as having none', () => {
    const json = new TextEncoder().encode(
      JSON.stringify({ formatVersion: 2, members: [{ ...member, id: member.id.toString() }] }),
    );
    const bytes = new Uint8Array(4 + json.length);
    new DataView(bytes.buffer).setUint32(0, json.length);
    bytes.set(json, 4);
    const data = decodeSnapshotData(bytes);
    assert.deepEqual(data.removed, [], 'no removed members');
    assert.deepEqual(data.members, [member]);
    assert.equal(data.state, undefined, 'no state');
  });
});
