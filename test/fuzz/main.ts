/**
 * `npm run fuzz -- --time 600 --seed 7`: a long fuzz session on demand against a real
 * 3-member cluster. The time is split over the phases as in CI (gRPC most of it). Findings
 * are printed and saved under test/fuzz/corpus/found/ as suspects (a crash names every input
 * in flight); the one that reproduces, once fixed, moves up to test/fuzz/corpus/ with its
 * expected answer, where corpus.test.ts replays it. Exit code 1 if there were any.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fuzzCluster } from './harness.js';

const { values } = parseArgs({
  options: {
    time: { type: 'string', default: '60' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const seconds = Number(values.time);
const seed = Number(values.seed);
if (!(seconds > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--time SECONDS] [--seed N]');
  process.exit(2);
}
const ms = seconds * 1000;
console.log(`fuzz: seed ${seed}, ${seconds} s`);
const { report, converged, convergeError } = await fuzzCluster({
  seed,
  phaseMs: { undecodable: ms * 0.3, hostile: ms * 0.4, peer: ms * 0.15, http: ms * 0.15 },
  log: (line) => console.log(line),
});
console.log(
  JSON.stringify(
    { calls: report.calls, codes: report.codes, rssPeakBytes: report.rssPeakBytes },
    null,
    2,
  ),
);
report.findings.forEach((finding, i) => {
  console.log(`FINDING ${i}: ${finding.phase} ${finding.target}: ${finding.reason}`);
  mkdirSync(new URL('corpus/found/', import.meta.url), { recursive: true });
  const file = new URL(`corpus/found/${seed}-${i}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(finding, null, 2)}\n`);
});
if (!converged) console.log(`members did not converge: ${convergeError}`);
process.exit(report.findings.length === 0 && converged ? 0 : 1);
