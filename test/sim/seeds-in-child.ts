import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunOptions } from './run.js';

/** What a test asserts on for one seed run in a child process. */
export interface SeedOutcome {
  readonly seed: number;
  readonly members: number;
  readonly violations: readonly string[];
  readonly commitIndex: number;
  readonly replay: string;
}

const batch = fileURLToPath(new URL('./seed-batch.ts', import.meta.url));

/**
 * Runs `runs` (plain data: no `inspect`) in a child process and returns their outcomes in
 * order. A test file's own process is the wrong place for thousands of seeds: node:test
 * enables an async hook there (to tie each async resource to its test), which every promise
 * the simulated members create goes through; 170 seeds of 3 members took 115 s inside `it`
 * and 25 s outside it.
 */
export function runSeedsInChild(runs: readonly RunOptions[]): Promise<SeedOutcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', batch, JSON.stringify(runs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const outcomes = out
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as SeedOutcome);
      if (code === 0 && outcomes.length === runs.length) resolve(outcomes);
      else
        reject(
          new Error(
            `seed batch exited ${code ?? signal} after ${outcomes.length} of ${runs.length} seeds\n${err}`,
          ),
        );
    });
  });
}
