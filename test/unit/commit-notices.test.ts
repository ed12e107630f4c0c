import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitNotices, commitNoticeHoldMs } from '../../src/node/commit-notices.js';
import type { Message, MessageType, NodeId } from '../../src/raft/types.js';
import { ManualClock } from './manual-clock.js';

const leader = 1n;
const b = 2n;
const c = 3n;

function msg(type: MessageType, to: NodeId, commit: number, entries = 0): Message {
  return {
    type,
    to,
    from: type === 'MsgProp' || type === 'MsgReadIndex' ? to : leader,
    term: 1,
    logTerm: 1,
    index: 10,
    entries: Array.from({ length: entries }, (_, i) => ({
      term: 1,
      index: 11 + i,
      type: 'Normal' as const,
      data: new Uint8Array(),
    })),
    commit,
    reject: false,
    rejectHint: 0,
  };
}

/** A notice: an empty MsgApp (the test's isCommitNotice says so for every one). */
const notice = (to: NodeId, commit: number): Message => msg('MsgApp', to, commit);

function setup(): { clock: ManualClock; notices: CommitNotices; late: Message[][] } {
  const clock = new ManualClock();
  const late: Message[][] = [];
  const notices = new CommitNotices({
    clock,
    urgentMs: 1000,
    isCommitNotice: (m) => m.type === 'MsgApp' && m.entries.length === 0,
    send: (messages) => late.push(messages),
  });
  return { clock, notices, late };
}

const show = (messages: readonly Message[]): string[] =>
  messages.map((m) => `${m.type}>${m.to}@${m.commit}/${m.entries.length}`);

describe('CommitNotices', () => {
  it('holds a commit notice until the next append to that follower, which supersedes it', () => {
    const { clock, notices, late } = setup();
    assert.deepEqual(notices.filter([notice(b, 5), notice(c, 5)]), [], 'both held');
    assert.deepEqual(notices.filter([notice(b, 6)]), [], 'a newer notice replaces the older');
    const next = msg('MsgApp', b, 6, 1);
    assert.deepEqual(show(notices.filter([next])), show([next]), 'the append carries commit 6');
    clock.advance(commitNoticeHoldMs);
    assert.deepEqual(late.map(show), [show([notice(c, 5)])], 'c had no ride: sent at the bound');
    clock.advance(10 * commitNoticeHoldMs);
    assert.equal(late.length, 1, 'nothing is sent twice');
  });

  it('holds each notice its own full time, not until a timer an earlier one armed', () => {
    const { clock, notices, late } = setup();
    notices.filter([notice(b, 5)]);
    clock.advance(0.8 * commitNoticeHoldMs);
    notices.filter([notice(c, 6)]);
    clock.advance(0.2 * commitNoticeHoldMs);
    assert.deepEqual(late.map(show), [show([notice(b, 5)])], 'b is due; c was held 0.2 of it');
    const ride = msg('MsgApp', c, 6, 1);
    clock.advance(0.5 * commitNoticeHoldMs);
    assert.deepEqual(show(notices.filter([ride])), show([ride]), 'the next append carried c');
    clock.advance(10 * commitNoticeHoldMs);
    assert.equal(late.length, 1, 'c was never sent alone');
  });

  it('a newer notice replaces the held one but not how long the follower has waited', () => {
    const { clock, notices, late } = setup();
    notices.filter([notice(b, 5)]);
    clock.advance(0.9 * commitNoticeHoldMs);
    notices.filter([notice(b, 6)]);
    clock.advance(0.1 * commitNoticeHoldMs);
    assert.deepEqual(late.map(show), [show([notice(b, 6)])]);
  });

  it('takes a held notice along before a message that does not carry its commit', () => {
    const { clock, notices, late } = setup();
    notices.filter([notice(b, 7)]);
    const stale = msg('MsgHeartbeat', b, 6);
    assert.deepEqual(show(notices.filter([stale])), show([notice(b, 7), stale]));
    const vote = msg('MsgTimeoutNow', c, 0);
    notices.filter([notice(c, 7)]);
    assert.deepEqual(show(notices.filter([vote])), show([notice(c, 7), vote]));
    clock.advance(commitNoticeHoldMs);
    assert.deepEqual(late, [], 'nothing was left to send late');
  });

  it('a heartbeat carrying the commit supersedes a held notice', () => {
    const { clock, notices, late } = setup();
    notices.filter([notice(b, 7)]);
    const beat = msg('MsgHeartbeat', b, 7);
    assert.deepEqual(show(notices.filter([beat])), show([beat]));
    clock.advance(commitNoticeHoldMs);
    assert.deepEqual(late, []);
  });

  it('sends at once to a follower that forwarded a proposal or asked for a read index lately', () => {
    const { clock, notices } = setup();
    notices.heard(msg('MsgProp', b, 0));
    notices.heard(msg('MsgReadIndex', c, 0));
    assert.deepEqual(
      show(notices.filter([notice(b, 5), notice(c, 5)])),
      show([notice(b, 5), notice(c, 5)]),
    );
    clock.advance(1000);
    assert.deepEqual(notices.filter([notice(b, 6), notice(c, 6)]), [], 'idle again: held');
  });

  it('sends at once to a follower that said it has watchers, until that word is old', () => {
    const { clock, notices } = setup();
    notices.wanted(b);
    assert.deepEqual(show(notices.filter([notice(b, 5), notice(c, 5)])), show([notice(b, 5)]));
    clock.advance(999);
    notices.wanted(b); // said again within the time: the time starts again
    clock.advance(999);
    assert.deepEqual(show(notices.filter([notice(b, 6)])), show([notice(b, 6)]), 'still wanted');
    clock.advance(1);
    assert.deepEqual(notices.filter([notice(b, 7)]), [], 'not said again: held');
  });

  it('clear() drops what is held and its timer', () => {
    const { clock, notices, late } = setup();
    notices.filter([notice(b, 5)]);
    notices.clear();
    clock.advance(commitNoticeHoldMs);
    assert.deepEqual(late, []);
  });
});
