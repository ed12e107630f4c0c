/**
 * The bounded fuzz session CI runs (~40 s of input, ~60 s in all; `npm run fuzz -- --time 600 --seed X` for
 * a long one): a real 3-member cluster, its leader sent undecodable and hostile requests on
 * every gRPC method, random peer frames and garbage gateway requests (session.ts). Passes if
 * no member died, RSS stayed under harness.ts's bound, every answer was one Concord may give,
 * undecodable input changed nothing, and the members agree on revision and HashKV after.
 * Locally the seed is the day, so each day explores new inputs and a failure names its seed;
 * under CI it is fixed, so a red CI always means a change, never a new day (long, exploring
 * sessions are `npm run fuzz`'s job). CONCORD_FUZZ_SEED pins it anywhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzCluster } from './harness.js';

const ciSeed = 20_261_121;
const daySeed = Math.floor(Date.now() / 86_400_000);
const seed = Number(process.env['CONCORD_FUZZ_SEED'] ?? (process.env['CI'] ? ciSeed : daySeed));

describe('fuzz: a bounded session against a real cluster', () => {
  it(`finds nothing (seed ${seed}; replay: npm run fuzz -- --time 40 --seed ${seed})`, async () => {
    const { report, converged, convergeError } = await fuzzCluster({
      seed,
      phaseMs: { undecodable: 12_000, hostile: 16_000, peer: 5_000, http: 5_000 },
    });
    const summary = JSON.stringify({ calls: report.calls, rssPeakBytes: report.rssPeakBytes });
    assert.deepEqual(
      report.findings.map((f) => `${f.phase} ${f.target}: ${f.reason} [${f.bytes.slice(0, 200)}]`),
      [],
      summary,
    );
    assert.ok(converged, `members disagree after the session: ${convergeError}`);
    // Every phase really ran (a session that sends nothing finds nothing).
    for (const [phase, calls] of Object.entries(report.calls)) {
      assert.ok(calls > 20, `phase ${phase} sent only ${calls} inputs: ${summary}`);
    }
  });
});
