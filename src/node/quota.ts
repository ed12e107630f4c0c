import { ConcordError } from '../base/errors.js';
import type { Member } from './member.js';
import { memberDefaults } from './member-options.js';

/**
 * Refuses writes that grow the database past --quota-backend-bytes, raising the NOSPACE
 * alarm through Raft (every member then refuses them, as etcd does, until an operator
 * compacts, defragments and disarms). Reads and deletes still go through.
 */
export class Quota {
  /** The database size, read at most every dbSizeRefreshMs (reading it costs a syscall). */
  private dbSize = { bytes: 0, at: Number.NEGATIVE_INFINITY };

  constructor(private readonly member: Member) {}

  check(): void {
    const m = this.member;
    const now = m.options.clock.now();
    if (now - this.dbSize.at >= memberDefaults.dbSizeRefreshMs) {
      this.dbSize = { bytes: m.stateMachine.backend.sizeBytes(), at: now };
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
