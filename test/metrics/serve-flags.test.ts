/**
 * One member (a real process) started with the operating flags: --listen-metrics-urls (a
 * plain-HTTP listener with /metrics and the health probes, no gRPC), --log-level warn (no
 * info lines), --log-outputs (stderr and a file, the same lines),
 * --warning-apply-duration 0s (every apply and request is "too long": logged and counted), and
 * --busy-poll-us 0 (the event loop never polls after an answer).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { freePort } from '../helpers/free-port.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually } from '../helpers/wait.js';
import { logLines, scrape } from './scrape.js';

describe('concord serve with the operating flags', () => {
  let member: MemberProcess;
  let metricsUrl: string;
  let client: Etcd3;
  const dir = mkdtempSync(join(tmpdir(), 'concord-logs-'));
  const logFile = join(dir, 'member.log');
  before(async () => {
    metricsUrl = `http://127.0.0.1:${await freePort()}`;
    member = await MemberProcess.start({
      name: 'ops',
      args: [
        ...['--listen-metrics-urls', metricsUrl],
        ...['--log-level', 'warn', '--log-outputs', `stderr,${logFile}`],
        ...['--warning-apply-duration', '0s'],
        ...['--busy-poll-us', '0'],
      ],
    });
    client = new Etcd3({ hosts: member.url });
  });
  after(async () => {
    client?.close();
    await MemberProcess.destroyAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /metrics and the health probes on --listen-metrics-urls', async () => {
    await client.put('k').value('v');
    const scraped = await scrape(metricsUrl);
    assert.equal(scraped.value('etcd_server_has_leader'), 1);
    assert.equal(scraped.value('etcd_server_is_leader'), 1);
    assert.equal(
      scraped.value('grpc_server_handled_total', { grpc_method: 'Put', grpc_code: 'OK' }),
      1,
    );
    assert.ok(scraped.value('etcd_server_slow_apply_total') >= 1, 'every apply is slow at 0s');
    assert.ok(scraped.value('concord_slow_requests_total', { grpc_method: 'Put' }) >= 1);
    assert.ok(scraped.value('process_resident_memory_bytes') > 0, 'process metrics');
    for (let i = 0; i < 5; i++) await client.put(`k${i}`).value('v');
    // By default the first answer opens a window; --busy-poll-us 0 opens none.
    assert.equal((await scrape(metricsUrl)).value('concord_busy_poll_seconds_total'), 0);
    const health = await fetch(`${metricsUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), '{"health":"true","reason":""}');
    const readyz = await fetch(`${metricsUrl}/readyz?verbose`);
    assert.equal(readyz.status, 200);
    assert.match(await readyz.text(), /\[\+\]linearizable_read ok\n[\s\S]*ok\n$/);
    assert.equal((await fetch(`${metricsUrl}/livez`)).status, 200);
    assert.equal((await fetch(`${metricsUrl}/nothing-here`)).status, 404);
    // The client port serves the same /metrics.
    assert.equal((await scrape(member.url)).value('etcd_server_is_leader'), 1);
  });

  it('--log-level warn keeps warnings (slow applies, with durations) and drops info lines', async () => {
    const lines = await eventually(
      'the member to log a slow apply',
      () => logLines(member.stderr),
      (list) => list.some((l) => l.msg === 'apply request took too long'),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const slow = lines.find((l) => l.msg === 'apply request took too long')!;
    assert.equal(slow.level, 'warn');
    assert.equal(slow.member, 'ops');
    assert.equal(slow['expected-duration'], '0s');
    assert.match(String(slow.took), /^\d+(\.\d+)?(µs|ms|s)$/);
    assert.equal(typeof slow.term, 'number');
    assert.equal(typeof slow.leader, 'string');
    assert.deepEqual(
      lines.filter((l) => l.level === 'info' || l.level === 'debug'),
      [],
      'no info or debug lines at --log-level warn',
    );
    // --log-outputs: the file has the lines stderr has.
    const fromFile = logLines(readFileSync(logFile, 'utf8'));
    assert.ok(fromFile.some((l) => l.msg === 'apply request took too long' && l.member === 'ops'));
  });
});

describe('concord serve with a --log-outputs file it cannot open', () => {
  it('exits 2 naming the output, before starting (no stack trace)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-bad-log-'));
    try {
      // A log file "inside" a regular file: neither its directory nor the file can be made.
      writeFileSync(join(dir, 'plain'), '');
      const output = join(dir, 'plain', 'member.log');
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [
            ...['--import', 'tsx', 'src/cli/bin.ts', 'serve', '--name', 'bad'],
            ...['--data-dir', join(dir, 'data'), '--log-outputs', output],
            ...['--listen-client-urls', 'http://127.0.0.1:0'],
            ...['--listen-peer-urls', 'http://127.0.0.1:0'],
          ],
          { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 60_000 },
          (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
        );
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^concord serve: --log-outputs \S+member\.log: E\w+: /);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
