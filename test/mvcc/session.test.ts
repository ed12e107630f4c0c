// At-most-once sessions (DESIGN.md promise 6; Raft dissertation 6.3): a request carrying an
// identity is applied once, however often it is in the log, and every copy answers the first
// copy's result; the rules for old, new and unknown sequences; the bound on sessions; and
// the table surviving restart and snapshot/restore.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KiB } from '../../src/base/limits.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { StateMachine, type ApplyResult } from '../../src/mvcc/state-machine.js';
import { clientIdBytesMax } from '../../src/mvcc/session-table.js';
import type { RequestIdentity, StateMachineRequest } from '../../src/mvcc/types.js';
import { Harness, kvText, replacer, s } from './helpers.js';

const put = (key: string, value: string, prevKv = false): StateMachineRequest => ({
  type: 'put',
  request: { key: s(key), value: s(value), ...(prevKv ? { prevKv } : {}) },
});
const id = (clientId: string, sequence: number): RequestIdentity => ({ clientId, sequence });

/** A harness whose apply takes an identity. */
class Sessions extends Harness {
  send(request: StateMachineRequest, identity?: RequestIdentity): ApplyResult {
    return this.sm.apply(++this.index, 1, request, identity);
  }
}

const show = (r: ApplyResult): string => JSON.stringify(r, replacer);
const code = (r: ApplyResult): string => (r.status === 'rejected' ? r.error.code : show(r));

describe('at-most-once sessions', () => {
  it('applies a request that is twice in the log once, and the copy answers the original', () => {
    const h = new Sessions();
    h.put('k', 'old');
    const first = h.send(put('k', 'new', true), id('c1', 1));
    assert.equal(first.status, 'applied');
    h.put('other', 'x'); // revision moves on between the copies
    const copy = h.send(put('k', 'new', true), id('c1', 1));
    assert.deepEqual(copy, { ...first, duplicate: true });
    assert.equal(
      copy.status === 'applied' &&
        kvText(copy.response.type === 'put' ? copy.response.response.prevKv : undefined),
      'k=old@2/2/1',
    );
    assert.equal(h.get('k')?.version, 2, 'applied once');
    assert.equal(h.sm.currentRevision, 4);
  });

  it("keeps each user's sessions apart: another user's client ID names another session", () => {
    // Otherwise a caller presenting someone else's (clientId, sequence) would be answered
    // with that client's stored result, prev_kv included, without any permission check.
    const h = new Sessions();
    const as = (username: string) => ({ username, revision: 0 });
    h.put('secret', 'v0');
    const alice = h.sm.apply(++h.index, 1, put('secret', 'v1', true), id('c', 1), as('alice'));
    assert.equal(alice.status, 'applied');
    const mallory = h.sm.apply(++h.index, 1, put('mine', 'x', true), id('c', 1), as('mallory'));
    assert.equal(mallory.status, 'applied');
    assert.equal(mallory.status === 'applied' && mallory.duplicate, undefined, 'not a duplicate');
    assert.equal(h.get('mine')?.version, 1, "mallory's own put was applied");
    const retry = h.sm.apply(++h.index, 1, put('secret', 'v1', true), id('c', 1), as('alice'));
    assert.deepEqual(retry, { ...alice, duplicate: true }, "alice's retry is still hers");
    assert.equal(h.get('secret')?.version, 2, 'applied once');
  });

  it('answers a duplicate with the original rejection, even when it would succeed now', () => {
    const h = new Sessions();
    const grant: StateMachineRequest = { type: 'leaseRevoke', request: { id: 5n } };
    const first = h.send(grant, id('c', 1));
    assert.equal(code(first), 'LeaseNotFound');
    h.grant(5n, 60);
    const copy = h.send(grant, id('c', 1));
    assert.equal(copy.status, 'rejected');
    assert.equal(copy.status === 'rejected' && copy.duplicate, true);
    assert.equal(code(copy), 'LeaseNotFound');
    assert.equal(
      copy.status === 'rejected' && copy.error.message,
      'etcdserver: requested lease not found',
    );
    assert.equal(h.sm.leases().length, 1, 'the lease was not revoked by the copy');
  });

  it('keeps interleaved clients apart', () => {
    const h = new Sessions();
    const a1 = h.send(put('a', '1'), id('A', 1));
    const b1 = h.send(put('b', '1'), id('B', 1));
    const a2 = h.send(put('a', '2'), id('A', 2));
    assert.deepEqual(h.send(put('b', '1'), id('B', 1)), { ...b1, duplicate: true });
    const b2 = h.send(put('b', '2'), id('B', 2));
    assert.deepEqual(h.send(put('a', '2'), id('A', 2)), { ...a2, duplicate: true });
    assert.deepEqual(
      [a1, b1, a2, b2].map((r) => r.status === 'applied' && r.revision),
      [2, 3, 4, 5],
    );
    assert.deepEqual([h.get('a')?.version, h.get('b')?.version], [2, 2]);
    assert.deepEqual(
      h.sm.sessionList().map((x) => `${x.clientId}:${x.sequence}@${x.lastIndex}`),
      ['A:2@3', 'B:2@5'],
    );
  });

  it('refuses an older sequence, an unknown client past 1, and bad identities, changing nothing', () => {
    const h = new Sessions();
    h.send(put('k', '1'), id('c', 1));
    h.send(put('k', '2'), id('c', 5)); // gaps are fine
    const before = h.sm.hash().hash;
    const cases: [RequestIdentity, string][] = [
      [id('c', 4), 'StaleSequence'],
      [id('c', 1), 'StaleSequence'],
      [id('new', 2), 'SessionExpired'],
      [id('', 1), 'InvalidArgument'],
      [id('x'.repeat(clientIdBytesMax + 1), 1), 'InvalidArgument'],
      [id('c', 0), 'InvalidArgument'],
      [id('c', 1.5), 'InvalidArgument'],
    ];
    for (const [identity, want] of cases) {
      const r = h.send(put('k', 'X'), identity);
      assert.equal(code(r), want, JSON.stringify(identity));
      assert.equal(r.status === 'rejected' && r.revision, 3);
    }
    assert.equal(h.get('k')?.version, 2);
    assert.deepEqual(
      h.sm.sessionList().map((x) => x.clientId),
      ['c'],
    );
    assert.equal(h.sm.hash().hash, before, 'refusals write nothing but the consistent index');
    const stale = h.send(put('k', 'X'), id('c', 4));
    assert.match(
      stale.status === 'rejected' ? stale.error.message : '',
      /request 4 .* only the result of request 5 is kept/,
    );
  });

  it('keeps requests without an identity as they were: applied every time', () => {
    const h = new Sessions();
    h.send(put('k', '1'));
    h.send(put('k', '1'));
    assert.equal(h.get('k')?.version, 2);
    assert.equal(h.sm.sessionList().length, 0);
  });

  it('evicts the least recently active session past the bound, deterministically', () => {
    const h = new Sessions(undefined, { sessionsMax: 3 });
    for (const c of ['a', 'b', 'c']) h.send(put(c, '1'), id(c, 1));
    h.send(put('a', '2'), id('a', 2)); // a is now the most recent
    h.send(put('b', '1'), id('b', 1)); // a duplicate is not activity
    h.send(put('d', '1'), id('d', 1)); // evicts b
    assert.deepEqual(
      h.sm.sessionList().map((x) => x.clientId),
      ['c', 'a', 'd'],
    );
    // b's session is gone: its next request is refused, not applied blindly.
    assert.equal(code(h.send(put('b', '2'), id('b', 2))), 'SessionExpired');
    // ... and it starts over with a new session at sequence 1 (here with the same ID).
    assert.equal(h.send(put('b', '2'), id('b', 1)).status, 'applied');
    assert.deepEqual(
      h.sm.sessionList().map((x) => x.clientId),
      ['a', 'd', 'b'],
    );
    let stored = 0;
    h.backend.scan('session', {}, () => {
      stored++;
    });
    assert.equal(stored, 3, 'evicted sessions leave the backend in the same transaction');
  });

  it('does not keep a response over the size bound: its duplicate is refused, not reapplied', () => {
    const h = new Sessions(undefined, { sessionResponseBytesMax: 1 * KiB });
    h.put('big', 'x'.repeat(2 * KiB));
    const first = h.send(put('big', 'y', true), id('c', 1));
    assert.equal(first.status, 'applied', 'the request itself is answered in full');
    const copy = h.send(put('big', 'y', true), id('c', 1));
    assert.equal(code(copy), 'StaleSequence');
    assert.match(
      copy.status === 'rejected' ? copy.error.message : '',
      /applied at revision 3; its response \(\d+ bytes\) was too large/,
    );
    assert.equal(h.get('big')?.version, 2);
  });

  it('stores txn, delete and lease responses exactly (nested txns, ranges, prevKvs)', () => {
    const h = new Sessions();
    h.grant(9n, 60);
    h.put('a', '1', { lease: 9n });
    h.put('b', '1');
    const requests: StateMachineRequest[] = [
      {
        type: 'txn',
        request: {
          compare: [{ result: 'EQUAL', target: 'VERSION', key: s('a'), version: 1 }],
          success: [
            { requestRange: { key: s('a'), rangeEnd: s('z') } },
            { requestPut: { key: s('a'), value: s('2'), prevKv: true } },
            {
              requestTxn: {
                compare: [],
                success: [{ requestDeleteRange: { key: s('b'), prevKv: true } }],
                failure: [],
              },
            },
          ],
          failure: [],
        },
      },
      { type: 'leaseGrant', request: { id: 10n, ttl: 30 } },
      { type: 'deleteRange', request: { key: s('a'), rangeEnd: s('z'), prevKv: true } },
      { type: 'compaction', request: { revision: 2 } },
      { type: 'leaseRevoke', request: { id: 9n } },
      { type: 'leaseCheckpoint', request: { checkpoints: [{ id: 10n, remainingTtl: 7 }] } },
      { type: 'alarm', request: { action: 'ACTIVATE', memberId: 3n, alarm: 'NOSPACE' } },
    ];
    requests.forEach((request, i) => {
      const first = h.send(request, id('c', i + 1));
      assert.equal(first.status, 'applied', show(first));
      assert.deepEqual(
        h.send(request, id('c', i + 1)),
        { ...first, duplicate: true },
        request.type,
      );
    });
  });

  for (const way of ['restart', 'snapshot/restore'] as const) {
    it(`survives a ${way}: a duplicate after it still gets the original result`, () => {
      const h = new Sessions(undefined, { sessionsMax: 2 });
      const a = h.send(put('a', '1'), id('A', 1));
      h.send(put('b', '1'), id('B', 1));
      h.send(put('b', '2'), id('B', 2));
      h.send(put('c', '1'), id('C', 1)); // evicts A
      let sm: StateMachine;
      if (way === 'restart') sm = new StateMachine(h.backend, { sessionsMax: 2 });
      else {
        sm = new StateMachine(new MemoryBackend(), { sessionsMax: 2 });
        sm.restoreSnapshot(h.sm.snapshot());
      }
      assert.deepEqual(sm.sessionList(), h.sm.sessionList());
      assert.equal(sm.hash().hash, h.sm.hash().hash);
      let index = h.index;
      const again = sm.apply(++index, 1, put('b', '2'), id('B', 2));
      assert.equal(again.status === 'applied' && again.duplicate && again.revision, 4);
      assert.equal(code(sm.apply(++index, 1, put('a', '1'), id('A', 2))), 'SessionExpired');
      assert.equal(a.status, 'applied');
      // The LRU order survived too: B is the oldest now, so a new client evicts it.
      sm.apply(index + 1, 1, put('d', '1'), id('D', 1));
      assert.deepEqual(
        sm.sessionList().map((x) => x.clientId),
        ['C', 'D'],
      );
    });
  }

  it('is the same on two members applying the same log', () => {
    const log: [StateMachineRequest, RequestIdentity | undefined][] = [];
    for (let i = 0; i < 40; i++) {
      const client = `c${i % 5}`;
      const seq = Math.floor(i / 5) + 1;
      log.push([put(`k${i % 7}`, `${i}`), id(client, seq)]);
      if (i % 3 === 0) log.push([put(`k${i % 7}`, `${i}`), id(client, seq)]); // a retry
      if (i % 4 === 0) log.push([put('plain', `${i}`), undefined]);
    }
    const members = [
      new Sessions(undefined, { sessionsMax: 3 }),
      new Sessions(undefined, { sessionsMax: 3 }),
    ];
    const results = members.map((m) => log.map(([r, identity]) => show(m.send(r, identity))));
    assert.deepEqual(results[0], results[1]);
    assert.equal(members[0]!.sm.hash().hash, members[1]!.sm.hash().hash);
    assert.deepEqual(members[0]!.sm.sessionList(), members[1]!.sm.sessionList());
  });
});
