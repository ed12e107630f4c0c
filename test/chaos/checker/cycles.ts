import type { DependencyGraph, Edge, EdgeType } from './dependency-graph.js';
import type { Anomaly } from './result.js';
import type { Txn } from './txn-history.js';

/** A cycle in the dependency graph, named as Adya and Elle name it. */
export interface TxnCycle extends Anomaly {
  readonly checker: 'txn';
  /** 'G0' (ww only), 'G1c' (ww, wr), 'G-single' (exactly one rw), 'G2' (several rw), each
   *  with '-realtime' when the cycle needs a real-time edge (serializable, not strictly). */
  readonly kind: string;
  readonly cycle: readonly Edge[];
}

/** Cycles through a "backward" data edge reported at most (the rest are counted). */
const backwardShownMax = 20;

const G0 = new Set<EdgeType>(['ww']);
const G1 = new Set<EdgeType>(['ww', 'wr']);
const G2 = new Set<EdgeType>(['ww', 'wr', 'rw']);
const forwardRealtime = new Set<EdgeType>(['ww', 'wr', 'realtime']);
const all = new Set<EdgeType>(['ww', 'wr', 'rw', 'realtime']);

/**
 * Every cycle worth showing, most severe and smallest first, the way Elle searches: in each
 * strongly connected component, first a cycle of ww edges only (G0), then ww and wr (G1c),
 * then one with a single rw edge (G-single), then any (G2). Then real time: each data edge
 * that points backward in time (its target completed before its source was invoked: a stale
 * read, a read from the future, a lost write) closes a cycle with the real-time path back,
 * and is reported on its own.
 */
export function findCycles(graph: DependencyGraph, txns: readonly Txn[]): TxnCycle[] {
  const found: TxnCycle[] = [];
  for (const component of graph.stronglyConnectedComponents()) {
    const within = new Set(component);
    const data = dataCycles(graph, within);
    found.push(...data.map((cycle) => named(cycle, txns)));
    const backward = backwardEdges(graph, within, txns);
    // Each closed by a breadth-first search: only as many as are shown.
    for (const edge of backward.slice(0, backwardShownMax)) {
      const back = graph.shortestPath(edge.to, edge.from, forwardRealtime);
      if (back !== undefined) found.push(named([edge, ...back], txns));
    }
    if (backward.length > backwardShownMax) {
      const more = backward.length - backwardShownMax;
      const edge = backward[backwardShownMax]!;
      // Named as its cycle would be: the edge, and real time back (not searched for).
      const example = named([edge, { from: edge.to, to: edge.from, type: 'realtime' }], txns);
      found.push({ ...example, message: `... and ${more} more data edges backward in time` });
    }
    if (data.length === 0 && backward.length === 0) {
      const cycle = graph.shortestCycle(component, all);
      if (cycle !== undefined) found.push(named(cycle, txns));
    }
  }
  return found;
}

/** One cycle per component of data edges only, of the most severe kind it has. */
function dataCycles(graph: DependencyGraph, within: ReadonlySet<number>): Edge[][] {
  for (const types of [G0, G1]) {
    const components = graph.stronglyConnectedComponents(types, within);
    if (components.length > 0) return components.map((c) => graph.shortestCycle(c, types)!);
  }
  const components = graph.stronglyConnectedComponents(G2, within);
  return components.map((c) => singleAntiDependency(graph, c) ?? graph.shortestCycle(c, G2)!);
}

/** A cycle with exactly one rw edge (G-single): an rw edge and a path back without any. */
function singleAntiDependency(
  graph: DependencyGraph,
  component: readonly number[],
): Edge[] | undefined {
  const inside = new Set(component);
  let best: Edge[] | undefined;
  for (const node of component) {
    for (const edge of graph.edgesFrom(node)) {
      if (edge.type !== 'rw' || !inside.has(edge.to)) continue;
      const back = graph.shortestPath(edge.to, edge.from, G1);
      if (back !== undefined && (best === undefined || back.length + 1 < best.length))
        best = [edge, ...back];
    }
  }
  return best;
}

/** Each data edge whose target completed before its source was invoked: the path back in
 *  real time (ww, wr and realtime edges; it exists, since real time is transitive) closes a
 *  cycle. Ordered ww, wr, rw: G0-realtime is the most severe. */
function backwardEdges(
  graph: DependencyGraph,
  within: ReadonlySet<number>,
  txns: readonly Txn[],
): Edge[] {
  const edges: Edge[] = [];
  for (const node of within) {
    for (const edge of graph.edgesFrom(node)) {
      if (edge.type === 'realtime' || !within.has(edge.to)) continue;
      const target = txns[edge.to]!.op;
      if (target.returnTime !== undefined && target.returnTime < txns[edge.from]!.op.invokeTime)
        edges.push(edge);
    }
  }
  const rank: Record<EdgeType, number> = { ww: 0, wr: 1, rw: 2, realtime: 3 };
  return edges.sort((a, b) => rank[a.type] - rank[b.type]);
}

function named(cycle: readonly Edge[], txns: readonly Txn[]): TxnCycle {
  const count = (type: EdgeType): number => cycle.filter((e) => e.type === type).length;
  const base =
    count('rw') === 1 ? 'G-single' : count('rw') > 1 ? 'G2' : count('wr') > 0 ? 'G1c' : 'G0';
  const kind = count('realtime') > 0 ? `${base}-realtime` : base;
  const steps = cycle
    .map((e) => `T${e.from} -${e.type}${e.key !== undefined ? `(${e.key})` : ''}-> `)
    .join('');
  return {
    checker: 'txn',
    kind,
    message: `${kind} cycle: ${steps}T${cycle[0]!.from}`,
    ops: cycle.map((e) => txns[e.from]!.op),
    cycle,
  };
}
