/**
 * Runs every script in test/raft/testdata as its own test case: each command's output must
 * equal the golden text under it. `REWRITE=1` (or `--rewrite`) writes the actual outputs back
 * into the files instead, so a behaviour change is reviewed as a diff.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runScript } from './interaction/run.js';

const dir = join(import.meta.dirname, 'testdata');
const rewrite = process.env['REWRITE'] === '1' || process.argv.includes('--rewrite');
const scripts = readdirSync(dir)
  .filter((name) => name.endsWith('.txt'))
  .sort();

describe('raft interaction scripts', () => {
  it('finds scripts to run', () => assert.ok(scripts.length > 0, `no scripts in ${dir}`));
  for (const name of scripts) {
    it(name, () => {
      const path = join(dir, name);
      const source = readFileSync(path, 'utf8');
      const result = runScript(source);
      if (rewrite) {
        if (result.rewritten !== source) writeFileSync(path, result.rewritten);
        return;
      }
      for (const { scriptCase, actual } of result.cases) {
        assert.equal(
          actual,
          scriptCase.expected,
          `${name}:${scriptCase.line}: ${scriptCase.command}\n(rerun with REWRITE=1 to accept)`,
        );
      }
    });
  }
});
