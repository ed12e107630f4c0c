// A bounded randomized test: the store against a plain model (a full copy of the key space per
// revision), over random puts, range deletes, txns, compactions, historical ranges with limits,
// and a restart in the middle. Replay a failure with its seed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import type { StateMachine } from '../../src/mvcc/state-machine.js';
import type { RangeRequest } from '../../src/mvcc/types.js';
import { Harness, s, t } from './helpers.js';

interface ModelKv {
  readonly value: string;
  readonly create: number;
  readonly mod: number;
  readonly version: number;
}

class Model {
  revision = 1;
  compacted = 0;
  private state = new Map<string, ModelKv>();
  readonly history = new Map<number, Map<string, ModelKv>>([[1, new Map()]]);

  write(changes: (state: Map<string, ModelKv>, revision: number) => boolean): void {
    const next = new Map(this.state);
    if (!changes(next, this.revision + 1)) return;
    this.revision++;
    this.state = next;
    this.history.set(this.revision, next);
  }

  put(state: Map<string, ModelKv>, revision: number, key: string, value: string): void {
    const prev = state.get(key);
    state.set(key, {
      value,
      create: prev?.create ?? revision,
      mod: revision,
      version: (prev?.version ?? 0) + 1,
    });
  }

  get current(): Map<string, ModelKv> {
    return this.state;
  }
}

const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const inRange = (k: string, start: string, end: string) => k >= start && (end === '\0' || k < end);

function run(seed: number, steps: number): void {
  const prng = new Prng(seed);
  const backend = new MemoryBackend();
  let h = new Harness(backend);
  const model = new Model();
  const ctx = () => `seed ${seed}`;

  for (let step = 0; step < steps; step++) {
    const roll = prng.int(100);
    if (roll < 45) {
      const key = prng.pick(keys);
      const value = `v${step}`;
      h.put(key, value);
      model.write((st, rev) => (model.put(st, rev, key, value), true));
    } else if (roll < 60) {
      const start = prng.pick(keys);
      const end = prng.chance(0.3) ? '\0' : prng.pick(keys);
      const deleted = h.del(start, end === start ? undefined : end).deleted;
      let expected = 0;
      model.write((st) => {
        for (const k of [...st.keys()]) {
          if (end === start ? k === start : inRange(k, start, end)) {
            st.delete(k);
            expected++;
          }
        }
        return expected > 0;
      });
      assert.equal(deleted, expected, ctx());
    } else if (roll < 80) {
      const [c, p, d, f] = prng.shuffle([...keys]).slice(0, 4) as [string, string, string, string];
      const version = prng.int(3);
      const r = h.txn({
        compare: [{ target: 'VERSION', result: 'EQUAL', key: s(c), version }],
        success: [
          { requestPut: { key: s(p), value: s(`t${step}`) } },
          { requestDeleteRange: { key: s(d) } },
        ],
        failure: [
          { requestPut: { key: s(f), value: s(`f${step}`) } },
          { requestRange: { key: s(c) } },
        ],
      });
      const succeeded = (model.current.get(c)?.version ?? 0) === version;
      assert.equal(r.succeeded, succeeded, ctx());
      model.write((st, rev) => {
        if (!succeeded) return (model.put(st, rev, f, `f${step}`), true);
        model.put(st, rev, p, `t${step}`);
        st.delete(d);
        return true;
      });
    } else if (roll < 85 && model.revision > model.compacted + 1) {
      const revision = prng.range(model.compacted + 1, model.revision);
      h.compact(revision);
      model.compacted = revision;
      h.sm.compactStep(prng.range(1, 5));
    } else if (roll < 87) {
      // Restart: a new state machine over the same backend.
      h.sm.compactStep(prng.range(1, 3));
      const index = h.index;
      h = new Harness(backend);
      assert.equal(h.sm.appliedIndex, index, ctx());
      assert.equal(h.sm.currentRevision, model.revision, ctx());
    }
    assert.equal(h.sm.currentRevision, model.revision, ctx());
    checkRange(h.sm, model, prng, ctx);
  }
  while (!h.sm.compactStep(7));
  checkRange(h.sm, model, prng, ctx);
}

function checkRange(sm: StateMachine, model: Model, prng: Prng, ctx: () => string): void {
  const revision = prng.range(Math.max(model.compacted, 1), model.revision);
  const start = prng.pick(keys);
  const end = prng.chance(0.2) ? '\0' : prng.pick(['', ...keys, 'z']);
  const limit = prng.chance(0.5) ? 0 : prng.range(1, 4);
  const req: RangeRequest = {
    key: s(start),
    ...(end === '' ? {} : { rangeEnd: s(end) }),
    revision,
    limit,
  };
  const got = sm.range(req);
  const state = model.history.get(revision)!;
  const matching = [...state.entries()]
    .filter(([k]) => (end === '' ? k === start : inRange(k, start, end)))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const want = (limit > 0 ? matching.slice(0, limit) : matching).map(
    ([k, kv]) => `${k}=${kv.value}@${kv.create}/${kv.mod}/${kv.version}`,
  );
  assert.deepEqual(
    {
      kvs: got.kvs.map(
        (kv) => `${t(kv.key)}=${t(kv.value)}@${kv.createRevision}/${kv.modRevision}/${kv.version}`,
      ),
      count: got.count,
      more: got.more,
    },
    { kvs: want, count: matching.length, more: limit > 0 && matching.length > limit },
    `${ctx()}: range ${start}..${end} at ${revision} limit ${limit}`,
  );
}

describe('store vs model (randomized, bounded)', () => {
  const seeds =
    process.env.MVCC_SEED !== undefined
      ? [Number(process.env.MVCC_SEED)]
      : [1, 2, 3, 4, 5, 6, 7, 8];
  for (const seed of seeds) {
    it(`seed ${seed}`, () => run(seed, 600));
  }

  it('gives equal hashes to two members replaying the same seed with different compaction progress', () => {
    const a = new Harness();
    const b = new Harness();
    const prng = new Prng(99);
    for (let i = 0; i < 300; i++) {
      const key = prng.pick(keys);
      if (prng.chance(0.2)) {
        a.del(key);
        b.del(key);
      } else {
        a.put(key, `${i}`);
        b.put(key, `${i}`);
      }
      if (i % 50 === 49) {
        a.compact(a.sm.currentRevision - 10);
        b.compact(b.sm.currentRevision - 10);
        while (!a.sm.compactStep(3));
      }
    }
    assert.deepEqual(a.sm.hashKv(), b.sm.hashKv());
    assert.deepEqual(a.sm.hashKv(a.sm.currentRevision - 5), b.sm.hashKv(b.sm.currentRevision - 5));
  });
});
