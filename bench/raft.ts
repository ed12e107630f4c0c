// npm run bench:raft — entries committed per second through an in-memory 3-member cluster
// (the production Raft core, MemoryStorage, messages handed over in memory), 128-byte
// entries, with and without batching. Measures the core alone: it must never be what
// limits a real cluster (target: 200,000 entries/s on one core).
import { Prng } from '../src/base/prng.js';
import { MemoryStorage, RawNode, type Message, type NodeId } from '../src/raft/index.js';

const entryBytes = 128;
const durationMs = Number(process.env.BENCH_MS ?? 3000);

class Cluster {
  readonly nodes = new Map<NodeId, RawNode>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  committed = 0;
  private inbox: Message[] = [];

  constructor(ids: NodeId[]) {
    for (const id of ids) {
      const storage = new MemoryStorage({ voters: ids, learners: [] });
      this.storages.set(id, storage);
      this.nodes.set(id, new RawNode({ id, storage, prng: new Prng(Number(id)) }));
    }
  }

  /** Runs every member's Ready loop and delivers messages until nothing is left to do. */
  settle(leader: NodeId): void {
    for (;;) {
      let busy = false;
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          busy = true;
          const rd = node.ready();
          const storage = this.storages.get(id)!;
          if (rd.hardState) storage.setHardState(rd.hardState);
          storage.append(rd.entries);
          for (const m of rd.messages) this.inbox.push(m);
          if (id === leader) this.committed += rd.committedEntries.length;
          node.advance();
          // Keep memory flat: the log is applied, so it can go.
          const applied = node.raft.log.applied;
          if (applied > storage.firstIndex() + 50_000) storage.compact(applied - 1000);
        }
      }
      const inbox = this.inbox;
      this.inbox = [];
      for (const m of inbox) {
        busy = true;
        this.nodes.get(m.to)!.step(m);
      }
      if (!busy) return;
    }
  }
}

function run(
  batch: number,
  mode: 'propose' | 'proposeBatch',
): { entriesPerSecond: number; entries: number } {
  const cluster = new Cluster([1n, 2n, 3n]);
  const leader = cluster.nodes.get(1n)!;
  leader.campaign();
  cluster.settle(1n);
  const data = new Uint8Array(entryBytes).fill(7);
  cluster.committed = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    if (mode === 'proposeBatch') leader.proposeBatch(new Array<Uint8Array>(batch).fill(data));
    else for (let i = 0; i < batch; i++) leader.propose(data);
    cluster.settle(1n);
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return { entriesPerSecond: cluster.committed / seconds, entries: cluster.committed };
}

const cases = [
  { batch: 1, mode: 'propose' },
  { batch: 100, mode: 'propose' },
  { batch: 100, mode: 'proposeBatch' },
  { batch: 1000, mode: 'proposeBatch' },
] as const;
const results = cases.map((c) => ({ ...c, ...run(c.batch, c.mode) }));
for (const r of results) {
  const label =
    r.batch === 1
      ? 'unbatched (1 entry per Ready)'
      : r.mode === 'propose'
        ? `${r.batch} single proposals per Ready`
        : `batched (${r.batch} entries per proposal and Ready)`;
  console.log(
    `raft 3 members, ${entryBytes}-byte entries, ${label}: ${Math.round(r.entriesPerSecond).toLocaleString('en-US')} entries/s`,
  );
}
console.log(JSON.stringify({ bench: 'raft', entryBytes, durationMs, results }));
