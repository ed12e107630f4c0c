// The lint rule that keeps src/raft and src/mvcc pure must actually fire (DESIGN.md: the
// deterministic simulator relies on it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = new URL('../..', import.meta.url).pathname;
const impure = `import { readFileSync } from 'node:fs';
export const x = Date.now() + Math.random() + readFileSync.length;
setTimeout(() => {}, 1);
export const y = process.env;
`;

async function ruleHits(filePath: string, text: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(text, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('purity lint', () => {
  for (const dir of ['src/raft', 'src/mvcc']) {
    it(`forbids node imports, Date, timers, Math.random and process in ${dir}`, async () => {
      const hits = await ruleHits(`${dir}/planted.ts`, impure);
      assert.deepEqual(hits.sort(), [
        'no-restricted-globals',
        'no-restricted-globals',
        'no-restricted-globals',
        'no-restricted-imports',
        'no-restricted-properties',
      ]);
    });
  }

  it('allows the same code in src/node, where effects belong', async () => {
    assert.deepEqual(await ruleHits('src/node/planted.ts', impure), []);
  });
});
