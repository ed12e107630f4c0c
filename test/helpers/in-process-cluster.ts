/**
 * Three real members in this process, on loopback peer ports and temp data dirs, for tests
 * that look inside a member (its Raft log, its state machine) while the others run: the
 * members are the production Member with its real disk, clock and peer transport.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClock } from '../../src/env/clock.js';
import { RealDisk } from '../../src/env/real-disk.js';
import { Member } from '../../src/node/member.js';
import type { MemberOptions } from '../../src/node/member-options.js';
import { freePort } from './free-port.js';
import { eventually } from './wait.js';

export interface InProcessCluster {
  readonly members: readonly Member[];
  /** The member that is leader now, if any. */
  leader(): Member | undefined;
  /** Closes every member and removes their data dirs. */
  close(): Promise<void>;
}

/** Starts members a, b and c and waits (up to 20 s) for a leader. */
export async function startInProcessCluster(
  token: string,
  options: Partial<MemberOptions> = {},
): Promise<InProcessCluster> {
  const specs = await Promise.all(
    ['a', 'b', 'c'].map(async (name) => ({
      name,
      peerUrl: `http://127.0.0.1:${await freePort()}`,
    })),
  );
  const dirs: string[] = [];
  const members: Member[] = [];
  const cluster: InProcessCluster = {
    members,
    leader: () => members.find((m) => m.raw.raft.state === 'Leader'),
    close: async () => {
      await Promise.all(members.map((m) => m.close()));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const spec of specs) {
    const dataDir = mkdtempSync(join(tmpdir(), `concord-${token}-${spec.name}-`));
    dirs.push(dataDir);
    members.push(
      await Member.open({
        name: spec.name,
        dataDir,
        disk: new RealDisk(),
        clock: realClock,
        initialCluster: specs.map((s) => ({ name: s.name, peerUrls: [s.peerUrl] })),
        initialClusterToken: token,
        clientUrls: [],
        listenPeerUrls: [new URL(spec.peerUrl)],
        peerUrls: [spec.peerUrl],
        initialClusterState: 'new',
        heartbeatMs: 100,
        electionMs: 1000,
        snapshotCount: 100_000,
        quotaBackendBytes: 1 << 30,
        version: 'test',
        ...options,
      }),
    );
  }
  await eventually('a leader', cluster.leader, (leader) => leader !== undefined, {
    timeoutMs: 20_000,
  });
  return cluster;
}
