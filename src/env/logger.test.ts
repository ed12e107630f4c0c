import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, LogThrottle, logFunction, type LogFields, type Logger } from './logger.js';

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [0.85, '850µs'],
    [1, '1ms'],
    [120.5, '120.5ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [65_000, '65s'],
  ];
  for (const [ms, text] of cases) {
    it(`prints ${ms} ms as Go prints a Duration: ${text}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }
});

describe('LogThrottle', () => {
  it('lets one line a period through and reports how many it held back', () => {
    const throttle = new LogThrottle(1000);
    assert.equal(throttle.admit(0), 0);
    assert.equal(throttle.admit(10), undefined);
    assert.equal(throttle.admit(999), undefined);
    assert.equal(throttle.admit(1000), 2);
    assert.equal(throttle.admit(1500), undefined);
    assert.equal(throttle.admit(5000), 1);
  });
});

describe('logFunction', () => {
  it('writes the lines of a plain log function at the level asked', () => {
    const lines: [string, string, LogFields | undefined][] = [];
    const at =
      (level: string) =>
      (msg: string, fields?: LogFields): void =>
        void lines.push([level, msg, fields]);
    const logger: Logger = {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    };
    logFunction(logger, 'warn')('wal: torn tail repaired', { offset: 8 });
    assert.deepEqual(lines, [['warn', 'wal: torn tail repaired', { offset: 8 }]]);
  });
});
