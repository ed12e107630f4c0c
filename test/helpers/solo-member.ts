/**
 * The options of a one-member cluster run in the test's own process (`Member.open`): the
 * real disk and clock, fast Raft timings, and no client or peer listener of its own (the peer
 * URL only names the member).
 */
import { realClock } from '../../src/env/clock.js';
import { RealDisk } from '../../src/env/real-disk.js';
import type { MemberOptions } from '../../src/node/member-options.js';

export function soloMemberOptions(
  dataDir: string,
  overrides: Partial<MemberOptions> = {},
): MemberOptions {
  return {
    name: 'solo',
    dataDir,
    disk: new RealDisk(),
    clock: realClock,
    initialCluster: [{ name: 'solo', peerUrls: ['http://127.0.0.1:2380'] }],
    initialClusterToken: 'test',
    clientUrls: [],
    peerUrls: ['http://127.0.0.1:2380'],
    initialClusterState: 'new',
    heartbeatMs: 10,
    electionMs: 100,
    snapshotCount: 100_000,
    quotaBackendBytes: 1 << 30,
    version: 'test',
    ...overrides,
  };
}
