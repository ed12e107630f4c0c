/**
 * The demo: a word count over a directory of text files by a coordinator, a standby and N
 * workers, each its own process, coordinated through Concord.
 *
 *   npm run example:mapreduce -- --input DIR [--workers 4] [--buckets 4] [--files-per-task 1]
 *     [--endpoints 127.0.0.1:2379,...] [--ttl 5] [--job NAME] [--work-dir DIR]
 *
 * It prints each process's progress, then the top words, and checks them against a
 * single-process count.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '../../src/client/index.js';
import { countLocally } from './count-locally.js';
import { readOutput } from './output.js';
import { RoleProcess, type RoleEvent } from './processes.js';
import type { RoleArgs } from './role.js';
import { topWords } from './words.js';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    workers: { type: 'string', default: '4' },
    buckets: { type: 'string', default: '4' },
    'files-per-task': { type: 'string', default: '1' },
    // `npm run cluster`'s three members.
    endpoints: { type: 'string', default: '127.0.0.1:2379,127.0.0.1:2381,127.0.0.1:2383' },
    ttl: { type: 'string', default: '5' },
    job: { type: 'string' },
    'work-dir': { type: 'string' },
  },
});
if (values.input === undefined) {
  console.error('usage: npm run example:mapreduce -- --input DIR [--workers N] [--endpoints ...]');
  process.exit(2);
}

const endpoints = values.endpoints.split(',');
const job = values.job ?? `mapreduce/wordcount-${Date.now()}`;
const base: Omit<RoleArgs, 'name'> = {
  endpoints,
  job,
  ttl: Number(values.ttl),
  input: resolve(values.input),
  buckets: Number(values.buckets),
  filesPerTask: Number(values['files-per-task']),
  workDir: resolve(values['work-dir'] ?? mkdtempSync(join(tmpdir(), 'concord-mapreduce-'))),
};

function describe(event: RoleEvent): string {
  const { event: kind, ...rest } = event;
  return `${kind} ${Object.entries(rest)
    .filter(([key]) => key !== 'coordinator' && key !== 'worker' && key !== 'at')
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ')}`;
}
const print = (child: RoleProcess, event: RoleEvent): void =>
  console.log(`[${child.name.padEnd(12)}] ${describe(event)}`);

console.log(`job ${job}: input ${base.input}, work dir ${base.workDir}, endpoints ${endpoints}`);
const coordinators = ['coordinator', 'standby'].map(
  (name) => new RoleProcess('coordinator', { ...base, name }, print),
);
const workers = Array.from(
  { length: Number(values.workers) },
  (_, i) => new RoleProcess('worker', { ...base, name: `worker-${i + 1}` }, print),
);
const all = [...coordinators, ...workers];
process.once('SIGINT', () => all.forEach((child) => child.kill('SIGTERM')));

await Promise.all(workers.map((worker) => worker.exited));
// The standby never led: it is still campaigning. The one that led has exited.
await Promise.race(coordinators.map((c) => c.exited));
for (const child of all) child.kill('SIGTERM');

const client = new Client({ endpoints });
try {
  const counts = await readOutput(client, job);
  for (const child of all) {
    if (child.exit?.code !== 0 && child.exit?.signal !== 'SIGTERM') {
      console.error(`${child.name} failed (${JSON.stringify(child.exit)}):\n${child.stderr}`);
    }
  }
  if (counts === undefined) {
    console.error('the job did not finish');
    process.exitCode = 1;
  } else {
    console.log('\ntop words:');
    for (const [word, count] of topWords(counts, 20))
      console.log(`${String(count).padStart(8)}  ${word}`);
    const local = countLocally(base.input!);
    const same = local.size === counts.size && [...local].every(([w, c]) => counts.get(w) === c);
    console.log(`\n${counts.size} distinct words; equal to a single-process count: ${same}`);
    if (!same) process.exitCode = 1;
  }
} finally {
  client.close();
}
