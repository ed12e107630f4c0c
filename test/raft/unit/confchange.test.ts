import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../../src/base/errors.js';
import { applyChange, votersChanged } from '../../../src/raft/confchange.js';
import { decodeConfChange, encodeConfChange } from '../../../src/raft/confchange-codec.js';
import type { ConfChange, ConfChangeType, ConfState } from '../../../src/raft/types.js';

const cs = (voters: bigint[], learners: bigint[] = []): ConfState => ({ voters, learners });
const change = (type: ConfChangeType, nodeId: bigint): ConfChange => ({
  type,
  nodeId,
  context: new Uint8Array(),
});

describe('applyChange (one server at a time, dissertation 4.1)', () => {
  const cases: { name: string; from: ConfState; change: ConfChange; want: ConfState }[] = [
    { name: 'add a voter', from: cs([1n]), change: change('AddNode', 2n), want: cs([1n, 2n]) },
    {
      name: 'add an existing voter',
      from: cs([1n, 2n]),
      change: change('AddNode', 2n),
      want: cs([1n, 2n]),
    },
    {
      name: 'remove a voter',
      from: cs([1n, 2n]),
      change: change('RemoveNode', 2n),
      want: cs([1n]),
    },
    {
      name: 'remove a non-member',
      from: cs([1n]),
      change: change('RemoveNode', 9n),
      want: cs([1n]),
    },
    {
      name: 'add a learner',
      from: cs([1n]),
      change: change('AddLearnerNode', 2n),
      want: cs([1n], [2n]),
    },
    {
      name: 'promote a learner',
      from: cs([1n], [2n]),
      change: change('AddNode', 2n),
      want: cs([1n, 2n]),
    },
    {
      name: 'demote a voter',
      from: cs([1n, 2n]),
      change: change('AddLearnerNode', 2n),
      want: cs([1n], [2n]),
    },
    {
      name: 'remove a learner',
      from: cs([1n], [2n]),
      change: change('RemoveNode', 2n),
      want: cs([1n]),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = applyChange(c.from, c.change);
      assert.deepEqual(got, c.want);
      assert.ok(votersChanged(c.from, got) <= 1, 'at most one voter changes');
    });
  }

  it('refuses to remove the last voter', () => {
    assert.throws(
      () => applyChange(cs([1n], [2n]), change('RemoveNode', 1n)),
      (e: unknown) => isConcordError(e, 'InvalidArgument'),
    );
  });

  it('counts changed voters', () => {
    assert.equal(votersChanged(cs([1n, 2n]), cs([2n, 3n])), 2);
    assert.equal(votersChanged(cs([1n, 2n]), cs([1n, 2n], [3n])), 0);
  });
});

describe('conf change codec', () => {
  const changes: ConfChange[] = [
    change('AddNode', 1n),
    change('RemoveNode', 0xffff_ffff_ffff_ffffn),
    { type: 'AddLearnerNode', nodeId: 2n ** 53n + 1n, context: new Uint8Array([1, 2, 3]) },
  ];
  for (const c of changes) {
    it(`round-trips ${c.type} ${c.nodeId}`, () => {
      assert.deepEqual(decodeConfChange(encodeConfChange(c)), c);
    });
  }

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeConfChange(change('AddNode', 7n));
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes, 4);
    assert.deepEqual(decodeConfChange(padded.subarray(4)), change('AddNode', 7n));
  });

  it('rejects malformed data as Corrupt', () => {
    const corrupt = (e: unknown): boolean => isConcordError(e, 'Corrupt');
    assert.throws(() => decodeConfChange(new Uint8Array(3)), corrupt);
    const bad = encodeConfChange(change('AddNode', 1n));
    bad[0] = 9;
    assert.throws(() => decodeConfChange(bad), corrupt);
  });
});
