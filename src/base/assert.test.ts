import nodeAssert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError, assert, assertSafeInteger } from './assert.js';

describe('assert', () => {
  it('passes a true condition and throws AssertionError with the message otherwise', () => {
    assert(true, 'never shown');
    nodeAssert.throws(() => assert(false, 'term went backwards'), {
      name: 'AssertionError',
      message: 'term went backwards',
    });
    nodeAssert.throws(() => assert(0, () => 'lazy message'), AssertionError);
  });

  it('rejects indexes that are not exact non-negative integers', () => {
    assertSafeInteger(2 ** 53 - 1, 'index');
    nodeAssert.throws(() => assertSafeInteger(2 ** 53, 'index'), /index must be/);
    nodeAssert.throws(() => assertSafeInteger(-1, 'term'), /term must be/);
    nodeAssert.throws(() => assertSafeInteger(1.5, 'revision'), /revision must be/);
  });
});
