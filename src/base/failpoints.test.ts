import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { armFailpoints, failpoint, failpointLog, parseFailpoints } from './failpoints.js';

describe('failpoints', () => {
  afterEach(() => {
    armFailpoints(undefined);
    failpointLog.length = 0;
  });

  it('parses gofail terms: counts, percentages, arguments, chains', () => {
    const armed = parseFailpoints(
      'raftAfterSave=20*off->panic, beforeApply=50%sleep(10),afterApply',
    );
    assert.deepEqual(armed.get('raftAfterSave'), [
      { count: 20, percent: 100, action: { kind: 'off' } },
      { count: undefined, percent: 100, action: { kind: 'panic' } },
    ]);
    assert.deepEqual(armed.get('beforeApply'), [
      { count: undefined, percent: 50, action: { kind: 'sleep', ms: 10 } },
    ]);
    assert.deepEqual(armed.get('afterApply'), [
      { count: undefined, percent: 100, action: { kind: 'panic' } },
    ]);
  });

  it('refuses unknown names and unparsable terms, naming them', () => {
    assert.throws(
      () => parseFailpoints('raftAfterSavv=panic'),
      /unknown failpoint 'raftAfterSavv'/,
    );
    assert.throws(() => parseFailpoints('beforeApply=explode'), /cannot parse term 'explode'/);
    assert.throws(() => parseFailpoints('beforeApply=sleep'), /cannot parse term 'sleep'/);
  });

  it('does nothing when unarmed, and runs each term for its count', () => {
    failpoint('beforeApply');
    assert.deepEqual(failpointLog, []);
    armFailpoints('beforeApply=2*off->1*print->off');
    for (let i = 0; i < 6; i++) failpoint('beforeApply');
    failpoint('afterApply');
    assert.deepEqual(failpointLog, [{ name: 'beforeApply', action: 'print' }]);
  });

  it('panic kills the process with SIGKILL at the failpoint, after saying so', () => {
    const module = fileURLToPath(new URL('./failpoints.ts', import.meta.url));
    const script = `import(${JSON.stringify(module)}).then((m) => { m.failpoint('afterApply'); m.failpoint('raftAfterSave'); console.log('survived'); });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, CONCORD_FAILPOINTS: 'raftAfterSave=panic' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    assert.equal(child.stdout, '');
    assert.match(child.stderr, /failpoint raftAfterSave: panic/);
  });
});
