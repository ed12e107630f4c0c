/**
 * The fuzzer's own premises, in-process: every "undecodable" request really fails to decode
 * with the server's own deserializer (so the session may demand that it changed nothing),
 * every seed decodes, and a seed replays the same inputs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { etcdServices } from '../../src/server/proto.js';
import { hostile, nestedTxn, undecodable } from './generators.js';
import { fuzzMethods, type FuzzMethod } from './methods.js';
import { bytesField } from './wire.js';

function deserializer(method: FuzzMethod): (bytes: Buffer) => unknown {
  const service = etcdServices()[method.service] as unknown as Record<
    string,
    { requestDeserialize: (bytes: Buffer) => unknown }
  >;
  return service[method.name]!.requestDeserialize;
}

describe('fuzz generators', () => {
  it('lists every method of the eight services, each with a seed that decodes', () => {
    const methods = fuzzMethods();
    assert.equal(new Set(methods.map((m) => m.service)).size, 8);
    assert.equal(methods.length, 49);
    for (const method of methods) {
      for (const seed of method.seeds)
        assert.doesNotThrow(() => deserializer(method)(seed), method.path);
    }
  });

  it('undecodable requests never decode', () => {
    const prng = new Prng(99);
    for (let i = 0; i < 3000; i++) {
      const method = prng.pick(fuzzMethods());
      const bytes = undecodable(prng, method);
      assert.throws(
        () => deserializer(method)(bytes),
        `${method.path}: ${bytes.subarray(0, 64).toString('hex')}`,
      );
    }
  });

  it('a seed replays the same inputs', () => {
    const run = (seed: number): string[] => {
      const prng = new Prng(seed);
      return Array.from({ length: 200 }, () => {
        const method = prng.pick(fuzzMethods());
        return hostile(prng, method, fuzzMethods()).toString('base64');
      });
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });

  it('nests a Txn as the encoder would', () => {
    const core = Buffer.from('core');
    let expected: Buffer = core;
    for (let i = 0; i < 50; i++) expected = bytesField(2, bytesField(4, expected));
    assert.deepEqual(nestedTxn(50, core), expected);
  });
});
