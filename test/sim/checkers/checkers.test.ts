import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStorage } from '../../../src/raft/storage.js';
import type { Entry } from '../../../src/raft/types.js';
import { Violations } from '../violations.js';
import { ElectionSafety } from './election-safety.js';
import { LeaderCompleteness } from './leader-completeness.js';
import { Linearizability } from './linearizability.js';
import { LogMatching } from './log-matching.js';
import { StateMachineSafety } from './state-machine-safety.js';

const encoder = new TextEncoder();

function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'Normal', data: encoder.encode(data) };
}

/** A persisted log holding entries of the given terms at indexes 1, 2, ... */
function log(...terms: number[]): MemoryStorage {
  const storage = new MemoryStorage();
  storage.append(terms.map((term, i) => entry(i + 1, term, `x${i + 1}`)));
  return storage;
}

describe('ElectionSafety', () => {
  it('accepts one leader per term, re-reported or not', () => {
    const violations = new Violations(() => 0);
    const checker = new ElectionSafety(violations);
    checker.leaderElected(1n, 1);
    checker.leaderElected(1n, 1);
    checker.leaderElected(2n, 2);
    assert.deepEqual(violations.messages, []);
    assert.equal(checker.elections, 2);
  });

  it('reports two leaders in one term', () => {
    const violations = new Violations(() => 5);
    const checker = new ElectionSafety(violations);
    checker.leaderElected(1n, 3);
    checker.leaderElected(2n, 3);
    assert.match(violations.messages[0]!, /two leaders in term 3: 1 and 2/);
  });
});

describe('LogMatching', () => {
  it('accepts logs that share a prefix and diverge only after it', () => {
    const violations = new Violations(() => 0);
    const checker = new LogMatching(violations);
    const a = log(1, 1, 2);
    const b = log(1, 1, 3);
    checker.persisted(1n, a, a.entries(1, 4, Infinity));
    checker.persisted(2n, b, b.entries(1, 4, Infinity));
    checker.checkPair({ id: 1n, log: a }, { id: 2n, log: b });
    assert.deepEqual(violations.messages, []);
  });

  it('reports an entry persisted with the same index and term but another previous term', () => {
    const violations = new Violations(() => 0);
    const checker = new LogMatching(violations);
    const a = log(1, 1, 2);
    const b = log(1, 2, 2);
    checker.persisted(1n, a, a.entries(1, 4, Infinity));
    checker.persisted(2n, b, b.entries(1, 4, Infinity));
    assert.match(violations.messages[0]!, /persisted entry 3:2/);
  });

  it('reports two logs that agree at an index but differ before it, compared directly', () => {
    const violations = new Violations(() => 0);
    const checker = new LogMatching(violations);
    checker.checkPair({ id: 1n, log: log(1, 1, 2) }, { id: 2n, log: log(1, 2, 2) });
    assert.match(violations.messages[0]!, /agree on index 3 but differ at 2/);
  });
});

describe('LeaderCompleteness', () => {
  it('accepts a leader whose log holds every earlier committed entry', () => {
    const violations = new Violations(() => 0);
    const checker = new LeaderCompleteness(violations);
    checker.committedEntry(1, 1, []);
    checker.committedEntry(2, 1, []);
    checker.leaderElected({ id: 2n, term: 2, log: log(1, 1, 2) });
    assert.deepEqual(violations.messages, []);
  });

  it('reports a leader that lacks a committed entry (the Figure 8 outcome)', () => {
    const violations = new Violations(() => 0);
    const checker = new LeaderCompleteness(violations);
    checker.committedEntry(2, 2, []);
    checker.leaderElected({ id: 5n, term: 4, log: log(1, 3) });
    assert.match(violations.messages[0]!, /leader 5 of term 4 lacks committed entry 2 \(term 2\)/);
  });

  it('accepts a stale leader that lacks an entry a newer leader committed', () => {
    // npm run sim -- --seed 258 --members 3 --ticks 3000 --disk memory: leader 1 of term 9,
    // partitioned, never had entry 87 of term 8, which leader 3 of term 10 committed.
    const violations = new Violations(() => 0);
    const checker = new LeaderCompleteness(violations);
    checker.leaderElected({ id: 1n, term: 9, log: log(1, 9) });
    checker.leaderElected({ id: 3n, term: 10, log: log(1, 8, 10) });
    checker.committedEntry(2, 8, [
      { id: 1n, term: 9, log: log(1, 9) },
      { id: 3n, term: 10, log: log(1, 8, 10) },
    ]);
    assert.deepEqual(violations.messages, []);
  });

  it('checks current leaders when an entry of an earlier term commits', () => {
    const violations = new Violations(() => 0);
    const checker = new LeaderCompleteness(violations);
    checker.committedEntry(3, 1, [{ id: 1n, term: 2, log: log(1, 1) }]);
    assert.match(violations.messages[0]!, /lacks committed entry 3/);
  });
});

describe('StateMachineSafety', () => {
  it('accepts members applying prefixes of one sequence', () => {
    const violations = new Violations(() => 0);
    const checker = new StateMachineSafety(violations);
    checker.applied(1n, 1, 1, 'a');
    checker.applied(1n, 2, 1, 'b');
    checker.applied(2n, 1, 1, 'a');
    checker.writeApplied(1n, 0, 'w1');
    checker.writeApplied(2n, 0, 'w1');
    checker.restored(3n, 2, ['w1']);
    checker.applied(3n, 3, 2, 'c');
    assert.deepEqual(violations.messages, []);
  });

  it('reports different entries applied at one index', () => {
    const violations = new Violations(() => 0);
    const checker = new StateMachineSafety(violations);
    checker.applied(1n, 1, 1, 'a');
    checker.applied(2n, 1, 2, 'b');
    assert.match(violations.messages[0]!, /applied 2:b at index 1, another member applied 1:a/);
  });

  it('reports a gap in a member applied indexes, and a diverging write sequence', () => {
    const violations = new Violations(() => 0);
    const checker = new StateMachineSafety(violations);
    checker.applied(1n, 2, 1, 'a');
    checker.writeApplied(1n, 0, 'w1');
    checker.restored(2n, 5, ['w2']);
    assert.equal(violations.messages.length, 2);
    assert.match(violations.messages[0]!, /applied index 2 after 0/);
    assert.match(violations.messages[1]!, /write w2 at position 0, another member applied w1/);
  });
});

describe('Linearizability', () => {
  it('accepts a read that sees every acknowledged write and a concurrent one', () => {
    const violations = new Violations(() => 0);
    const checker = new Linearizability(violations);
    checker.writeInvoked('w1', 1);
    checker.writeAcked('w1', 0);
    checker.writeInvoked('w2', 2);
    checker.readInvoked('r1', 3);
    checker.readCompleted('r1', 4, ['w1', 'w2']); // w2 concurrent: may or may not be seen
    checker.readInvoked('r2', 5);
    checker.readCompleted('r2', 6, ['w1', 'w2']);
    assert.deepEqual(violations.messages, []);
    assert.equal(checker.readsCompleted, 2);
  });

  it('reports a stale read that misses a write acknowledged before it was invoked', () => {
    const violations = new Violations(() => 0);
    const checker = new Linearizability(violations);
    checker.writeInvoked('w1', 1);
    checker.writeAcked('w1', 0);
    checker.readInvoked('r1', 2);
    checker.readCompleted('r1', 3, []);
    assert.match(violations.messages[0]!, /stale read/);
  });

  it('reports a read that goes back in time after an earlier read', () => {
    const violations = new Violations(() => 0);
    const checker = new Linearizability(violations);
    checker.writeInvoked('w1', 1);
    checker.readInvoked('r1', 2);
    checker.readCompleted('r1', 3, ['w1']);
    checker.readInvoked('r2', 4);
    checker.readCompleted('r2', 5, []);
    assert.match(violations.messages[0]!, /read r2 .* saw 0 writes, but 1/);
  });

  it('reports a read that sees a write not invoked yet, and ignores abandoned reads', () => {
    const violations = new Violations(() => 0);
    const checker = new Linearizability(violations);
    checker.readInvoked('r1', 1);
    checker.readCompleted('r1', 2, ['w9']);
    assert.match(violations.messages[0]!, /saw write w9, which was not invoked yet/);
    checker.readInvoked('r2', 3);
    checker.readAbandoned('r2');
    checker.readCompleted('r2', 4, ['w8']);
    assert.equal(violations.messages.length, 1);
  });
});
