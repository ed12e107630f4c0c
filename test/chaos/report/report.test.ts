import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkLinearizability } from '../checker/linearizability.js';
import { HistoryRecorder } from '../history/recorder.js';
import type { FaultMark, ReportInput } from './input.js';
import { writeReports } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small register run with a partition, a timeout and, if asked, a stale read. */
function run(stale: boolean): ReportInput {
  let now = 5_000_000_000n;
  const clock = () => (now += 1_500_000n);
  const recorder = new HistoryRecorder({ clock });
  const faults: FaultMark[] = [];
  recorder.invoke({ process: 0, f: 'write', key: 'r1', value: '1', node: 'n1' }).ok();
  recorder.invoke({ process: 1, f: 'read', key: 'r1', node: 'n3' }).ok('1');
  faults.push({ time: clock(), nemesis: 'partition', phase: 'start', detail: 'isolate n3' });
  const write = recorder.invoke({ process: 0, f: 'write', key: 'r1', value: '2', node: 'n1' });
  recorder
    .invoke({ process: 2, f: 'cas', key: 'r2', value: ['a', 'b'], node: 'n2' })
    .fail('compare failed');
  write.ok();
  recorder
    .invoke({ process: 3, f: 'write', key: 'r1', value: '<3>', node: 'n3' })
    .info('context deadline exceeded');
  recorder.invoke({ process: 1, f: 'read', key: 'r1', node: 'n3' }).ok(stale ? '1' : '2');
  faults.push({ time: clock(), nemesis: 'partition', phase: 'heal' });
  const events = recorder.events();
  const results = [checkLinearizability(events)];
  return {
    title: 'Concord chaos run, seed 7',
    details: ['members: 3; workloads: register; nemeses: partition'],
    events,
    faults,
    results,
    verdict: `chaos: ${stale ? 'FAIL' : 'PASS'}: 6 operations, 1 faults injected, ${stale ? 1 : 0} anomalies`,
  };
}

describe('report: text and HTML timeline', () => {
  it('writes both files, with the counts and the anomaly with its operations', () => {
    const input = run(true);
    assert.equal(input.results[0]!.valid, false);
    const paths = writeReports(join(dir), input);
    assert.ok(existsSync(paths.text) && existsSync(paths.html));
    const text = readFileSync(paths.text, 'utf8');
    assert.match(text, /^Concord chaos run, seed 7\n/);
    assert.match(text, /Operations: 6 \(4 ok, 1 fail, 1 info\)/);
    assert.match(text, /Faults injected: 1\n/);
    assert.match(text, /Anomalies: 1\n/);
    assert.match(text, /linearizability: INVALID \(1 anomalies\)/);
    assert.match(
      text,
      /\[linearizability\/nonlinearizable\] key "r1" is not linearizable: p1's read -> "1" on n3/,
    );
    assert.match(text, /p1 read r1 -> ok "1" @n3/, 'the stale read is listed');
    assert.match(text, /p0 write r1 "2" -> ok @n1/, 'so is the write it missed');
    assert.match(text, /partition: isolate n3/);
    assert.match(text, /chaos: FAIL/);
  });

  it('draws a self-contained timeline with the anomalous operations highlighted', () => {
    const html = readFileSync(writeReports(dir, run(true)).html, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<svg[^>]*class="timeline"/);
    assert.equal(
      (html.match(/class="op ok anomalous/g) ?? []).length,
      2,
      'the stale read and the newer write highlighted, each drawn once',
    );
    assert.match(html, /class="op ok anomalous focus"><title>p1 read r1 -&#62; ok &#34;1&#34; @n3/);
    assert.match(html, /<title>p1 read r1 -&#62; ok &#34;1&#34; @n3<\/title>/);
    assert.match(html, /class="op info/, 'the timed-out write, fading to +infinity');
    assert.match(html, /&#60;3&#62;/, 'values are escaped');
    assert.match(html, /class="fault"/);
    assert.match(html, /<svg[^>]*class="overview"/, 'the run at a glance');
    assert.match(html, /class="rate ok"/);
    assert.doesNotMatch(html, /<script|src=|href=|@import|url\((?!#)/, 'no external assets');
  });

  it('says so when there is nothing wrong', () => {
    const input = run(false);
    assert.equal(input.results[0]!.valid, true);
    const paths = writeReports(dir, input, { text: 'ok.txt', html: 'ok.html' });
    assert.match(readFileSync(paths.text, 'utf8'), /Anomalies \(0\):\n {2}none/);
    const html = readFileSync(paths.html, 'utf8');
    assert.match(html, /class="verdict pass"/);
    assert.doesNotMatch(html, /<svg[^>]*class="timeline"/);
  });
});
