/**
 * A slow reader's watch responses joined across revisions (6de4c09, ebe140d, d9f764b) keep
 * etcd's watch guarantees (DESIGN.md 4): each txn's events in one response (atomic), in
 * revision order, no gap, no duplicate, and a header revision at or past every event in its
 * response; a progress response never runs ahead of events at or below its revision. Two
 * watchers share the stream (one with prev_kv); the client stops reading while 120 three-key
 * txns commit, then reads everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Harness } from './harness.js';
import { startServer, text } from './harness.js';
import { RawWatch, type WatchResponseIn } from './raw-watch.js';

const txns = 120;
const keysPerTxn = 3;

describe('Watch: responses joined across revisions', () => {
  it('keeps each txn in one response, in order, without gaps or duplicates', async () => {
    const harness: Harness = await startServer({ watchQueueResponsesMax: 8 });
    try {
      const stream = new RawWatch(harness.endpoint);
      stream.create({ key: text('j/'), rangeEnd: text('j0') });
      const a = (await stream.next('created A')).watchId;
      stream.create({ key: text('j/'), rangeEnd: text('j0'), prevKv: true });
      const b = (await stream.next('created B')).watchId;
      stream.call.pause();
      const value = text('x'.repeat(4 * 1024));
      const revisions: number[] = [];
      for (let i = 0; i < txns; i++) {
        const { header } = await harness.member.txn({
          compare: [],
          success: Array.from({ length: keysPerTxn }, (_, k) => ({
            requestPut: { key: text(`j/${i % 7}/${k}`), value },
          })),
          failure: [],
        });
        revisions.push(header.revision);
        if (i === txns / 2) stream.requestProgress();
      }
      stream.call.resume();

      const responses: WatchResponseIn[] = [];
      const seen = new Map<string, number>([
        [a, 0],
        [b, 0],
      ]);
      while ((seen.get(a) ?? 0) < txns * keysPerTxn || (seen.get(b) ?? 0) < txns * keysPerTxn) {
        const response = await stream.next(
          `events (A ${seen.get(a)}, B ${seen.get(b)} of ${txns * keysPerTxn}; stream error: ${stream.error?.message})`,
        );
        responses.push(response);
        if (response.events.length > 0) {
          seen.set(response.watchId, (seen.get(response.watchId) ?? 0) + response.events.length);
        }
      }

      for (const id of [a, b]) {
        const mine = responses.filter((r) => r.watchId === id && r.events.length > 0);
        // Revision -> the responses it appears in, and its event count.
        const where = new Map<number, Set<number>>();
        const counts = new Map<number, number>();
        const order: number[] = [];
        mine.forEach((response, at) => {
          const header = Number(response.header.revision);
          for (const event of response.events) {
            const revision = Number(event.kv.modRevision);
            assert.ok(header >= revision, `header ${header} below an event at ${revision}`);
            if (!where.has(revision)) where.set(revision, new Set());
            where.get(revision)!.add(at);
            counts.set(revision, (counts.get(revision) ?? 0) + 1);
            if (order[order.length - 1] !== revision) order.push(revision);
            if (Number(event.kv.version) > 1) {
              // Only B asked for prev_kv: joined batches must not mix the two up.
              assert.equal(event.prevKv !== null, id === b, `watcher ${id}: prev_kv`);
            }
          }
        });
        assert.deepEqual(order, revisions, `watcher ${id}: every revision once, in order`);
        for (const [revision, inResponses] of where) {
          assert.equal(inResponses.size, 1, `watcher ${id}: txn ${revision} split`);
          assert.equal(counts.get(revision), keysPerTxn, `watcher ${id}: txn ${revision} events`);
        }
        assert.ok(
          mine.length < txns,
          `watcher ${id}: ${mine.length} responses for ${txns} revisions (no joins exercised)`,
        );
      }

      // A progress response (watch_id -1) never precedes an event at or below its revision.
      responses.forEach((response, at) => {
        if (response.watchId !== '-1' || response.events.length > 0) return;
        const progress = Number(response.header.revision);
        for (const later of responses.slice(at + 1)) {
          for (const event of later.events) {
            assert.ok(
              Number(event.kv.modRevision) > progress,
              `an event at ${event.kv.modRevision} after a progress response at ${progress}`,
            );
          }
        }
      });
      stream.close();
    } finally {
      await harness.close();
    }
  });
});
