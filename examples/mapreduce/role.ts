/**
 * One process of the job: `node --import tsx examples/mapreduce/role.ts coordinator|worker
 * '<json options>'`. It prints its progress as JSON lines (job.ts report) and exits 0 when
 * the job is done.
 */
import { Client } from '../../src/client/index.js';
import { runCoordinator } from './coordinator.js';
import { runWorker } from './worker.js';

export interface RoleArgs {
  readonly endpoints: readonly string[];
  readonly job: string;
  readonly name: string;
  readonly ttl: number;
  readonly input?: string;
  readonly buckets?: number;
  readonly workDir?: string;
  readonly filesPerTask?: number;
  readonly stallAfterClaim?: boolean;
  readonly holdAfterClaim?: boolean;
}

const [role, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as RoleArgs;
const client = new Client({ endpoints: [...args.endpoints] });
try {
  if (role === 'coordinator') {
    await runCoordinator({
      client,
      job: args.job,
      name: args.name,
      ttl: args.ttl,
      input: args.input ?? '.',
      buckets: args.buckets ?? 4,
      workDir: args.workDir ?? '.',
      filesPerTask: args.filesPerTask ?? 1,
    });
  } else if (role === 'worker') {
    await runWorker({
      client,
      job: args.job,
      name: args.name,
      ttl: args.ttl,
      stallAfterClaim: args.stallAfterClaim === true,
      holdAfterClaim: args.holdAfterClaim === true,
    });
  } else {
    throw new Error(`unknown role ${String(role)} (coordinator or worker)`);
  }
} finally {
  client.close();
}
