#!/usr/bin/env node
// Runs every test file with node's test runner (through tsx) and fails when none ran.
// Node 20's `--test` finds no .ts files by itself and exits 0 with zero tests, so the files
// are listed here explicitly, and the TAP summary is checked for a non-zero count.
// Usage: node scripts/run-tests.mjs [path-substring ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['src', 'test'];

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'testdata' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((dir) => find(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const tests = Number(/ℹ tests (\d+)/.exec(tail)?.[1] ?? 0);
  const passed = Number(/ℹ pass (\d+)/.exec(tail)?.[1] ?? 0);
  const failed = Number(/ℹ fail (\d+)/.exec(tail)?.[1] ?? 0);
  console.log(`${passed} passed, ${failed} failed`);
  if (tests === 0) {
    console.error('run-tests: zero tests ran; that is a failure, not a pass');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
