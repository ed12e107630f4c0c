import { ConcordError } from '../base/errors.js';
import type { Member } from './member.js';
import { memberDefaults } from './member-options.js';

/**
 * Refuses writes that grow the database past --quota-backend-bytes, raising the NOSPACE
 * alarm through Raft (every member then refuses them, as etcd does, until an operator
 * compacts, defragments and disarms). Reads and deletes still go through.
 */
export class Quota {
  /**
   * The database's size in use, read at most every dbSizeRefreshMs while under the quota
   * (reading it costs a few lmdb stat calls).
   */
  private dbSize = { bytes: 0, at: Number.NEGATIVE_INFINITY };

  constructor(private readonly member: Member) {}

  check(): void {
    const m = this.member;
    const now = m.options.clock.now();
    // Read afresh when over the quota too: a reading from before a compaction would refuse,
    // and raise NOSPACE again, for a while after an operator freed the space and disarmed.
    const over = this.dbSize.bytes > m.options.quotaBackendBytes;
    if (over || now - this.dbSize.at >= memberDefaults.dbSizeRefreshMs) {
      // In use, not the file's size: LMDB reuses freed pages but never shrinks its file, so
      // a quota on the file could not be cleared by compacting (etcd's way out of NOSPACE).
      this.dbSize = { bytes: m.stateMachine.backend.sizeInUseBytes(), at: now };
    }
    if (this.dbSize.bytes <= m.options.quotaBackendBytes) return;
    const raised = m.stateMachine.alarms('NOSPACE').some((a) => a.memberId === m.identity.memberId);
    if (!raised) {
      m.logger.warn('alarm raised: NOSPACE (database over --quota-backend-bytes)', {
        dbSize: this.dbSize.bytes,
        quota: m.options.quotaBackendBytes,
      });
      const request = {
        action: 'ACTIVATE',
        memberId: m.identity.memberId,
        alarm: 'NOSPACE',
      } as const;
      m.propose({ type: 'alarm', request }).catch(() => undefined); // retried on the next write
    }
    throw new ConcordError('NoSpace', 'etcdserver: mvcc: database space exceeded');
  }
}
