#!/usr/bin/env node
// Runs every test file with node's test runner (through tsx) and fails when none ran.
// Node 20's `--test` finds no .ts files by itself and exits 0 with zero tests, so the files
// are listed here explicitly, and the TAP summary is checked for a non-zero count.
// Usage: node scripts/run-tests.mjs [path-substring ...]
// Files run CONCORD_TEST_CONCURRENCY at a time (default 2): most of a file's time is spent
// waiting on member processes (start-up, elections, lease expiry), not on the CPU, so two
// files share a 2-core machine well; set 1 to run them one by one.
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

// The longest files (each over 40 s on a 2-core host, 2 at a time) start first, longest
// first, so that no one of them is left running alone at the end while the other slot idles.
const slowFirst = [
  'test/chaos/failpoint-sweep.test.ts',
  'test/integration/restart.test.ts',
  'test/sim/seeds.test.ts',
  'test/chaos/client-guarantees.test.ts',
  'test/chaos/membership-failpoints.test.ts',
  'test/cli/commands.test.ts',
  'test/chaos/process-faults.test.ts',
  'test/fuzz/fuzz.test.ts',
  'test/cli/snapshot.test.ts',
];
const rank = (file) => {
  const i = slowFirst.indexOf(file);
  return i === -1 ? slowFirst.length : i;
};

const filters = process.argv.slice(2);
const files = roots
  .flatMap((dir) => find(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()
  .sort((a, b) => rank(a) - rank(b));
const missing = slowFirst.filter((file) => !files.includes(file));
if (filters.length === 0 && missing.length > 0) {
  console.error(`run-tests: slowFirst names files that do not exist: ${missing.join(', ')}`);
  process.exit(2);
}
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

const concurrency = Number(process.env.CONCORD_TEST_CONCURRENCY ?? 2);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`run-tests: CONCORD_TEST_CONCURRENCY must be a whole number >= 1`);
  process.exit(2);
}

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${concurrency}`,
    ...files,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
// The summary lines ("ℹ tests N", ...) may be followed by a long list of failures, so each
// is remembered as it streams by rather than looked for at the end.
const summary = { tests: 0, pass: 0, fail: 0 };
let partial = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const lines = (partial + chunk.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    const match = /^ℹ (tests|pass|fail) (\d+)/.exec(line);
    if (match) summary[match[1]] = Number(match[2]);
  }
});
child.on('close', (code) => {
  const { tests, pass: passed, fail: failed } = summary;
  console.log(`${passed} passed, ${failed} failed`);
  if (tests === 0) {
    console.error('run-tests: zero tests ran; that is a failure, not a pass');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
