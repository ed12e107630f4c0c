// The child side of runSeedsInChild (seeds-in-child.ts): runs the seeds given as JSON in
// argv[2] and prints one JSON line per seed, with what the parent asserts on.
import { replayCommand, runSeed } from './run.js';
import type { RunOptions } from './run.js';
import type { SeedOutcome } from './seeds-in-child.js';

const runs = JSON.parse(process.argv[2] ?? '[]') as RunOptions[];
for (const run of runs) {
  const result = await runSeed(run);
  const outcome: SeedOutcome = {
    seed: run.seed,
    members: run.members,
    violations: result.violations,
    commitIndex: result.stats.commitIndex,
    replay: replayCommand(run),
  };
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}
