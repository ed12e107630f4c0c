import type { Clock } from '../env/clock.js';
import type { Message, NodeId } from '../raft/types.js';

/** Longest a held commit notice waits for a ride, in ms. */
export const commitNoticeHoldMs = 1;

export interface CommitNoticeOptions {
  readonly clock: Clock;
  /**
   * For how long a follower that forwarded a proposal or asked for a read index counts as
   * having clients that wait on our commits.
   */
  readonly urgentMs: number;
  /** Whether `message` only tells a follower (whose log is being streamed) a commit index. */
  readonly isCommitNotice: (message: Message) => boolean;
  /** Sends held notices whose time is up. */
  readonly send: (messages: Message[]) => void;
}

/**
 * A leader's commit-only appends, held briefly for a ride. When a write commits, Raft tells
 * every follower at once with an empty MsgApp, and each answers it: two socket writes and two
 * reads on the leader per write, and a Raft pass on each follower, for news no one there is
 * waiting for when the clients are all on the leader. The next append (the next write) or
 * heartbeat carries the commit index anyway. So a notice to a follower is held until another
 * message to that follower goes out (which supersedes it, or takes it along) or for at most
 * commitNoticeHoldMs, which bounds how much later a follower applies (its watchers,
 * serializable reads). A follower that forwarded a proposal or asked for a read index in the
 * last `urgentMs` has a client waiting on our commits: its notices go at once, as before. So
 * does one that said in that time that it has watchers (`wanted`): held, a follower's
 * watchers heard of each write 2-3 ms after the leader's did, against 0.1-0.4 ms when sent.
 *
 * Safety does not depend on any of this: Raft tolerates a lost or late message, and a commit
 * index only ever travels with messages that carry it.
 *
 * Under a 1-client put load on 3 members this took leader and follower work per put down
 * by a pair of messages each (see docs/design-notes.md for the measurement).
 */
export class CommitNotices {
  // Per follower: the latest notice, and since when that follower has had one waiting.
  private readonly held = new Map<NodeId, { message: Message; since: number }>();
  private readonly urgentUntil = new Map<NodeId, number>();
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: CommitNoticeOptions) {}

  /** Notes a message received from a peer: is that follower waiting on our commits? */
  heard(message: Message): void {
    if (message.type !== 'MsgProp' && message.type !== 'MsgReadIndex') return;
    this.wanted(message.from);
  }

  /** The follower has clients waiting on our commits (for `urgentMs` from now). */
  wanted(follower: NodeId): void {
    this.urgentUntil.set(follower, this.options.clock.now() + this.options.urgentMs);
  }

  /** What to send now, in order: notices to idle followers are held back. */
  filter(messages: readonly Message[]): Message[] {
    const out: Message[] = [];
    for (const m of messages) {
      const held = this.held.get(m.to);
      if (this.options.isCommitNotice(m) && !this.urgent(m.to)) {
        // A newer notice carries a commit index at least as high: it replaces the older,
        // and the follower has been waiting since the older.
        this.held.set(m.to, { message: m, since: held?.since ?? this.options.clock.now() });
        continue;
      }
      if (held !== undefined) {
        this.held.delete(m.to);
        if (!carriesCommit(m, held.message.commit)) out.push(held.message);
      }
      out.push(m);
    }
    if (this.held.size > 0) this.armTimer();
    return out;
  }

  /** Drops what is held, and its timer (the member is closing). */
  clear(): void {
    this.held.clear();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private urgent(to: NodeId): boolean {
    const until = this.urgentUntil.get(to);
    return until !== undefined && this.options.clock.now() < until;
  }

  // One timer, for the notice held longest. Each notice waits its own full hold: a timer
  // armed by an earlier notice must not flush one held a moment ago, which the next append
  // (at a write a millisecond, under a 1-client load) would have carried: that was 0.6 of
  // a notice sent alone per write.
  private armTimer(): void {
    if (this.cancelTimer !== undefined) return;
    let oldest = Infinity;
    for (const { since } of this.held.values()) oldest = Math.min(oldest, since);
    const wait = Math.max(0, oldest + commitNoticeHoldMs - this.options.clock.now());
    this.cancelTimer = this.options.clock.after(wait, () => {
      this.cancelTimer = undefined;
      const now = this.options.clock.now();
      const due: Message[] = [];
      for (const [to, { message, since }] of this.held) {
        if (since + commitNoticeHoldMs > now) continue;
        due.push(message);
        this.held.delete(to);
      }
      if (this.held.size > 0) this.armTimer();
      if (due.length > 0) this.options.send(due);
    });
  }
}

/** Whether `m` tells its receiver of a commit index of at least `commit`. */
function carriesCommit(m: Message, commit: number): boolean {
  return (m.type === 'MsgApp' || m.type === 'MsgHeartbeat') && m.commit >= commit;
}
