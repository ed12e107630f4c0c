/**
 * Writes through followers (3 in-process members: real Raft, WAL, peer transport). A follower
 * forwards its clients' proposals once per event-loop turn, and the leader queues forwarded
 * proposals with its own clients' for its next pass (src/node/driver.ts): every write is
 * still applied exactly once, at one revision, on every member, and the leader appends them
 * in batches rather than one append (and one MsgApp per follower) per forwarded frame.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Member } from '../../src/node/member.js';
import type { Message } from '../../src/raft/types.js';
import { startInProcessCluster, type InProcessCluster } from '../helpers/in-process-cluster.js';
import { eventually } from '../helpers/wait.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

let cluster: InProcessCluster;

/** Issues `count` puts, each from its own macrotask, round-robin over `members`. */
async function putsFromEveryMember(members: readonly Member[], count: number, tag: string) {
  const results: Promise<{ key: string; revision: number }>[] = [];
  for (let i = 0; i < count; i++) {
    const member = members[i % members.length]!;
    const key = `${tag}/${String(i).padStart(4, '0')}`;
    results.push(
      member
        .put({ key: enc(key), value: enc(`v${i}`) })
        .then(({ header }) => ({ key, revision: Number(header.revision) })),
    );
    // A new turn for each client: forwarded frames then reach the leader mid-pass.
    if (i % 7 === 6) await new Promise((resolve) => setImmediate(resolve));
  }
  return Promise.all(results);
}

describe('writes through followers', () => {
  before(async () => {
    cluster = await startInProcessCluster('forwarded-writes-test');
  });

  after(() => cluster?.close());

  it('are each applied once, at their own revision, on every member, and batched', async () => {
    const leader = cluster.leader()!;
    const followers = cluster.members.filter((m) => m !== leader);
    const transport = leader.peers!.transport;
    const send = transport.send.bind(transport);
    let appendsWithEntries = 0;
    transport.send = (messages: readonly Message[]) => {
      for (const m of messages)
        if (m.type === 'MsgApp' && m.entries.length > 0) appendsWithEntries++;
      send(messages);
    };
    const count = 300;
    let acked: { key: string; revision: number }[];
    try {
      acked = await putsFromEveryMember([followers[0]!, leader, followers[1]!], count, 'fw');
    } finally {
      transport.send = send;
    }
    const revisions = acked.map((a) => a.revision);
    assert.equal(new Set(revisions).size, count, 'every acknowledged put has its own revision');

    // Each member applied every write, at the revision its client was told.
    const last = Math.max(...revisions);
    for (const member of cluster.members) {
      await eventually(
        `member ${cluster.members.indexOf(member)} to apply revision ${last}`,
        () => member.stateMachine.currentRevision,
        (revision) => revision >= last,
        { timeoutMs: 20_000 },
      );
      const { response } = await member.range({
        key: enc('fw/'),
        rangeEnd: enc('fw0'),
        serializable: true,
      });
      assert.equal(
        response.kvs.length,
        count,
        `member ${cluster.members.indexOf(member)} holds every key`,
      );
      const byKey = new Map(acked.map((a) => [a.key, a.revision]));
      for (const kv of response.kvs) {
        assert.equal(
          Number(kv.modRevision),
          byKey.get(dec(kv.key)),
          `${dec(kv.key)} on member ${cluster.members.indexOf(member)}`,
        );
        assert.equal(Number(kv.version), 1, `${dec(kv.key)} was applied once`);
      }
    }
    // Two followers, one append each per batch: far fewer appends than writes.
    assert.ok(
      appendsWithEntries < count,
      `the leader sent ${appendsWithEntries} appends with entries for ${count} writes`,
    );
  });
});
