import { formatDuration, LogThrottle, type Logger } from '../env/logger.js';
import type { Entry } from '../raft/types.js';
import type { Member } from './member.js';
import type { MemberObserver } from './member-metrics.js';
import { memberDefaults } from './member-options.js';

/**
 * Observes each WAL fsync, warning with etcd's words when one takes longer than etcd's
 * expected fsync duration (a slow disk shows here first).
 */
export function fsyncWarnings(logger: Logger, observer: MemberObserver): (seconds: number) => void {
  return (seconds) => {
    observer.walFsync(seconds);
    const expectedMs = memberDefaults.warningFsyncDurationMs;
    if (seconds * 1000 > expectedMs) {
      logger.warn('slow fdatasync', {
        took: formatDuration(seconds * 1000),
        'expected-duration': formatDuration(expectedMs),
      });
    }
  };
}

/**
 * Times each pass over a Ready's committed entries: one slower than --warning-apply-duration
 * is counted (slow_apply_total) and logged with etcd's words (at most one line a second).
 */
export class SlowApplies {
  private readonly log = new LogThrottle(1000);

  constructor(private readonly member: Member) {}

  timed(entries: readonly Entry[], apply: () => void): void {
    const m = this.member;
    const start = performance.now();
    apply();
    const tookMs = performance.now() - start;
    const expectedMs = m.options.warningApplyDurationMs ?? memberDefaults.warningApplyDurationMs;
    if (tookMs <= expectedMs) return;
    m.counters.slowApplies++;
    const suppressed = this.log.admit(m.options.clock.now());
    if (suppressed === undefined) return;
    m.logger.warn('apply request took too long', {
      took: formatDuration(tookMs),
      'expected-duration': formatDuration(expectedMs),
      entries: entries.length,
      index: entries[entries.length - 1]?.index,
      term: m.raw.raft.term,
      leader: m.raw.raft.lead.toString(16),
      'similar-lines-suppressed': suppressed,
    });
  }
}
