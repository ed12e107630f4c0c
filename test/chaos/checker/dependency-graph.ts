/**
 * Adya's direct serialization graph (Adya 1999; Elle, Kingsbury & Alvaro 2020): nodes are
 * transactions, edges say "must come before" in any serial order, and a cycle is an anomaly.
 *
 * - `ww` (write dependency): T1 installed a version, T2 installed the next one;
 * - `wr` (read dependency): T2 read the version T1 installed;
 * - `rw` (anti-dependency): T1 read a version, T2 installed the next one, so T1 came first;
 * - `realtime`: T1 completed before T2 was invoked (strict serializability; Herlihy & Wing).
 */
export type EdgeType = 'ww' | 'wr' | 'rw' | 'realtime';

export interface Edge {
  readonly from: number;
  readonly to: number;
  readonly type: EdgeType;
  /** The key that justifies a data edge. */
  readonly key?: string;
}

export class DependencyGraph {
  private readonly out = new Map<number, Edge[]>();

  add(edge: Edge): void {
    if (edge.from === edge.to) return; // a txn depending on itself orders nothing
    let list = this.out.get(edge.from);
    if (list === undefined) this.out.set(edge.from, (list = []));
    list.push(edge);
  }

  edgesFrom(node: number): readonly Edge[] {
    return this.out.get(node) ?? [];
  }

  nodes(): number[] {
    const nodes = new Set<number>(this.out.keys());
    for (const edges of this.out.values()) for (const e of edges) nodes.add(e.to);
    return [...nodes];
  }

  /** Tarjan's strongly connected components with more than one node: every cycle lies
   *  inside one. Only edges of the `allowed` types between nodes `within` count (default:
   *  all). Iterative, so a long chain does not overflow the stack. */
  stronglyConnectedComponents(
    allowed?: ReadonlySet<EdgeType>,
    within?: ReadonlySet<number>,
  ): number[][] {
    const follows = (edge: Edge): boolean =>
      (allowed === undefined || allowed.has(edge.type)) &&
      (within === undefined || within.has(edge.to));
    const index = new Map<number, number>();
    const low = new Map<number, number>();
    const onStack = new Set<number>();
    const stack: number[] = [];
    const components: number[][] = [];
    let counter = 0;
    for (const root of within ?? this.nodes()) {
      if (index.has(root)) continue;
      const work: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
      index.set(root, counter);
      low.set(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (work.length > 0) {
        const frame = work[work.length - 1]!;
        const edges = this.edgesFrom(frame.node);
        if (frame.edge < edges.length) {
          const edge = edges[frame.edge++]!;
          if (!follows(edge)) continue;
          const next = edge.to;
          if (!index.has(next)) {
            index.set(next, counter);
            low.set(next, counter++);
            stack.push(next);
            onStack.add(next);
            work.push({ node: next, edge: 0 });
          } else if (onStack.has(next)) {
            low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent !== undefined)
          low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
        if (low.get(frame.node) === index.get(frame.node)) {
          const component: number[] = [];
          let member: number;
          do {
            member = stack.pop()!;
            onStack.delete(member);
            component.push(member);
          } while (member !== frame.node);
          if (component.length > 1) components.push(component);
        }
      }
    }
    return components;
  }

  /** A shortest path from `from` to `to` over edges of the `allowed` types (breadth-first),
   *  or undefined. */
  shortestPath(from: number, to: number, allowed: ReadonlySet<EdgeType>): Edge[] | undefined {
    const via = new Map<number, Edge>();
    const queue = [from];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      if (node === to) {
        const path: Edge[] = [];
        for (let n = to; n !== from; n = via.get(n)!.from) path.unshift(via.get(n)!);
        return path;
      }
      for (const edge of this.edgesFrom(node)) {
        if (!allowed.has(edge.type) || edge.to === from || via.has(edge.to)) continue;
        via.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
    return undefined;
  }

  /**
   * A shortest cycle inside `component` using only edges of the `allowed` types, or
   * undefined. Breadth-first from each node in turn (at most `startsMax` of them), so the
   * anomaly shown is as small as the search can make it.
   */
  shortestCycle(
    component: readonly number[],
    allowed: ReadonlySet<EdgeType>,
    startsMax = 64,
  ): Edge[] | undefined {
    const inside = new Set(component);
    let best: Edge[] | undefined;
    for (const start of component.slice(0, startsMax)) {
      const via = new Map<number, Edge>();
      const queue = [start];
      for (let head = 0; head < queue.length; head++) {
        const node = queue[head]!;
        for (const edge of this.edgesFrom(node)) {
          if (!allowed.has(edge.type) || !inside.has(edge.to)) continue;
          if (edge.to === start) {
            const cycle = [edge];
            for (let n = node; n !== start; n = via.get(n)!.from) cycle.unshift(via.get(n)!);
            if (best === undefined || cycle.length < best.length) best = cycle;
            queue.length = 0;
            break;
          }
          if (!via.has(edge.to)) {
            via.set(edge.to, edge);
            queue.push(edge.to);
          }
        }
      }
      if (best?.length === 2) break; // no shorter cycle exists
    }
    return best;
  }
}
