import type { HistoryEvent } from '../history/event.js';
import type { Operation } from '../history/operation.js';
import { toOperations } from '../history/operation.js';
import { findCycles } from './cycles.js';
import { DependencyGraph } from './dependency-graph.js';
import { pushTo } from './multimap.js';
import { addRealtimeEdges } from './realtime.js';
import type { Anomaly, CheckResult } from './result.js';
import type { Element, Txn } from './txn-history.js';
import { parseTxns } from './txn-history.js';
import type { Versions } from './version-order.js';
import { recoverVersions } from './version-order.js';

export type { TxnCycle } from './cycles.js';

export interface TxnResult extends CheckResult {
  readonly checker: 'txn';
  readonly txns: number;
  readonly committed: number;
}

/**
 * Checks list-append transactions (FORMAT.md) for strict serializability, Elle's way
 * (Kingsbury & Alvaro 2020): recover each key's version order from the reads, build the
 * dependency graph of the committed txns (ww, wr, rw from the data; realtime from the clock)
 * and report every cycle, smallest and most severe first per strongly connected component.
 * Also reports what list-append shows directly: aborted and intermediate reads, incompatible
 * orders, and lost updates (two committed txns that read the same version of a key and both
 * appended to it).
 *
 * @example
 *   const result = checkTxns(recorder.events());
 *   // result.valid === false: result.anomalies[i].kind is 'G0', 'G2-realtime', 'lost-update', ...
 */
export function checkTxns(history: readonly HistoryEvent[] | readonly Operation[]): TxnResult {
  const ops = toOperations(history);
  const all = parseTxns(ops);
  const versions = recoverVersions(all);
  // An indeterminate txn committed if anything it appended was read; otherwise leave it out.
  const observed = new Set(
    [...versions.order.entries()].flatMap(([key, order]) =>
      order.flatMap((e) => versions.writer.get(key)?.get(e) ?? []),
    ),
  );
  const txns = all.filter((t) => t.status === 'ok' || (t.status === 'info' && observed.has(t)));
  const graph = new DependencyGraph();
  addDataEdges(graph, txns, versions);
  addRealtimeEdges(graph, txns);
  const anomalies: Anomaly[] = [
    ...versions.anomalies,
    ...lostUpdates(txns),
    ...findCycles(graph, all),
  ];
  return {
    checker: 'txn',
    valid: anomalies.length === 0,
    anomalies,
    txns: all.length,
    committed: txns.length,
  };
}

function addDataEdges(graph: DependencyGraph, txns: readonly Txn[], versions: Versions): void {
  const included = new Set(txns);
  const writerOf = (key: string, element: Element | undefined): Txn | undefined => {
    const writer = element === undefined ? undefined : versions.writer.get(key)?.get(element);
    return writer !== undefined && included.has(writer) ? writer : undefined;
  };
  // Committed appends no read ever saw: in a list-append store they come after every read
  // version (or the reads that returned the longest list would include them).
  const unobserved = new Map<string, Txn[]>();
  const seen = new Map([...versions.order].map(([key, order]) => [key, new Set(order)]));
  for (const txn of txns) {
    if (txn.status !== 'ok') continue;
    for (const m of txn.microOps) {
      if (m.f === 'append' && seen.get(m.key)?.has(m.element) !== true) {
        pushTo(unobserved, m.key, txn);
      }
    }
  }
  for (const [key, order] of versions.order) {
    for (let i = 0; i + 1 < order.length; i++) {
      const from = writerOf(key, order[i]);
      const to = writerOf(key, order[i + 1]);
      if (from !== undefined && to !== undefined)
        graph.add({ from: from.id, to: to.id, type: 'ww', key });
    }
    const last = writerOf(key, order[order.length - 1]);
    for (const later of unobserved.get(key) ?? [])
      if (last !== undefined) graph.add({ from: last.id, to: later.id, type: 'ww', key });
  }
  for (const reader of txns) {
    for (const m of reader.microOps) {
      if (m.f !== 'r' || m.list === undefined) continue;
      const order = versions.order.get(m.key) ?? [];
      const read = writerOf(m.key, m.list[m.list.length - 1]);
      if (read !== undefined) graph.add({ from: read.id, to: reader.id, type: 'wr', key: m.key });
      const next = writerOf(m.key, order[m.list.length]);
      if (next !== undefined) graph.add({ from: reader.id, to: next.id, type: 'rw', key: m.key });
      if (m.list.length === order.length) {
        for (const later of unobserved.get(m.key) ?? [])
          graph.add({ from: reader.id, to: later.id, type: 'rw', key: m.key });
      }
    }
  }
}

/** Two committed txns read the same version of a key and both appended to it: one of the
 *  appends was made without seeing the other (Elle's lost-update, a special case of G-single). */
function lostUpdates(txns: readonly Txn[]): Anomaly[] {
  const byVersion = new Map<string, Txn[]>();
  for (const txn of txns) {
    if (txn.status !== 'ok') continue;
    const appended = new Set<string>();
    for (const m of txn.microOps) {
      if (m.f === 'append') appended.add(m.key);
      // The version the txn read before writing the key; reads of its own appends do not count.
      else if (
        m.list !== undefined &&
        !appended.has(m.key) &&
        txn.microOps.some((w) => w.f === 'append' && w.key === m.key)
      ) {
        const version = `${m.key}\u0000${JSON.stringify(m.list)}`;
        pushTo(byVersion, version, txn);
      }
    }
  }
  return [...byVersion.entries()]
    .filter(([, readers]) => new Set(readers).size > 1)
    .map(([version, readers]) => {
      const [key, list] = version.split('\u0000') as [string, string];
      const ids = [...new Set(readers)].map((t) => `T${t.id}`).join(', ');
      return {
        checker: 'txn',
        kind: 'lost-update',
        key,
        message: `${ids} all read ${key} = ${list} and appended to it: all but one update is lost`,
        ops: [...new Set(readers)].map((t) => t.op),
      };
    });
}
