import type { DependencyGraph } from './dependency-graph.js';
import type { Txn } from './txn-history.js';

/**
 * Adds real-time edges (T1 completed before T2 was invoked) without adding all O(n^2) of
 * them: a completed txn that completed before another completed txn was invoked is implied
 * through that one, so each invocation only links from the current frontier of completions
 * that nothing later supersedes (a transitive reduction, as Elle's realtime graph does).
 * Indeterminate txns never complete: nothing is known to follow them.
 */
export function addRealtimeEdges(graph: DependencyGraph, txns: readonly Txn[]): void {
  type Point = { readonly time: bigint; readonly invoke: boolean; readonly txn: Txn };
  const points: Point[] = [];
  for (const txn of txns) {
    points.push({ time: txn.op.invokeTime, invoke: true, txn });
    if (txn.op.returnTime !== undefined)
      points.push({ time: txn.op.returnTime, invoke: false, txn });
  }
  // At equal times invocations go first: touching intervals are concurrent, never ordered.
  points.sort((a, b) =>
    a.time !== b.time ? (a.time < b.time ? -1 : 1) : a.invoke === b.invoke ? 0 : a.invoke ? -1 : 1,
  );
  let frontier = new Set<Txn>();
  const predecessors = new Map<Txn, Set<Txn>>();
  for (const { invoke, txn } of points) {
    if (invoke) {
      predecessors.set(txn, new Set(frontier));
      for (const before of frontier) graph.add({ from: before.id, to: txn.id, type: 'realtime' });
    } else {
      const superseded = predecessors.get(txn)!;
      frontier = new Set([...frontier].filter((t) => !superseded.has(t)));
      frontier.add(txn);
    }
  }
}
