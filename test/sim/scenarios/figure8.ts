import { Prng } from '../../../src/base/prng.js';
import type { Message, NodeId } from '../../../src/raft/types.js';
import type { SimBug } from '../bugs.js';
import { Checkers } from '../checkers/index.js';
import { Cluster } from '../cluster.js';
import { productionNodes } from '../core.js';
import type { MemberSettings } from '../member.js';
import { SimNetwork, perfectNetwork } from '../network.js';
import { encodeWrite } from '../state-machine.js';
import { MemoryLog } from '../memory-log.js';
import { Trace } from '../trace.js';
import { Violations } from '../violations.js';

export interface ScenarioResult {
  readonly violations: readonly string[];
  readonly trace: readonly string[];
  /** Whether the earlier term's entry was committed by counting replicas (step 4). */
  readonly committedByCounting: boolean;
}

// No spontaneous elections: the script decides who campaigns and when.
const settings: MemberSettings = {
  electionTicks: 1000,
  heartbeatTicks: 1,
  preVote: false,
  checkQuorum: false,
  snapshotEntries: 1_000_000,
  compactKeep: 0,
  sendBeforePersist: false,
  ackBeforePersist: false,
};

/**
 * The Raft paper's Figure 8 (section 5.4.2), scripted against the production core on five
 * members. S1 leads term a and replicates entry k only to S2; S5 wins term b with S3 and S4
 * and appends its own entry k; S1 wins term c, and the adversary lets only S1's term-a entry
 * through to S3 (cutting its term-c entries off the MsgApps), so a majority holds entry k of
 * term a. A correct leader must not commit it: S5 can still win term d and overwrite it. A
 * leader that commits by counting replicas does, and then S5 overwrites a committed entry.
 */
export async function runFigure8(bugs: readonly SimBug[] = []): Promise<ScenarioResult> {
  const trace = new Trace(100);
  const violations = new Violations(() => cluster.now);
  const checkers = new Checkers(violations);
  const network = new SimNetwork(new Prng(8), perfectNetwork);
  const cluster: Cluster = new Cluster({
    settings,
    createNode: productionNodes(new Set(bugs)),
    network,
    prng: new Prng(88),
    trace,
    checkers,
    bugs: new Set(bugs),
    createLog: () => new MemoryLog(),
  });
  const ids: NodeId[] = [1n, 2n, 3n, 4n, 5n];
  for (const id of ids) await cluster.addMember(id, ids);
  const run = async (ticks: number): Promise<void> => {
    for (let i = 0; i < ticks && !violations.any; i++) await cluster.tick();
  };
  const campaign = async (id: NodeId): Promise<void> => {
    trace.record(cluster.now, `script: ${id} campaigns`);
    await cluster.act(id, (m) => m.raft.campaign());
    await run(10);
  };

  // 0. One tick: every member applies the bootstrap AddNode entries, learning the voters.
  await run(1);
  // 1. S1 leads term a; everyone has its no-op.
  await campaign(1n);
  await run(10);
  const termA = cluster.member(1n).term;
  // 2. Entry k reaches only S2.
  network.partition([
    [1n, 2n],
    [3n, 4n, 5n],
  ]);
  await cluster.act(1n, (m) => m.raft.propose(encodeWrite('k-of-term-a')));
  await run(10);
  const k = cluster.member(1n).storage.lastIndex();
  // 3. S1 down; S5 wins term b with S3 and S4 and appends entry k of term b, which never
  //    leaves it; then S5 goes down.
  cluster.crash(1n, 'script');
  network.heal();
  network.partition([
    [1n, 2n],
    [3n, 4n, 5n],
  ]);
  network.adversary = (m) => (m.from === 5n && m.type === 'MsgApp' ? undefined : m);
  await campaign(5n);
  cluster.crash(5n, 'script');
  network.adversary = undefined;
  // 4. S1 back; it wins term c (a second campaign: its first term is the one S3 and S4
  //    already voted in). Only its term-a entries reach the others.
  await cluster.restart(1n);
  network.heal();
  network.isolate(5n, ids);
  network.adversary = (m) => (m.from === 1n ? withoutTermsAbove(m, termA) : m);
  await campaign(1n);
  await campaign(1n);
  await run(20);
  const committedByCounting = cluster.member(1n).raft.status().commit >= k;
  trace.record(cluster.now, `script: S1 commit ${cluster.member(1n).raft.status().commit}, k=${k}`);
  // 5. S1 down; S5 back, and wins term d with S2, S3 and S4: its entry k replaces S1's.
  cluster.crash(1n, 'script');
  network.adversary = undefined;
  network.heal();
  network.isolate(1n, ids);
  await cluster.restart(5n);
  await campaign(5n);
  await campaign(5n);
  await run(30);
  return { violations: violations.messages, trace: trace.tail(), committedByCounting };
}

/** The MsgApp with its entries of terms above `term` cut off (the adversary's edit). */
function withoutTermsAbove(m: Message, term: number): Message {
  if (m.type !== 'MsgApp') return m;
  const kept = m.entries.filter((entry) => entry.term <= term);
  return kept.length === m.entries.length
    ? m
    : { ...m, entries: kept, commit: Math.min(m.commit, m.index + kept.length) };
}
