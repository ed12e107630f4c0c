import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyTooLarge, JsonValueSplitter } from './body.js';

function split(
  chunks: readonly string[],
  valueBytesMax = 1024,
): { values: string[]; rest: string } {
  const values: string[] = [];
  const splitter = new JsonValueSplitter(valueBytesMax, (text) => values.push(text));
  for (const chunk of chunks) splitter.push(chunk);
  return { values, rest: splitter.rest() };
}

describe('JsonValueSplitter', () => {
  it('splits objects separated by newlines, spaces or nothing', () => {
    assert.deepEqual(split(['{"a":1}\n{"b":2} {"c":3}{"d":4}\n']).values, [
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
      '{"d":4}',
    ]);
  });

  it('joins an object cut across chunks, braces inside strings included', () => {
    const { values, rest } = split(['{"k":"a}', '{b\\"}"', ',"n":{"x":[1,', '2]}}', '\n{"tail"']);
    assert.deepEqual(values, ['{"k":"a}{b\\"}","n":{"x":[1,2]}}']);
    assert.equal(rest, '{"tail"');
  });

  it('hands on a non-object whole, for the decoder to refuse', () => {
    assert.deepEqual(split(['  42 ']).values, ['42 ']);
  });

  it('refuses a value that grows past the bound', () => {
    assert.throws(() => split(['{"v":"', 'x'.repeat(100)], 64), BodyTooLarge);
  });
});
