/**
 * The MapReduce example (examples/mapreduce) against a real 3-member cluster, with its
 * processes killed mid-job: a worker SIGKILLed while it holds a claim (its lease expires, the
 * task is run again by another worker) and the coordinator SIGKILLed while the map phase is
 * still open (the standby wins the election and finishes the job from the state in Concord).
 * The output must equal a single-process count exactly, and every task's result must have
 * been committed exactly once.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { countLocally } from '../../examples/mapreduce/count-locally.js';
import { keys, type Claim, type Completion } from '../../examples/mapreduce/job.js';
import { readOutput } from '../../examples/mapreduce/output.js';
import { RoleProcess } from '../../examples/mapreduce/processes.js';
import type { RoleArgs } from '../../examples/mapreduce/role.js';
import { Cluster } from '../helpers/cluster-process.js';
import { eventually } from '../helpers/wait.js';

const vocabulary = (
  'the of and to a in is it you that he was for on are with as his they be at one have ' +
  'this from or had by word but what some we can out other were all there when up use ' +
  'raft lease quorum élan naïve café 2379 etcd concord'
).split(' ');

/** A few dozen small text files with a skewed, deterministic word mix. */
function generateInput(dir: string, files: number): void {
  mkdirSync(dir, { recursive: true });
  let seed = 7;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let l = 0; l < 20; l++) {
      const line: string[] = [];
      for (let w = 0; w < 12; w++) {
        const word = vocabulary[Math.floor(next() ** 2 * vocabulary.length)]!;
        line.push(next() < 0.1 ? word.toUpperCase() : word);
      }
      lines.push(`${line.join(next() < 0.5 ? ' ' : ', ')}.`);
    }
    writeFileSync(join(dir, `part-${String(f).padStart(3, '0')}.txt`), lines.join('\n'));
  }
}

describe('mapreduce example on a 3-member cluster', () => {
  let cluster: Cluster;
  let root: string;
  let client: Client;
  const processes: RoleProcess[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'concord-mapreduce-test-'));
    generateInput(join(root, 'input'), 36);
    cluster = await Cluster.start({ size: 3 });
    client = new Client({ endpoints: cluster.members.map((m) => m.endpoint) });
  });
  after(async () => {
    for (const child of processes) child.kill('SIGKILL');
    await Promise.all(processes.map((child) => child.exited));
    client?.close();
    await cluster?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  test('a worker and the coordinator are SIGKILLed mid-job; the standby finishes it, counts exact, each task committed once', async () => {
    const job = 'jobs/wordcount';
    const k = keys(job);
    const base: Omit<RoleArgs, 'name'> = {
      endpoints: cluster.members.map((m) => m.endpoint),
      job,
      ttl: 3,
      input: join(root, 'input'),
      buckets: 3,
      workDir: join(root, 'work'),
      filesPerTask: 2,
    };
    const start = (role: 'coordinator' | 'worker', args: RoleArgs): RoleProcess => {
      const child = new RoleProcess(role, args);
      processes.push(child);
      return child;
    };

    const coordinator = start('coordinator', { ...base, name: 'coordinator' });
    await coordinator.waitEvent('the job to be created', (e) => e.event === 'job-created');

    // The victim claims a task and hangs on it; we kill it once Concord shows its claim.
    const claimsWatch = client.watch(k.claims('map'), {
      prefix: true,
      startRevision: 1,
      signal: AbortSignal.timeout(60_000),
    });
    const victim = start('worker', { ...base, name: 'victim', stallAfterClaim: true });
    let victimClaim: { key: string; attempt: number } | undefined;
    for await (const batch of claimsWatch) {
      const put = batch.events.find(
        (e) => e.type === 'put' && (JSON.parse(e.kv.value.toString()) as Claim).worker === 'victim',
      );
      if (put !== undefined) {
        victimClaim = { key: put.kv.key.toString(), attempt: put.kv.createRevision };
        break;
      }
    }
    await claimsWatch.close();
    assert.ok(victimClaim !== undefined, "timed out waiting for the victim's claim");

    const standby = start('coordinator', { ...base, name: 'standby' });
    await standby.waitEvent('its campaign', (e) => e.event === 'campaigning');
    const workers = ['worker-1', 'worker-2'].map((name) => start('worker', { ...base, name }));
    await eventually(
      'a first map commit by the live workers',
      async () => (await client.range(k.doneDir('map'), { prefix: true, countOnly: true })).count,
      (done) => done > 0,
      { timeoutMs: 60_000, intervalMs: 100 },
    );

    // Mid-job: the map phase cannot end while the victim's claim stands.
    coordinator.kill('SIGKILL');
    await coordinator.exited;
    assert.equal(await client.getString(k.phase), 'map');
    victim.kill('SIGKILL');
    await victim.exited;

    // The victim's lease expires and takes its claim with it.
    await eventually(
      `the victim's claim ${victimClaim.key} to vanish with its lease`,
      async () => (await client.get(victimClaim.key))?.createRevision,
      (revision) => revision !== victimClaim.attempt,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await standby.waitEvent('the standby to lead', (e) => e.event === 'leading', 60_000);
    await standby.waitEvent('the standby to finish the job', (e) => e.event === 'job-done', 90_000);
    await Promise.all([standby, ...workers].map((child) => child.exited));
    for (const child of [standby, ...workers]) {
      assert.deepEqual(child.exit, { code: 0, signal: null }, `${child.name}: ${child.stderr}`);
    }

    // The output equals a single-process count, word for word.
    const counts = await readOutput(client, job);
    assert.ok(counts !== undefined, 'the final record exists');
    const expected = countLocally(base.input!);
    assert.deepEqual(new Map([...counts].sort()), new Map([...expected].sort()));

    // Each task's result was committed exactly once: its record was put once (version 1)
    // and the workers reported exactly one commit per task.
    const mapTasks = Math.ceil(36 / base.filesPerTask!);
    const commits = workers.flatMap((w) => w.events.filter((e) => e.event === 'committed'));
    for (const [phase, total] of [
      ['map', mapTasks],
      ['reduce', base.buckets!],
    ] as const) {
      const records = (await client.range(k.doneDir(phase), { prefix: true })).kvs;
      assert.equal(records.length, total, `${phase}: one record per task`);
      for (const kv of records) assert.equal(kv.version, 1, `${kv.key.toString()} put once`);
      const ofPhase = commits.filter((e) => e.phase === phase).map((e) => e.task as number);
      assert.deepEqual(
        ofPhase.sort((a, b) => a - b),
        Array.from({ length: total }, (_, i) => i),
        `${phase}: one commit per task`,
      );
    }
    assert.equal((await client.get(k.final))?.version, 1, 'the final record is put once');
    for (const left of [`${job}/queue/`, `${job}/claims/`]) {
      const count = (await client.range(left, { prefix: true, countOnly: true })).count;
      assert.equal(count, 0, `nothing left under ${left}`);
    }

    // The victim's task was run again, by a live worker, under a new claim.
    const reassigned = await client.get(victimClaim.key.replace('/claims/', '/done/'));
    assert.ok(reassigned !== undefined);
    const record = JSON.parse(reassigned.value.toString()) as Completion;
    assert.notEqual(record.worker, 'victim');
    assert.notEqual(record.attempt, victimClaim.attempt);
    assert.equal(
      victim.events.some((e) => e.event === 'committed'),
      false,
      'the victim never committed',
    );
    assert.equal(
      coordinator.events.some((e) => e.event === 'job-done'),
      false,
      'the killed coordinator did not finish the job',
    );
  });

  test('a zombie worker (paused past its lease, then resumed) cannot commit its late result', async () => {
    const job = 'jobs/zombie';
    const k = keys(job);
    const base: Omit<RoleArgs, 'name'> = {
      endpoints: cluster.members.map((m) => m.endpoint),
      job,
      ttl: 3,
      input: join(root, 'input'),
      buckets: 2,
      workDir: join(root, 'work-zombie'),
      filesPerTask: 6,
    };
    const start = (args: RoleArgs, role: 'coordinator' | 'worker' = 'worker'): RoleProcess => {
      const child = new RoleProcess(role, args);
      processes.push(child);
      return child;
    };
    const coordinator = start({ ...base, name: 'coordinator' }, 'coordinator');
    await coordinator.waitEvent('the job to be created', (e) => e.event === 'job-created');
    const zombie = start({ ...base, name: 'zombie', holdAfterClaim: true });
    const held = await zombie.waitEvent('its first claim', (e) => e.event === 'holding');
    const doneKey = k.done(held.phase as 'map', held.task as number);

    // Paused, it cannot keep its lease alive: the claim expires and another worker commits.
    zombie.kill('SIGSTOP');
    const worker = start({ ...base, name: 'worker-1' });
    const committed = await eventually(
      `${doneKey} to be committed by worker-1`,
      () => client.get(doneKey),
      (kv) => kv !== undefined,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    assert.equal((JSON.parse(committed!.value.toString()) as Completion).worker, 'worker-1');

    // Resumed, the zombie finishes its task and tries to commit: refused by the fence.
    zombie.kill('SIGCONT');
    zombie.kill('SIGUSR2');
    const fenced = await zombie.waitEvent('its late commit', (e) =>
      ['committed', 'fenced'].includes(e.event),
    );
    assert.equal(fenced.event, 'fenced');
    assert.equal(fenced.task, held.task);

    await coordinator.waitEvent('the job to finish', (e) => e.event === 'job-done', 90_000);
    await Promise.all([coordinator, worker, zombie].map((child) => child.exited));
    for (const child of [coordinator, worker, zombie]) {
      assert.deepEqual(child.exit, { code: 0, signal: null }, `${child.name}: ${child.stderr}`);
    }
    const record = await client.get(doneKey);
    assert.equal(record?.version, 1, 'the task was committed once');
    assert.equal((JSON.parse(record.value.toString()) as Completion).worker, 'worker-1');
    const counts = await readOutput(client, job);
    assert.ok(counts !== undefined);
    assert.deepEqual(new Map([...counts].sort()), new Map([...countLocally(base.input!)].sort()));
  });
});
