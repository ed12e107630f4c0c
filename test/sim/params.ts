import type { Prng } from '../../src/base/prng.js';
import type { SimBug } from './bugs.js';
import type { FaultSettings } from './faults.js';
import type { MemberSettings } from './member.js';
import type { OperatorSettings } from './operator.js';
import type { DiskLogSettings } from './disk-log.js';
import type { LogKind } from './member-log.js';
import type { WorkloadSettings } from './workload.js';

/** Everything a run's seed decides before the first tick. */
export interface RunParams {
  readonly member: MemberSettings;
  readonly faults: FaultSettings;
  readonly workload: WorkloadSettings;
  readonly operator: OperatorSettings;
  readonly disk: DiskLogSettings;
  /** The liveness bound: ticks after healing by which a leader must exist and all writes commit. */
  readonly healTicks: number;
}

/**
 * Draws a run's settings from its seed: some runs are calm, some lossy, some crash-heavy, so
 * a batch of seeds covers the space instead of averaging it out. Planted bugs bias the
 * settings towards the faults that expose them.
 */
export function drawParams(
  prng: Prng,
  options: { members: number; bugs: ReadonlySet<SimBug>; log: LogKind },
): RunParams {
  const { members, bugs } = options;
  const electionTicks = prng.range(8, 16);
  const ackBeforePersist = bugs.has('ackBeforePersist');
  const member: MemberSettings = {
    electionTicks,
    heartbeatTicks: prng.range(1, 3),
    preVote: prng.chance(0.7),
    checkQuorum: bugs.has('localRead') ? false : prng.chance(0.7),
    snapshotEntries: prng.range(4, 40),
    compactKeep: prng.range(0, 5),
    sendBeforePersist: prng.chance(0.5),
    ackBeforePersist,
  };
  const faults: FaultSettings = {
    network: {
      dropRate: prng.pick([0, 0.01, 0.05, 0.15]),
      duplicateRate: prng.pick([0, 0.02, 0.1]),
      delayTicksMax: prng.range(1, 6),
    },
    partitionRate: prng.pick([0, 0.005, 0.02]),
    partitionTicksMax: prng.range(10, 100),
    crashRate: prng.pick([0, 0.002, 0.01]),
    downTicksMax: prng.range(5, 80),
    readyCrashRate: ackBeforePersist
      ? 0.02
      : options.log === 'wal'
        ? prng.pick([0.001, 0.005, 0.01])
        : prng.pick([0, 0.001, 0.005]),
    // With acks sent before the persist, a crash right there loses what was acknowledged.
    crashPoints: ackBeforePersist
      ? ['beforePersist']
      : options.log === 'wal'
        ? [
            'beforePersist',
            'duringPersist',
            'duringPersist',
            'afterPersist',
            'afterSend',
            'afterApply',
          ]
        : ['beforePersist', 'afterPersist', 'afterSend', 'afterApply'],
    disk: { keepRate: 0.7, tearRate: 0.5, flipRate: prng.pick([0, 0.3, 0.6]) },
  };
  const workload: WorkloadSettings = {
    clients: prng.range(1, 8),
    writeRate: 0.3,
    readRate: 0.3,
    retryTicks: 3 * electionTicks,
    readTimeoutTicks: 4 * electionTicks,
    localRead: bugs.has('localRead'),
    batchRate: prng.pick([0, 0.2, 0.6]),
  };
  const operator: OperatorSettings = {
    actionRate: prng.pick([0, 0.005, 0.02]),
    votersMin: 3,
    votersMax: 7,
    membersMax: members + 6,
  };
  const disk: DiskLogSettings = {
    segmentBytes: prng.pick([2048, 8192, 65536]),
    snapshotsKeep: prng.pick([1, 2, 5]),
    segmentsKeep: prng.pick([1, 2, 5]),
  };
  return { member, faults, workload, operator, disk, healTicks: 40 * electionTicks };
}
