import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistoryBuilder } from './history-builder.js';
import { checkLeases } from './lease.js';

const ms = (n: number): number => n * 1_000_000; // the history's times are nanoseconds
const tolerance = { toleranceMs: 1000 };

/** A 5 s lease granted over [0, 10 ms] and key k put on it over [20, 30 ms]. */
function leased(): HistoryBuilder {
  const h = new HistoryBuilder();
  h.op(
    0,
    'lease-grant',
    undefined,
    { input: { ttl: 5 }, output: { lease: '7001', ttl: 5 } },
    0,
    ms(10),
  );
  h.op(0, 'lease-put', 'k', { input: { lease: '7001', value: 'v' } }, ms(20), ms(30));
  return h;
}

function read(h: HistoryBuilder, process: number, present: boolean, atMs: number): void {
  h.read(process, 'k', present ? 'v' : null, ms(atMs), ms(atMs + 5));
}

function kinds(h: HistoryBuilder): string[] {
  return checkLeases(h.ops(), tolerance).anomalies.map((a) => a.kind);
}

describe('lease: keys live exactly as long as their lease, within a tolerance', () => {
  it('passes a key present during its TTL and gone after it', () => {
    const h = leased();
    read(h, 1, false, 5); // before the put returned: either is fine
    read(h, 1, true, 1000);
    read(h, 1, true, 4500);
    read(h, 1, false, 5500); // inside the tolerance: either is fine
    read(h, 1, false, 7000);
    const result = checkLeases(h.ops(), tolerance);
    assert.deepEqual(result.anomalies, []);
    assert.deepEqual([result.leases, result.keys, result.reads], [1, 1, 5]);
  });

  it('reports a key gone before its lease could expire', () => {
    const h = leased();
    read(h, 1, false, 2000);
    const result = checkLeases(h.ops(), tolerance);
    assert.deepEqual(
      result.anomalies.map((a) => a.kind),
      ['expired-early'],
    );
    assert.match(
      result.anomalies[0]!.message,
      /key k of lease 7001 was gone \d+ ms before the lease could have expired \(tolerance 1000 ms\)/,
    );
    assert.equal(result.anomalies[0]!.ops.length, 3);
  });

  it('reports a key still there after its lease expired, tolerance included', () => {
    const h = leased();
    read(h, 1, true, 6500);
    assert.deepEqual(kinds(h), ['outlived']);
  });

  it('follows keepalives: a renewed lease lives longer, and must not end early either', () => {
    const h = leased();
    h.op(
      2,
      'lease-keepalive',
      undefined,
      { input: { lease: '7001' }, output: { lease: '7001', ttl: 5 } },
      ms(4000),
      ms(4010),
    );
    read(h, 1, true, 8000);
    assert.deepEqual(kinds(h), []);
    read(h, 1, false, 7500);
    assert.deepEqual(kinds(h), ['expired-early']);
  });

  it('allows a revoked key to go at once, and requires it gone after the revoke returned', () => {
    const h = leased();
    h.op(2, 'lease-revoke', undefined, { input: { lease: '7001' } }, ms(2000), ms(2010));
    read(h, 1, false, 2005);
    assert.deepEqual(kinds(h), []);
    read(h, 1, true, 3500);
    assert.deepEqual(kinds(h), ['outlived']);
  });

  it('does not bound the life of a lease whose keepalive is indeterminate', () => {
    const h = leased();
    h.op(2, 'lease-keepalive', undefined, { input: { lease: '7001' } }, ms(4000)); // info
    read(h, 1, true, 9000);
    assert.deepEqual(kinds(h), []);
  });
});
