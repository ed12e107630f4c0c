import type { Prng } from '../../src/base/prng.js';
import type { SimBug } from './bugs.js';
import type { FaultSettings } from './faults.js';
import type { MemberSettings } from './member.js';
import type { OperatorSettings } from './operator.js';
import type { WorkloadSettings } from './workload.js';

/** Everything a run's seed decides before the first tick. */
export interface RunParams {
  readonly member: MemberSettings;
  readonly faults: FaultSettings;
  readonly workload: WorkloadSettings;
  readonly operator: OperatorSettings;
  /** The liveness bound: ticks after healing by which a leader must exist and all writes commit. */
  readonly healTicks: number;
}

/**
 * Draws a run's settings from its seed: some runs are calm, some lossy, some crash-heavy, so
 * a batch of seeds covers the space instead of averaging it out. Planted bugs bias the
 * settings towards the faults that expose them.
 */
export function drawParams(prng: Prng, members: number, bugs: ReadonlySet<SimBug>): RunParams {
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
    readyCrashRate: ackBeforePersist ? 0.02 : prng.pick([0, 0.001, 0.005]),
    // With acks sent before the persist, a crash right there loses what was acknowledged.
    crashPoints: ackBeforePersist
      ? ['beforePersist']
      : ['beforePersist', 'afterPersist', 'afterSend', 'afterApply'],
  };
  const workload: WorkloadSettings = {
    clients: prng.range(1, 5),
    writeRate: 0.3,
    readRate: 0.3,
    retryTicks: 3 * electionTicks,
    readTimeoutTicks: 4 * electionTicks,
    localRead: bugs.has('localRead'),
  };
  const operator: OperatorSettings = {
    actionRate: prng.pick([0, 0.005, 0.02]),
    votersMin: 3,
    votersMax: 7,
    membersMax: members + 6,
  };
  return { member, faults, workload, operator, healTicks: 40 * electionTicks };
}
