/**
 * A slow reader's watchers: while their responses wait in the stream's outbox, later revisions
 * join them (src/server/services/watch-batch.ts). The client must see exactly what it would
 * have seen one revision per response: every event once, in order, each response's header at
 * or after its events, and nothing of a watcher after its canceled response.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServer, text } from './harness.js';
import { RawWatch, type WatchResponseIn } from './raw-watch.js';

describe('Watch: a slow reader gets its events joined into fewer responses', () => {
  it('in order, without gaps or duplicates, never past a cancel', async () => {
    const harness = await startServer({ watchQueueResponsesMax: 4 });
    try {
      const stream = new RawWatch(harness.endpoint);
      stream.create({ key: text('jb/a') });
      const a = (await stream.next('created a')).watchId;
      stream.create({ key: text('jb/b') });
      const b = (await stream.next('created b')).watchId;
      stream.call.pause();
      // Large enough values that HTTP/2 flow control stops the server's writes, so responses
      // wait in the outbox; small enough that a joined response stays far below 4 MiB.
      const value = text('x'.repeat(4 * 1024));
      const expected = new Map<string, number[]>([
        [a, []],
        [b, []],
      ]);
      const put = async (key: string, id: string): Promise<void> => {
        await harness.member.put({ key: text(key), value });
        expected.get(id)!.push(harness.member.store.revision);
      };
      for (let i = 0; i < 120; i++) await put(i % 2 === 0 ? 'jb/a' : 'jb/b', i % 2 === 0 ? a : b);
      stream.cancel(b);
      for (let i = 0; i < 20; i++) await put('jb/a', a);
      stream.call.resume();

      const seen = new Map<string, number[]>([
        [a, []],
        [b, []],
      ]);
      let bCanceled = false;
      let joined = 0;
      const wantA = expected.get(a)!;
      while (!bCanceled || seen.get(a)!.length < wantA.length) {
        const response: WatchResponseIn = await stream.next(
          `responses (a: ${seen.get(a)!.length} of ${wantA.length} events, b canceled: ${bCanceled})`,
        );
        if (response.watchId === b && response.canceled) {
          bCanceled = true;
          continue;
        }
        const revisions = response.events.map((e) => Number(e.kv.modRevision));
        if (response.watchId === b)
          assert.equal(bCanceled, false, 'an event of b after its cancel');
        seen.get(response.watchId)!.push(...revisions);
        for (const revision of revisions) {
          assert.ok(Number(response.header.revision) >= revision, 'header before its events');
        }
        if (new Set(revisions).size > 1) joined++;
      }
      assert.deepEqual(seen.get(a), wantA);
      // b got a prefix of its events (the cancel cut the rest), in order.
      const bSeen = seen.get(b)!;
      assert.deepEqual(bSeen, expected.get(b)!.slice(0, bSeen.length));
      assert.ok(
        joined > 0,
        'no response joined two revisions: the test did not make the server wait',
      );
      stream.close();
    } finally {
      await harness.close();
    }
  });
});
