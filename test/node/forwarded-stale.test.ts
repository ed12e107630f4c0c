/**
 * A write forwarded by a follower must not outlive its client's timeout on the leader that
 * queued it (review of 67083a1, src/node/driver.ts).
 *
 * Since 67083a1 a leader queues the proposals followers forward (MsgProp) in its `pending`
 * list for its next pass, marked always live: unlike its own clients' proposals, nothing
 * withdraws them when the originating client gives up. If the leader loses leadership
 * before that pass (checkQuorum fires while a pass waits for a slow fsync, or the member is
 * partitioned), flushProposals finds no leader and keeps them, for as long as no leader is
 * known, and forwards them to whichever leader it learns of next: after a partition heals,
 * minutes later, a write whose client was told "etcdserver: request timed out" (and may have
 * retried, or written something else since) is applied. Before 67083a1 the leader stepped the
 * MsgProp on arrival: appended to its own log, uncommitted, and truncated away by the new
 * leader once the partition healed; never applied. The driver's own rule (flushProposals) is
 * that a proposal whose client gave up is withdrawn, so a write its client saw fail is not
 * applied later.
 *
 * The window in production is one leader pass (an fsync) in which forwarded proposals arrive
 * and the leader steps down; here the leader is cut off (its sends and receives dropped), the
 * forwarded proposal is handed to its driver, and the ticks that make it step down (two
 * election timeouts, checkQuorum) run in the same turn, as they would during a stalled pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Member } from '../../src/node/member.js';
import type { Message } from '../../src/raft/types.js';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';
import { eventually } from '../helpers/wait.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

let cluster: InProcessCluster;

describe('a forwarded write whose client timed out', () => {
  before(async () => {
    cluster = await startInProcessCluster('forwarded-stale-test', { requestTimeoutMs: 3000 });
  });

  after(() => cluster?.close());

  it('is not applied after the partitioned leader that queued it heals', async () => {
    const old = cluster.leader()!;
    const [follower, other] = cluster.members.filter((m) => m !== old) as [Member, Member];
    // Cut the leader off: nothing it sends leaves; of what it receives, only the first
    // forwarded proposal reaches its driver, and the leader then steps down at once.
    const transport = old.peers!.transport;
    const send = transport.send.bind(transport);
    const step = old.driver.step.bind(old.driver);
    let isolated = true;
    let queued = false;
    transport.send = (messages: readonly Message[]) => {
      if (!isolated) send(messages);
    };
    old.driver.step = (message: Message) => {
      if (!isolated) return step(message);
      if (queued || message.type !== 'MsgProp' || message.entries.length === 0) return;
      queued = true;
      step(message); // a leader: queued for its next pass
      for (let i = 0; i < 100 && old.raw.raft.state === 'Leader'; i++) old.raw.tick();
      assert.notEqual(old.raw.raft.state, 'Leader', 'checkQuorum deposed the cut-off leader');
    };

    const outcome = await follower.put({ key: enc('stale'), value: enc('1') }).then(
      () => 'acknowledged',
      (error: Error) => error.message,
    );
    assert.ok(queued, 'the follower forwarded the put to the old leader');
    assert.match(outcome, /request timed out/, 'the client was told its put timed out');

    // The other two elected a leader meanwhile; the put is not there.
    await eventually(
      'a new leader among the other two',
      () => [follower, other].find((m) => m.raw.raft.state === 'Leader'),
      (leader) => leader !== undefined,
      { timeoutMs: 20_000 },
    );
    const absent = await other.range({ key: enc('stale'), serializable: true });
    assert.equal(absent.response.kvs.length, 0, 'the timed-out put is not applied before healing');

    // Heal; once the old leader has caught up, the put must still be absent everywhere.
    isolated = false;
    const marker = await follower.put({ key: enc('after-heal'), value: enc('1') });
    for (const member of cluster.members) {
      await eventually(
        `member ${member.options.name} to apply revision ${marker.header.revision}`,
        () => member.stateMachine.currentRevision,
        (revision) => revision >= Number(marker.header.revision),
        { timeoutMs: 20_000 },
      );
    }
    const leader = cluster.leader()!;
    await eventually(
      'the old leader to know the new one',
      () => old.raw.raft.lead,
      (lead) => lead === leader.raw.raft.id,
      { timeoutMs: 20_000 },
    );
    // Its queue flushed (the held proposal, if any, went to the new leader first) ...
    await eventually(
      "the old leader's proposal queue to drain",
      () => (old.driver as unknown as { pending: unknown[] }).pending.length,
      (length) => length === 0,
      { timeoutMs: 20_000 },
    );
    // ... and a later put from it, applied everywhere after anything it forwarded before.
    const last = await old.put({ key: enc('after-heal-2'), value: enc('1') });
    await eventually(
      'the old leader to apply the last put',
      () => old.stateMachine.currentRevision,
      (revision) => revision >= Number(last.header.revision),
      { timeoutMs: 20_000 },
    );
    for (const member of cluster.members) {
      const { response } = await member.range({ key: enc('stale'), serializable: true });
      assert.equal(
        response.kvs.length,
        0,
        `member ${member.options.name}: a put whose client was told it timed out was applied after the partition healed`,
      );
    }
  });
});
