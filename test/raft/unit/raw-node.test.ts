import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../../src/base/prng.js';
import { MemoryStorage, RawNode } from '../../../src/raft/index.js';

function singleVoter(): RawNode {
  const storage = new MemoryStorage({ voters: [1n], learners: [] });
  return new RawNode({ id: 1n, storage, prng: new Prng(1) });
}

describe('RawNode', () => {
  it('refuses a read index with an empty context (it could never be matched to its acks)', () => {
    assert.throws(() => singleVoter().readIndex(new Uint8Array()), {
      name: 'ConcordError',
      message: /context must not be empty/,
    });
  });

  it('refuses an inflight byte window smaller than one message', () => {
    const storage = new MemoryStorage({ voters: [1n], learners: [] });
    assert.throws(
      () =>
        new RawNode({
          id: 1n,
          storage,
          prng: new Prng(1),
          messageBytesMax: 1024,
          inflightBytesMax: 512,
        }),
      /inflightBytesMax \(512\) must be at least messageBytesMax \(1024\)/,
    );
  });

  it('calls ready() twice without advance() a bug', () => {
    const node = singleVoter();
    node.campaign();
    node.ready();
    assert.throws(() => node.ready(), /ready\(\) called again before advance\(\)/);
  });
});
