/**
 * The FakeMember's maintenance state: alarms (applied at once), a snapshot whose bytes a test
 * chooses, defragment and leader-transfer bookkeeping the tests can observe.
 */
import { ConcordError } from '../../../src/base/errors.js';
import type { AlarmMember, AlarmRequest, SnapshotReader } from '../../../src/node/api.js';

export class FakeMaintenance {
  readonly alarms: AlarmMember[] = [];
  /** The bytes Snapshot streams (several 32 KiB messages' worth, not 512-aligned, by default). */
  snapshotBytes: Uint8Array = patterned(100_000);
  /** Snapshot iterations started and not yet finished or released. */
  openSnapshots = 0;
  defragmented = 0;

  alarm(request: AlarmRequest): readonly AlarmMember[] {
    const { action, memberId, alarm } = request;
    if (action === 'GET') {
      return this.alarms.filter((active) => alarm === 'NONE' || active.alarm === alarm);
    }
    if (alarm === 'NONE') return [];
    const at = this.alarms.findIndex((a) => a.memberId === memberId && a.alarm === alarm);
    if (action === 'ACTIVATE') {
      if (at >= 0) return [this.alarms[at] as AlarmMember];
      const raised = { memberId, alarm };
      this.alarms.push(raised);
      return [raised];
    }
    if (at < 0) return [];
    return this.alarms.splice(at, 1);
  }

  snapshot(): SnapshotReader {
    const bytes = this.snapshotBytes;
    const opened = (delta: number): void => {
      this.openSnapshots += delta;
    };
    // Uneven chunks, so the server's re-chunking into 32 KiB messages is exercised.
    async function* chunks(): AsyncGenerator<Uint8Array> {
      opened(1);
      try {
        for (let at = 0; at < bytes.length; at += 10_007) {
          await Promise.resolve();
          yield bytes.subarray(at, Math.min(bytes.length, at + 10_007));
        }
      } finally {
        opened(-1);
      }
    }
    return { size: bytes.length, chunks: chunks() };
  }

  /** The uint32 "hash" of a revision: deterministic, distinct per revision. */
  static hashOf(revision: number): number {
    return Math.imul(revision, 2654435761) >>> 0;
  }

  static check(revision: number, compacted: number, current: number): void {
    // etcd's HashByRev: the compacted revision itself can still be hashed.
    if (revision !== 0 && revision < compacted) throw new ConcordError('RevisionCompacted');
    if (revision > current) throw new ConcordError('FutureRevision');
  }
}

export function patterned(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}
