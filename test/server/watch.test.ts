import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import type { Harness } from './harness.js';
import { eventually, startServer, text, waitFor } from './harness.js';
import { RawWatch } from './raw-watch.js';

describe('Watch: one stream, many watchers (raw gRPC)', () => {
  let harness: Harness;
  const open: RawWatch[] = [];
  const watch = (): RawWatch => {
    const stream = new RawWatch(harness.endpoint);
    open.push(stream);
    return stream;
  };
  const put = (key: string, value: string): Promise<unknown> =>
    harness.member.put({ key: text(key), value: text(value) });

  before(async () => {
    harness = await startServer({ watchProgressNotifyIntervalMs: 50 });
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  after(() => harness.close());

  it('creates with a server-picked ID, delivers events with prev_kv, cancels', async () => {
    const stream = watch();
    stream.create({ key: text('w/a'), prevKv: true });
    const created = await stream.next('created response');
    assert.equal(created.created, true);
    assert.equal(created.canceled, false);
    assert.equal(created.header.revision, String(harness.member.store.revision));
    assert.equal(created.header.clusterId, '18446744073709551615');
    const id = created.watchId;

    await put('w/a', 'one');
    await put('w/a', 'two');
    const first = await stream.next('first event');
    assert.equal(first.watchId, id);
    assert.equal(first.events[0]?.kv.value.toString(), 'one');
    assert.equal(first.events[0]?.prevKv, null);
    const second = await stream.next('second event');
    assert.equal(second.events[0]?.prevKv?.value.toString(), 'one');
    assert.equal(second.header.revision, second.events[0]?.kv.modRevision);

    stream.cancel(id);
    const canceled = await stream.next('cancel response');
    assert.deepEqual([canceled.watchId, canceled.canceled], [id, true]);
    await eventually('member watcher removed', () => harness.member.hub.watchers.size === 0);
  });

  it('applies NOPUT and NODELETE filters and watches prefixes', async () => {
    const stream = watch();
    stream.create({ key: text('f/'), rangeEnd: text('f0'), filters: ['NOPUT'] });
    await stream.next('created');
    await put('f/x', '1');
    await harness.member.deleteRange({ key: text('f/x') });
    const response = await stream.next('delete event only');
    assert.deepEqual(
      response.events.map((e) => e.type),
      ['DELETE'],
    );
  });

  it('honours client-chosen IDs and refuses a duplicate as etcd does', async () => {
    const stream = watch();
    stream.create({ key: text('ids'), watchId: '7' });
    assert.equal((await stream.next('created 7')).watchId, '7');
    stream.create({ key: text('ids'), watchId: '7' });
    const duplicate = await stream.next('duplicate refused');
    assert.deepEqual(
      [duplicate.watchId, duplicate.created, duplicate.canceled, duplicate.cancelReason],
      ['-1', true, true, 'mvcc: duplicate watch ID provided on the WatchStream'],
    );
    stream.create({ key: text('ids') });
    assert.equal((await stream.next('auto ID')).watchId, '0');
    stream.create({ key: text('ids'), watchId: '9223372036854775807' });
    assert.equal((await stream.next('largest ID')).watchId, '9223372036854775807');
  });

  it('refuses a negative start revision and an empty range with etcd reasons', async () => {
    const stream = watch();
    stream.create({ key: text('k'), startRevision: '-1' });
    const negative = await stream.next('negative start refused');
    assert.deepEqual(
      [negative.watchId, negative.created, negative.canceled, negative.cancelReason],
      ['-1', true, true, 'etcdserver: mvcc: required revision has been compacted'],
    );
    stream.create({ key: text('m'), rangeEnd: text('a') });
    const empty = await stream.next('empty range refused');
    assert.equal(empty.cancelReason, 'mvcc: watcher range is empty');
  });

  it('replays history from a start revision, and cancels a compacted one with compact_revision', async () => {
    await put('h', '1');
    const from = harness.member.store.revision;
    await put('h', '2');
    const replay = watch();
    replay.create({ key: text('h'), startRevision: String(from) });
    await replay.next('created');
    const history = await replay.next('history');
    assert.deepEqual(
      history.events.map((e) => e.kv.value.toString()),
      ['1', '2'],
    );

    await harness.member.compact({ revision: harness.member.store.revision });
    const compacted = watch();
    compacted.create({ key: text('h'), startRevision: String(from) });
    const created = await compacted.next('created before the cancel');
    assert.equal(created.created, true);
    const canceled = await compacted.next('compaction cancel');
    assert.equal(canceled.canceled, true);
    assert.equal(canceled.watchId, created.watchId);
    assert.equal(canceled.compactRevision, String(harness.member.store.compacted));
    assert.equal(canceled.cancelReason, '', 'etcd gives no reason with compact_revision');
  });

  it('answers a progress request with watch_id -1 at the current revision, nothing without watchers', async () => {
    const stream = watch();
    // No watchers: no answer. The created response that follows proves nothing came first.
    stream.requestProgress();
    stream.create({ key: text('p') });
    const created = await stream.next('created (no progress answer before it)');
    assert.equal(created.created, true);
    await put('other', 'x');
    stream.requestProgress();
    const progress = await stream.next('progress response');
    assert.equal(progress.watchId, '-1');
    assert.equal(progress.events.length, 0);
    assert.equal(progress.header.revision, String(harness.member.store.revision));
  });

  it('sends progress notifications at the configured interval to progress_notify watchers', async () => {
    const stream = watch();
    stream.create({ key: text('pn'), progressNotify: true });
    const created = await stream.next('created');
    await put('unrelated', 'y');
    const notification = await stream.next('progress notification', 2000);
    assert.equal(notification.watchId, created.watchId);
    assert.equal(notification.events.length, 0);
    assert.equal(notification.header.revision, String(harness.member.store.revision));
  });

  it('cleans up every watcher when the client cancels the stream', async () => {
    const stream = watch();
    stream.create({ key: text('gone/1') });
    stream.create({ key: text('gone/2') });
    await stream.next('first created');
    await stream.next('second created');
    const before = harness.member.hub.watchers.size;
    assert.ok(before >= 2);
    stream.close();
    await eventually(
      'watchers of the vanished stream removed',
      () => harness.member.hub.watchers.size === before - 2,
    );
    // The server keeps serving.
    const next = watch();
    next.create({ key: text('still') });
    assert.equal((await next.next('created after a vanished client')).created, true);
  });
});

describe('Watch: fragments and back-pressure', () => {
  it('splits a large catch-up into fragments for a watcher that asked, not for others', async () => {
    const harness = await startServer({ limits: { requestBytesMax: 1024 } });
    try {
      const value = 'v'.repeat(10 * 1024);
      for (let i = 0; i < 70; i++)
        await harness.member.put({ key: text(`big/${i}`), value: text(value) });
      const fragmented = new RawWatch(harness.endpoint);
      fragmented.create({
        key: text('big/'),
        rangeEnd: text('big0'),
        startRevision: '1',
        fragment: true,
      });
      await fragmented.next('created');
      const parts = [await fragmented.next('first fragment')];
      while (parts[parts.length - 1]?.fragment === true)
        parts.push(await fragmented.next('next fragment'));
      assert.ok(parts.length >= 2, `expected fragments, got ${parts.length} response(s)`);
      assert.equal(parts.flatMap((p) => p.events).length, 70);
      const whole = new RawWatch(harness.endpoint);
      whole.create({ key: text('big/'), rangeEnd: text('big0'), startRevision: '1' });
      await whole.next('created');
      const single = await whole.next('unfragmented catch-up');
      assert.deepEqual([single.events.length, single.fragment], [70, false]);
      fragmented.close();
      whole.close();
    } finally {
      await harness.close();
    }
  });

  it('bounds the queue of a client that stops reading, refuses the member, then catches up without gaps', async () => {
    const harness = await startServer({ watchQueueResponsesMax: 4 });
    try {
      const stream = new RawWatch(harness.endpoint);
      stream.create({ key: text('bp/'), rangeEnd: text('bp0') });
      const created = await stream.next('created');
      stream.call.pause();
      // Small enough that the member's one-call catch-up stays below the client's 4 MiB limit.
      const value = text('x'.repeat(8 * 1024));
      const writes = 200;
      for (let i = 0; i < writes; i++) await harness.member.put({ key: text(`bp/${i}`), value });
      await eventually(
        'the server queue to refuse the member',
        () => harness.member.hub.refusals > 0,
      );
      stream.call.resume();
      const seen: number[] = [];
      while (seen.length < writes) {
        const response = await stream.next(
          `events after ${seen.length} of ${writes} (stream error: ${stream.error?.message})`,
        );
        assert.equal(response.watchId, created.watchId);
        for (const event of response.events) seen.push(Number(event.kv.modRevision));
      }
      const first = seen[0] as number;
      assert.deepEqual(
        seen,
        Array.from({ length: writes }, (_, i) => first + i),
      );
      stream.close();
    } finally {
      await harness.close();
    }
  });
});

describe('Watch through the etcd3 client', () => {
  it('gets puts and deletes with previous values, then cancels', async () => {
    const harness = await startServer();
    const etcd = new Etcd3({ hosts: `http://${harness.endpoint}` });
    try {
      const watcher = await etcd.watch().prefix('e3/').withPreviousKV().create();
      const deleted = waitFor<string>('delete event via etcd3', (done) =>
        watcher.on('delete', (_kv, previous) => done(previous?.value.toString() ?? '')),
      );
      const putSeen = waitFor<string>('put event via etcd3', (done) =>
        watcher.on('put', (kv) => done(kv.value.toString())),
      );
      await etcd.put('e3/k').value('hello');
      assert.equal(await putSeen, 'hello');
      await etcd.delete().key('e3/k');
      assert.equal(await deleted, 'hello');
      await watcher.cancel();
      await eventually(
        'watcher gone from the member',
        () => harness.member.hub.watchers.size === 0,
      );
    } finally {
      etcd.close();
      await harness.close();
    }
  });
});
