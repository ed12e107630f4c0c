/**
 * A big keyspace under a slow reader, through a real member: a watcher that stops reading
 * while 5 MiB of events are written does not make the member buffer them (its per-stream
 * outbox is bounded: watchQueueResponsesMax responses, then HTTP/2 flow control; etcd holds a
 * slow watcher back the same way), the member keeps serving everyone else, and once the
 * reader reads again it gets every event, in order. A range over the whole keyspace pages
 * with limit and `more`; without a limit it is answered in one response, as etcd does (no
 * response cap: the bound is the database, --quota-backend-bytes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { MiB } from '../../src/base/limits.js';
import { MemberProcess } from '../helpers/member-process.js';
import { rawClient, unaryCall } from '../helpers/grpc.js';
import { waitFor } from '../helpers/wait.js';
import { rssBytes } from '../fuzz/oracle.js';

const txns = 40;
const putsPerTxn = 128;
const keys = txns * putsPerTxn;
const value = Buffer.alloc(1024, 0x76);
/** The member's RSS may grow by this much while 5 MiB of events wait for the slow reader. */
const rssGrowthMax = 256 * MiB;

interface WatchAnswer {
  readonly created: boolean;
  readonly events: readonly { kv: { key: Buffer; modRevision: string } }[];
}

describe('limits: a big keyspace and a slow watcher', () => {
  let member: MemberProcess;
  before(async () => {
    member = await MemberProcess.start();
  });
  after(() => MemberProcess.destroyAll());

  it('a watcher that stops reading costs the member bounded memory and loses nothing', async () => {
    const watchClient = rawClient('Watch', member.endpoint);
    const kv = rawClient('KV', member.endpoint);
    const call = (
      watchClient as unknown as { Watch(): grpc.ClientDuplexStream<object, WatchAnswer> }
    ).Watch();
    try {
      let events = 0;
      let lastRevision = 0;
      let ordered = true;
      call.on('data', (answer: WatchAnswer) => {
        for (const event of answer.events) {
          const revision = Number(event.kv.modRevision);
          if (revision < lastRevision) ordered = false;
          lastRevision = revision;
          events++;
        }
      });
      call.on('error', () => undefined);
      const created = waitFor('the slow watcher to be created', (done) => call.once('data', done));
      call.write({ createRequest: { key: Buffer.from('big/'), rangeEnd: Buffer.from('big0') } });
      await created;
      call.pause(); // from here on the client reads nothing
      const pid = member.pid ?? 0;
      const rssBefore = rssBytes(pid) ?? 0;
      for (let t = 0; t < txns; t++) {
        const success = Array.from({ length: putsPerTxn }, (_, i) => ({
          requestPut: {
            key: Buffer.from(`big/${String(t * putsPerTxn + i).padStart(6, '0')}`),
            value,
          },
        }));
        await unaryCall(kv, 'Txn', { success });
      }
      // Everyone else is served while the watcher is stalled: a paged walk over the keyspace.
      let seen = 0;
      let from = Buffer.from('big/');
      for (;;) {
        const page = await unaryCall<{ kvs: { key: Buffer }[]; more: boolean; count: string }>(
          kv,
          'Range',
          { key: from, rangeEnd: Buffer.from('big0'), limit: 500 },
        );
        assert.equal(Number(page.count), keys - seen, 'count is of the rest of the range');
        seen += page.kvs.length;
        if (!page.more) break;
        from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
      }
      assert.equal(seen, keys);
      const all = await unaryCall<{ kvs: unknown[] }>(kv, 'Range', {
        key: Buffer.from('big/'),
        rangeEnd: Buffer.from('big0'),
      });
      assert.equal(all.kvs.length, keys, 'one response for the whole range');
      const growth = (rssBytes(pid) ?? 0) - rssBefore;
      assert.ok(growth < rssGrowthMax, `RSS grew by ${growth} bytes with a stalled watcher`);
      assert.ok(events < keys, 'the stalled watcher was really held back');
      call.resume();
      await waitFor(
        `the slow watcher to catch up to ${keys} events`,
        (done) => {
          const check = (): void => {
            if (events >= keys) done(undefined);
          };
          call.on('data', check);
          check();
        },
        60_000,
      );
      assert.equal(events, keys);
      assert.ok(ordered, 'events in revision order');
    } finally {
      call.cancel();
      watchClient.close();
      kv.close();
    }
  });
});
