// Where a member's WAL fsyncs run (Driver.syncInline): a leader's lone write and a follower's
// append on the member's own thread, a leader's batch in the thread pool. The test records
// each pass's choice as the driver hands it to the store; whether the WAL then honours it
// (it falls back to the pool while the disk is slow) is test/storage/wal-inline-sync's.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { Member } from '../../src/node/member.js';
import { type InProcessCluster, startInProcessCluster } from '../helpers/in-process-cluster.js';
import { eventually } from '../helpers/wait.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let cluster: InProcessCluster | undefined;
after(() => cluster?.close());

/** Records every inlineSync choice made for `member`'s store, in order. */
function recordChoices(member: Member): boolean[] {
  const choices: boolean[] = [];
  const store = member.store;
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(store), 'inlineSync')!.set!;
  Object.defineProperty(store, 'inlineSync', {
    set(inline: boolean) {
      choices.push(inline);
      setter.call(store, inline);
    },
  });
  return choices;
}

it('a leader syncs a lone write on its thread and a batch in the thread pool', async () => {
  cluster = await startInProcessCluster('inline-sync');
  const leader = cluster.leader()!;
  const followers = cluster.members.filter((m) => m !== leader);
  // Start-up's own entries (the leader's no-op, published members) are behind us once a
  // write commits.
  await leader.put({ key: enc('warm'), value: enc('up') });
  const choices = new Map(cluster.members.map((m) => [m, recordChoices(m)]));
  const leaderChoices = choices.get(leader)!;

  await leader.put({ key: enc('k'), value: enc('one') });
  assert.deepEqual(leaderChoices, [true], 'the leader synced its lone write on its own thread');

  // Proposed in one turn, the puts reach Raft as one batch: one pass with many entries.
  leaderChoices.length = 0;
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => leader.put({ key: enc(`b${i}`), value: enc('v') })),
  );
  assert.ok(
    leaderChoices.includes(false),
    `the leader synced its batch in the pool (${JSON.stringify(leaderChoices)})`,
  );

  for (const f of followers) {
    await eventually(
      `follower ${f.options.name} to apply the batch`,
      () => f.appliedWait.appliedIndex,
      (applied) => applied >= leader.appliedWait.appliedIndex,
    );
    const mine = choices.get(f)!;
    assert.ok(mine.length >= 1, `follower ${f.options.name} synced its appends`);
    assert.ok(
      mine.every((inline) => inline),
      `follower ${f.options.name} synced only on its thread`,
    );
  }
});
