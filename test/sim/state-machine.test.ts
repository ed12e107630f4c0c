import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateMachine, decodeWrite, encodeWrite } from './state-machine.js';

describe('StateMachine', () => {
  it('applies a retried write once, answering the retry with the first position', () => {
    const machine = new StateMachine();
    assert.deepEqual(machine.apply('c1.1'), { position: 0, duplicate: false });
    assert.deepEqual(machine.apply('c2.1'), { position: 1, duplicate: false });
    assert.deepEqual(machine.apply('c1.1'), { position: 0, duplicate: true });
    assert.deepEqual(machine.writes, ['c1.1', 'c2.1']);
  });

  it('restores from its snapshot, and from the empty bootstrap snapshot', () => {
    const machine = new StateMachine();
    machine.apply('c1.1');
    machine.apply('c1.2');
    const restored = StateMachine.restore(machine.snapshot());
    assert.deepEqual(restored.writes, machine.writes);
    assert.ok(restored.has('c1.2'));
    assert.deepEqual(StateMachine.restore(new Uint8Array()).writes, []);
  });

  it('tells a no-op entry from a write', () => {
    assert.equal(decodeWrite(new Uint8Array()), undefined);
    assert.equal(decodeWrite(encodeWrite('c3.7')), 'c3.7');
  });
});
