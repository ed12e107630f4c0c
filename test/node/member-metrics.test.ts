// What a member reports for /metrics and its logs, in-process on a real temp directory: the
// counts it keeps, the durations it observes, and the warnings it logs (a slow fdatasync on a
// disk that takes over a second, an apply slower than --warning-apply-duration).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConcordError } from '../../src/base/errors.js';
import type { Disk, DiskFile } from '../../src/env/disk.js';
import type { LogFields, Logger } from '../../src/env/logger.js';
import { RealDisk } from '../../src/env/real-disk.js';
import { Member } from '../../src/node/member.js';
import type { MemberObserver } from '../../src/node/member-metrics.js';
import type { MemberOptions } from '../../src/node/member-options.js';
import { encodeRequest } from '../../src/mvcc/request-codec.js';
import { message } from '../../src/raft/message.js';
import { soloMemberOptions } from '../helpers/solo-member.js';
import { eventually } from '../helpers/wait.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly fields: LogFields;
}

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: LogFields = {}): void =>
      void lines.push({ level, msg, fields });
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

/**
 * The real disk, whose fdatasyncs take `fsyncDelayMs` longer while it is set, in the thread
 * pool or on the calling thread (the WAL's segments are opened under temporary names, so
 * every file is slowed, not just "*.wal").
 */
class SlowDisk extends RealDisk {
  fsyncDelayMs = 0;

  override async open(path: string, mode: Parameters<Disk['open']>[1]): Promise<DiskFile> {
    const file = await super.open(path, mode);
    const fdatasync = file.fdatasync.bind(file);
    file.fdatasync = async () => {
      await fdatasync();
      if (this.fsyncDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, this.fsyncDelayMs));
    };
    const fdatasyncNow = file.fdatasyncNow?.bind(file);
    if (fdatasyncNow !== undefined) {
      file.fdatasyncNow = () => {
        fdatasyncNow();
        if (this.fsyncDelayMs > 0) Atomics.wait(blocker, 0, 0, this.fsyncDelayMs);
      };
    }
    return file;
  }
}

/** A disk whose fdatasyncs (always off-thread) wait for `release`, which may fail them. */
class HeldDisk extends RealDisk {
  held = false;
  private waiting: ((error?: Error) => void)[] = [];

  get waitingSyncs(): number {
    return this.waiting.length;
  }

  release(error?: Error): void {
    this.held = false;
    for (const done of this.waiting.splice(0)) done(error);
  }

  override async open(path: string, mode: Parameters<Disk['open']>[1]): Promise<DiskFile> {
    const file = await super.open(path, mode);
    const fdatasync = file.fdatasync.bind(file);
    file.fdatasyncNow = undefined;
    file.fdatasync = async () => {
      await fdatasync();
      if (!this.held) return;
      await new Promise<void>((resolve, reject) =>
        this.waiting.push((error) => (error === undefined ? resolve() : reject(error))),
      );
    };
    return file;
  }
}

// Atomics.wait on it blocks the thread for the given time: a disk that holds the caller.
const blocker = new Int32Array(new SharedArrayBuffer(4));

async function openMember(
  overrides: Partial<MemberOptions>,
): Promise<{ member: Member; lines: Line[]; observed: { fsyncs: number[]; commits: number[] } }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-member-metrics-'));
  dirs.push(dataDir);
  const { logger, lines } = capture();
  const observed = { fsyncs: [] as number[], commits: [] as number[] };
  const observer: MemberObserver = {
    walFsync: (seconds) => observed.fsyncs.push(seconds),
    backendCommit: (seconds) => observed.commits.push(seconds),
    peerRoundTrip: () => undefined,
  };
  const member = await Member.open(
    soloMemberOptions(dataDir, { initialClusterToken: 'metrics', logger, observer, ...overrides }),
  );
  await eventually(
    'the member to lead',
    () => member.metrics().leader,
    (lead) => lead !== 0n,
  );
  return { member, lines, observed };
}

describe('member metrics and logs', () => {
  it('counts leader changes, proposals, leases and at-most-once duplicates, and observes disk times', async () => {
    const { member, lines, observed } = await openMember({});
    try {
      for (let i = 0; i < 5; i++) await member.put({ key: enc(`k${i}`), value: enc('v') });
      const identity = { clientId: 'c', sequence: 1 };
      await member.put({ key: enc('once'), value: enc('1') }, { identity });
      await member.put({ key: enc('once'), value: enc('1') }, { identity });
      const lease = await member.leaseGrant(0n, 60);
      await member.leaseRevoke(lease.response.id);
      const m = member.metrics();
      assert.equal(m.leader, m.memberId);
      assert.equal(m.counters.leaderChangesSeen, 1, 'one election: one change');
      assert.equal(m.currentRevision, 7, 'five puts and one applied once, after revision 1');
      assert.equal(m.appliedIndex, m.commitIndex);
      assert.equal(m.proposalsPending, 0);
      assert.equal(m.counters.atMostOnceDuplicates, 1);
      assert.equal(m.counters.leasesGranted, 1);
      assert.equal(m.counters.leasesRevoked, 1);
      assert.equal(m.counters.proposalsFailed, 0);
      assert.ok(m.dbSizeBytes > 0);
      assert.ok(observed.fsyncs.length > 0 && observed.fsyncs.every((s) => s >= 0 && s < 60));
      assert.ok(observed.commits.length > 0);
      const changed = lines.find((l) => l.msg === 'leader changed');
      assert.ok(changed !== undefined && changed.level === 'info');
      assert.equal(changed.fields.leader, m.memberId.toString(16));
      assert.equal(changed.fields.term, m.term);
      assert.ok(!lines.some((l) => l.level === 'error'), 'no error on a healthy member');
    } finally {
      await member.close();
    }
  });

  it("logs 'slow fdatasync' with took and expected-duration when the WAL disk takes over a second", async () => {
    const disk = new SlowDisk();
    const { member, lines, observed } = await openMember({ disk });
    try {
      disk.fsyncDelayMs = 1100;
      await member.put({ key: enc('slow'), value: enc('disk') });
      disk.fsyncDelayMs = 0;
      const slow = lines.find((l) => l.msg === 'slow fdatasync');
      assert.ok(slow !== undefined, JSON.stringify(lines));
      assert.equal(slow.level, 'warn');
      assert.equal(slow.fields['expected-duration'], '1s');
      assert.match(String(slow.fields.took), /^\d+(\.\d+)?s$/);
      assert.ok(
        observed.fsyncs.some((s) => s >= 1.1),
        'the histogram got the slow sample',
      );
    } finally {
      await member.close();
    }
  });

  it("logs 'apply request took too long' and counts it past --warning-apply-duration", async () => {
    const { member, lines } = await openMember({ warningApplyDurationMs: 0 });
    try {
      await member.put({ key: enc('k'), value: enc('v') });
      assert.ok(member.metrics().counters.slowApplies >= 1);
      const slow = lines.find((l) => l.msg === 'apply request took too long');
      assert.ok(slow !== undefined && slow.level === 'warn');
      assert.equal(slow.fields['expected-duration'], '0s');
      assert.equal(typeof slow.fields.term, 'number');
      // The first slow pass may be the bootstrap entries', before there was a leader ("0").
      assert.match(String(slow.fields.leader), /^[0-9a-f]+$/);
    } finally {
      await member.close();
    }
  });

  it('counts a failed proposal once, where it was made, not again on the leader it was forwarded to', async () => {
    const disk = new HeldDisk();
    const { member } = await openMember({ disk });
    try {
      const raft = member.raw.raft;
      disk.held = true;
      // The first write's pass waits on its fdatasync; the next write and one a follower
      // forwarded queue behind it, and go down with it when the fdatasync fails.
      const first = member.put({ key: enc('a'), value: enc('1') });
      await eventually(
        'the first pass to wait on its fdatasync',
        () => disk.waitingSyncs,
        (n) => n > 0,
      );
      const second = member.put({ key: enc('b'), value: enc('2') });
      const forwarded = encodeRequest({
        id: 0x7777n,
        request: { type: 'put', request: { key: enc('c'), value: enc('3') } },
      } as Parameters<typeof encodeRequest>[0]);
      member.driver.step(
        message({
          type: 'MsgProp',
          from: 0x5eedn,
          to: raft.id,
          term: raft.term,
          entries: [{ term: 0, index: 0, type: 'Normal', data: forwarded }],
        }),
      );
      assert.equal(member.metrics().proposalsPending, 2, 'the two local writes wait');
      disk.release(new ConcordError('Io', 'I/O error: held disk: failed on purpose'));
      await assert.rejects(first);
      await assert.rejects(second);
      // Both local writes failed and count once each; the forwarded one counts where it was made.
      assert.equal(member.metrics().counters.proposalsFailed, 2);
    } finally {
      await member.close();
    }
  });
});
