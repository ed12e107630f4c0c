/**
 * A fuzz session against running members: timed phases, each with its oracle.
 *
 * 1. undecodable requests to every method (generators.ts `undecodable`): allowed statuses
 *    only, and the leader's revision and HashKV unchanged afterwards;
 * 2. hostile requests (may decode and write) to every method that cannot take the cluster
 *    apart (methods.ts `mutable`): allowed statuses only; the caller checks the members agree;
 * 3. the peer port: random frames, a valid hello then garbage, huge and truncated frames;
 * 4. the HTTP/1 gateway: garbage bodies, wrong JSON, huge headers.
 *
 * Throughout, every member must stay alive, and its RSS under `rssMaxBytes`. Inputs in flight
 * when a member dies are reported as suspects, with their bytes, for test/fuzz/corpus/.
 */
import { Prng } from '../../src/base/prng.js';
import { hostile, undecodable } from './generators.js';
import { badOutcome, callRaw, rawChannel } from './grpc-fuzz.js';
import { badHttp, httpInput, sendHttp } from './http-fuzz.js';
import { fuzzMethods, type FuzzMethod } from './methods.js';
import { alive, fingerprint, healthy, rssBytes } from './oracle.js';
import { peerInput, sendPeer } from './peer-fuzz.js';

export interface FuzzMember {
  readonly name: string;
  /** host:port of the client port. */
  readonly endpoint: string;
  readonly url: string;
  readonly pid: number;
  readonly peerHost: string;
  readonly peerPort: number;
}

export type Phase = 'undecodable' | 'hostile' | 'peer' | 'http';

export interface Finding {
  readonly phase: Phase;
  /** gRPC path, HTTP path, or "peer". */
  readonly target: string;
  readonly reason: string;
  /** The input, base64 (an HTTP input: its body). */
  readonly bytes: string;
  readonly seed: number;
}

export interface SessionOptions {
  readonly members: readonly FuzzMember[];
  readonly clusterId: bigint;
  readonly seed: number;
  /** Milliseconds per phase. */
  readonly phaseMs: Readonly<Record<Phase, number>>;
  readonly rssMaxBytes: number;
  /** Calls in flight at once (default 4). */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export interface SessionReport {
  readonly calls: Record<Phase, number>;
  /** gRPC status code name -> count, over both gRPC phases. */
  readonly codes: Record<string, number>;
  readonly rssPeakBytes: Record<string, number>;
  readonly findings: Finding[];
}

export async function runSession(options: SessionOptions): Promise<SessionReport> {
  const { members, seed } = options;
  const leader = members[0]!;
  const prng = new Prng(seed);
  const methods = fuzzMethods();
  const report: SessionReport = {
    calls: { undecodable: 0, hostile: 0, peer: 0, http: 0 },
    codes: {},
    rssPeakBytes: Object.fromEntries(members.map((m) => [m.name, 0])),
    findings: [],
  };
  const inFlight = new Set<Finding>();
  // The last inputs sent: a bug's crash may come a tick after its call was answered.
  const recent: Finding[] = [];
  let suspects: Finding[] = [];
  let dead: string | undefined;
  const watch = setInterval(() => {
    for (const member of members) {
      if (!alive(member.pid)) {
        if (dead === undefined) {
          dead = member.name;
          suspects = [...new Set([...recent, ...inFlight])];
        }
        continue;
      }
      const rss = rssBytes(member.pid) ?? 0;
      report.rssPeakBytes[member.name] = Math.max(report.rssPeakBytes[member.name] ?? 0, rss);
    }
  }, 200);
  const checkAlive = (phase: Phase): boolean => {
    if (dead === undefined) return true;
    for (const suspect of suspects) {
      report.findings.push({ ...suspect, reason: `member ${dead} died with this input in flight` });
    }
    report.findings.push({ phase, target: '-', reason: `member ${dead} died`, bytes: '', seed });
    return false;
  };
  const remember = (entry: Finding): void => {
    recent.push(entry);
    if (recent.length > 16) recent.shift();
  };
  const concurrency = options.concurrency ?? 4;
  const client = rawChannel(leader.endpoint);

  async function phase(name: Phase, one: (worker: Prng) => Promise<void>): Promise<void> {
    const until = Date.now() + options.phaseMs[name];
    const workers = Array.from({ length: concurrency }, () => prng.fork());
    await Promise.all(
      workers.map(async (worker) => {
        while (Date.now() < until && dead === undefined) {
          await one(worker);
          report.calls[name]++;
        }
      }),
    );
    options.log?.(
      `fuzz: ${name}: ${report.calls[name]} inputs (${Date.now() - until + options.phaseMs[name]} ms)`,
    );
  }

  async function grpcCall(name: Phase, method: FuzzMethod, bytes: Buffer): Promise<void> {
    const entry: Finding = {
      phase: name,
      target: method.path,
      reason: '',
      bytes: bytes.toString('base64'),
      seed,
    };
    inFlight.add(entry);
    remember(entry);
    const outcome = await callRaw(client, method, bytes);
    inFlight.delete(entry);
    const codeName = String(outcome.code);
    report.codes[codeName] = (report.codes[codeName] ?? 0) + 1;
    const bad = badOutcome(outcome);
    if (bad !== undefined) report.findings.push({ ...entry, reason: bad });
  }

  try {
    const before = await fingerprint(leader.endpoint);
    await phase('undecodable', async (worker) => {
      const method = worker.pick(methods);
      await grpcCall('undecodable', method, undecodable(worker, method));
    });
    if (!checkAlive('undecodable')) return report;
    const after = await fingerprint(leader.endpoint);
    if (after.revision !== before.revision || after.hash !== before.hash) {
      report.findings.push({
        phase: 'undecodable',
        target: '-',
        reason: `state changed by undecodable input: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`,
        bytes: '',
        seed,
      });
    }

    const mutable = methods.filter((m) => m.mutable);
    await phase('hostile', async (worker) => {
      const method = worker.pick(mutable);
      await grpcCall('hostile', method, hostile(worker, method, methods));
    });
    if (!checkAlive('hostile')) return report;

    const peerTarget = {
      host: leader.peerHost,
      port: leader.peerPort,
      clusterId: options.clusterId,
    };
    await phase('peer', async (worker) => {
      const bytes = peerInput(worker, peerTarget);
      const entry: Finding = {
        phase: 'peer',
        target: 'peer',
        reason: '',
        bytes: bytes.toString('base64'),
        seed,
      };
      inFlight.add(entry);
      remember(entry);
      await sendPeer(peerTarget, bytes);
      inFlight.delete(entry);
    });
    if (!checkAlive('peer')) return report;

    await phase('http', async (worker) => {
      const input = httpInput(worker);
      const entry: Finding = {
        phase: 'http',
        target: `${input.method} ${input.path}`,
        reason: '',
        bytes: input.body.subarray(0, 4096).toString('base64'),
        seed,
      };
      inFlight.add(entry);
      remember(entry);
      const answer = await sendHttp(leader.url, input);
      inFlight.delete(entry);
      const bad = badHttp(answer);
      if (bad !== undefined) report.findings.push({ ...entry, reason: bad });
    });
    if (!checkAlive('http')) return report;

    for (const member of members) {
      if (!(await healthy(member.url))) {
        report.findings.push({
          phase: 'http',
          target: member.url,
          reason: `member ${member.name} is not healthy after the session`,
          bytes: '',
          seed,
        });
      }
      const peak = report.rssPeakBytes[member.name] ?? 0;
      if (peak > options.rssMaxBytes) {
        report.findings.push({
          phase: 'hostile',
          target: member.name,
          reason: `RSS peaked at ${peak} bytes, over ${options.rssMaxBytes}`,
          bytes: '',
          seed,
        });
      }
    }
    return report;
  } finally {
    clearInterval(watch);
    client.close();
  }
}
