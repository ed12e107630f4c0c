// The simulator's command line. Runs seeds of the production Raft core under faults and
// prints, for each failing seed, its violations, its last events and the command that
// replays it. Ends with exactly `sim: N seeds, V violations`; exits 1 when V > 0.
//
//   npm run sim -- --seeds 300                     seeds 1..300 over 3, 5 and 7 members
//   npm run sim -- --seed 1234 --members 5         replay one seed (prints its summary)
//   npm run sim -- --seeds 50 --bugs localRead     plant a bug: the checkers must fire
//   npm run sim -- --seeds 100 --disk wal          every seed on the WAL over a SimDisk
//                                                  (default: odd seeds wal, even memory)
import { parseArgs } from 'node:util';
import { simBugs } from './bugs.js';
import type { SimBug } from './bugs.js';
import { logKinds } from './member-log.js';
import type { LogKind } from './member-log.js';
import { replayCommand, runSeed } from './run.js';
import type { RunOptions } from './run.js';

const defaultTicks = 3000;
const memberCounts = [3, 5, 7] as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      seeds: { type: 'string' },
      start: { type: 'string' },
      members: { type: 'string' },
      ticks: { type: 'string' },
      bugs: { type: 'string' },
      disk: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    },
    strict: true,
  });
  const ticks = integer(values.ticks ?? String(defaultTicks), '--ticks');
  const members = values.members === undefined ? undefined : integer(values.members, '--members');
  if (members !== undefined && !(memberCounts as readonly number[]).includes(members)) {
    throw new Error(`--members must be 3, 5 or 7, got ${members}`);
  }
  const bugs = parseBugs(values.bugs);
  const disk = parseDisk(values.disk);
  const runs: RunOptions[] = [];
  if (values.seed !== undefined) {
    const seed = integer(values.seed, '--seed');
    runs.push({ seed, members: members ?? memberCounts[seed % 3]!, ticks, bugs, disk });
  } else {
    const count = integer(values.seeds ?? '100', '--seeds');
    const start = integer(values.start ?? '1', '--start');
    for (let seed = start; seed < start + count; seed++) {
      runs.push({ seed, members: members ?? memberCounts[seed % 3]!, ticks, bugs, disk });
    }
  }
  let violations = 0;
  for (const run of runs) {
    const result = await runSeed(run);
    if (values.seed !== undefined || values.verbose === true) console.log(result.summary);
    if (result.violations.length === 0) continue;
    violations += result.violations.length;
    console.log(`FAIL seed ${run.seed} (members ${run.members}):`);
    for (const violation of result.violations) console.log(`  ${violation}`);
    console.log('  last events:');
    for (const line of result.trace) console.log(`    ${line}`);
    console.log(`  replay: ${replayCommand(run)}`);
  }
  console.log(`sim: ${runs.length} seeds, ${violations} violations`);
  return violations > 0 ? 1 : 0;
}

function integer(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${flag} must be a non-negative integer, got ${text}`);
  }
  return value;
}

function parseBugs(text: string | undefined): SimBug[] {
  if (text === undefined || text === '') return [];
  return text.split(',').map((name) => {
    const bug = simBugs.find((known) => known === name);
    if (bug === undefined) throw new Error(`unknown bug ${name}; known: ${simBugs.join(', ')}`);
    return bug;
  });
}

function parseDisk(text: string | undefined): LogKind | undefined {
  if (text === undefined) return undefined;
  const kind = logKinds.find((known) => known === text);
  if (kind === undefined) throw new Error(`--disk must be ${logKinds.join(' or ')}, got ${text}`);
  return kind;
}

process.exitCode = await main(process.argv.slice(2));
