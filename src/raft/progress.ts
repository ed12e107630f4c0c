import { assert } from '../base/assert.js';
import { Inflights } from './inflights.js';

/**
 * How the leader is replicating to one follower (etcd's three states):
 * - Probe: the leader does not know where the follower's log matches; it sends one MsgApp at
 *   a time and waits for the answer (or a heartbeat response) before the next.
 * - Replicate: the logs match up to `match`; the leader streams MsgApps optimistically, up to
 *   the inflight window.
 * - Snapshot: the follower needs a snapshot; nothing else is sent until it is applied.
 */
export type ProgressState = 'Probe' | 'Replicate' | 'Snapshot';

export class Progress {
  // Invariant: match < next.
  match = 0;
  next = 1;
  state: ProgressState = 'Probe';
  /** In Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Sending is paused: a probe is outstanding (Probe), or the window is full (Replicate). */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;

  constructor(options: {
    next: number;
    match?: number;
    inflightMessagesMax: number;
    inflightBytesMax?: number;
    isLearner: boolean;
  }) {
    this.next = options.next;
    this.match = options.match ?? 0;
    this.inflights = new Inflights(options.inflightMessagesMax, options.inflightBytesMax);
    this.isLearner = options.isLearner;
    assert(this.match < this.next, () => `progress match ${this.match} >= next ${this.next}`);
  }

  isLearner: boolean;

  becomeProbe(): void {
    if (this.state === 'Snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('Probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('Probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('Replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('Snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** Accounts for a MsgApp carrying `entries` entries (`bytes` in all) that was just sent. */
  sentEntries(entries: number, bytes: number): void {
    switch (this.state) {
      case 'Replicate':
        if (entries > 0) {
          this.next += entries;
          this.inflights.add(this.next - 1, bytes);
        }
        this.msgAppFlowPaused = this.inflights.full();
        break;
      case 'Probe':
        if (entries > 0) this.msgAppFlowPaused = true;
        break;
      case 'Snapshot':
        assert(false, 'sending entries to a follower in snapshot state');
    }
  }

  /** An acknowledgement up to `index`; returns false if it was stale. */
  maybeUpdate(index: number): boolean {
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /**
   * A rejection of the MsgApp whose previous index was `rejected`; the follower hinted that
   * its log may match at `matchHint`. Returns false if the rejection was stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'Replicate') {
      // A rejection of an index already matched is stale (reordered or duplicated).
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In Probe state only the rejection of the outstanding probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    return this.state === 'Snapshot' || this.msgAppFlowPaused;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  toString(): string {
    const extra = this.state === 'Snapshot' ? ` pendingSnapshot=${this.pendingSnapshot}` : '';
    const learner = this.isLearner ? ' learner' : '';
    const paused = this.msgAppFlowPaused ? ' paused' : '';
    return `${this.state} match=${this.match} next=${this.next}${extra}${learner}${paused} inflight=${this.inflights.count}`;
  }
}
