import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConcordError } from '../../../src/base/errors.js';
import { Prng } from '../../../src/base/prng.js';
import { limits } from '../../../src/base/limits.js';
import { validateConfig, type RaftConfig } from '../../../src/raft/config.js';
import { MemoryStorage } from '../../../src/raft/storage.js';

const base: RaftConfig = { id: 1n, storage: new MemoryStorage(), prng: new Prng(1) };

describe('validateConfig', () => {
  it('fills etcd-like defaults', () => {
    const valid = validateConfig(base);
    assert.equal(valid.electionTicks, 10);
    assert.equal(valid.heartbeatTicks, 1);
    assert.equal(valid.messageBytesMax, limits.raftMessageBytesMax);
    assert.equal(valid.inflightMessagesMax, limits.raftInflightMessagesMax);
    assert.equal(valid.preVote, true);
    assert.equal(valid.checkQuorum, true);
  });

  const invalid: { change: Partial<RaftConfig>; message: RegExp }[] = [
    { change: { id: 0n }, message: /id must not be 0/ },
    { change: { heartbeatTicks: 0 }, message: /heartbeatTicks must be a positive integer, got 0/ },
    { change: { heartbeatTicks: 1.5 }, message: /heartbeatTicks must be a positive integer/ },
    {
      change: { electionTicks: 3, heartbeatTicks: 3 },
      message: /electionTicks \(3\) must be an integer greater than heartbeatTicks \(3\)/,
    },
    { change: { electionTicks: 2, heartbeatTicks: 5 }, message: /electionTicks \(2\)/ },
    { change: { inflightMessagesMax: 0 }, message: /inflightMessagesMax must be positive/ },
    { change: { messageBytesMax: 0 }, message: /messageBytesMax must be positive/ },
    { change: { uncommittedBytesMax: -1 }, message: /uncommittedBytesMax must be positive/ },
    { change: { applied: -1 }, message: /applied must not be negative/ },
  ];
  for (const c of invalid) {
    it(`rejects ${JSON.stringify(c.change, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`, () => {
      assert.throws(
        () => validateConfig({ ...base, ...c.change }),
        (e: unknown) =>
          isConcordError(e, 'InvalidArgument') &&
          /^raft config: /.test(e.message) &&
          c.message.test(e.message),
      );
    });
  }

  it('accepts the smallest valid timing', () => {
    assert.equal(validateConfig({ ...base, electionTicks: 2, heartbeatTicks: 1 }).electionTicks, 2);
  });
});
