import type { Anomaly } from './result.js';
import type { Element, Txn } from './txn-history.js';
import { pushTo } from './multimap.js';

/** Where an element sits: its key's version order, and who appended it. */
export interface Versions {
  /** Per key, the elements in the order they were appended: the longest list any committed
   *  read returned (Elle: in list-append every read reveals a prefix of the version order). */
  readonly order: ReadonlyMap<string, readonly Element[]>;
  /** Per key and element, the txn that appended it. */
  readonly writer: ReadonlyMap<string, ReadonlyMap<Element, Txn>>;
  readonly anomalies: readonly Anomaly[];
}

/**
 * Recovers each key's version order from the reads, and checks what list-append makes
 * checkable on the way (Elle, section 4): every read is a prefix of one order
 * ('incompatible-order'), no element appears twice ('duplicate-elements'), every element read
 * was appended by some txn ('garbage-read') that did not abort ('G1a', aborted read), and
 * no read ends on an element its writer followed with another of the same key ('G1b',
 * intermediate read).
 */
export function recoverVersions(txns: readonly Txn[]): Versions {
  const writer = new Map<string, Map<Element, Txn>>();
  const appendsOf = new Map<Txn, Map<string, Element[]>>();
  for (const txn of txns) {
    const appends = new Map<string, Element[]>();
    for (const micro of txn.microOps) {
      if (micro.f !== 'append') continue;
      let byElement = writer.get(micro.key);
      if (byElement === undefined) writer.set(micro.key, (byElement = new Map()));
      byElement.set(micro.element, txn);
      pushTo(appends, micro.key, micro.element);
    }
    appendsOf.set(txn, appends);
  }
  const order = new Map<string, Element[]>();
  const anomalies: Anomaly[] = [];
  const reads = txns.flatMap((txn) =>
    txn.status !== 'ok'
      ? []
      : txn.microOps.flatMap((m) =>
          m.f === 'r' && m.list !== undefined ? [{ txn, key: m.key, list: m.list }] : [],
        ),
  );
  for (const read of reads) {
    const longest = order.get(read.key);
    if (longest === undefined || read.list.length > longest.length)
      order.set(read.key, [...read.list]);
  }
  const report = (kind: string, key: string, message: string, involved: readonly Txn[]): void => {
    anomalies.push({
      checker: 'txn',
      kind,
      key,
      message,
      ops: [...new Set(involved)].map((t) => t.op),
    });
  };
  for (const { txn, key, list } of reads) {
    const longest = order.get(key)!;
    if (list.some((element, i) => longest[i] !== element)) {
      const other = reads.find((r) => r.key === key && r.list === longest)?.txn ?? txn;
      report(
        'incompatible-order',
        key,
        `T${txn.id} read ${key} = ${JSON.stringify(list)}, not a prefix of ${JSON.stringify(longest)} read by T${other.id}`,
        [txn, other],
      );
    }
    if (new Set(list).size !== list.length) {
      report(
        'duplicate-elements',
        key,
        `T${txn.id} read ${key} = ${JSON.stringify(list)}: an element twice`,
        [txn],
      );
    }
    for (const element of list) {
      const appender = writer.get(key)?.get(element);
      if (appender === undefined) {
        report(
          'garbage-read',
          key,
          `T${txn.id} read element ${JSON.stringify(element)} of ${key}, which no txn appended`,
          [txn],
        );
      } else if (appender.status === 'fail') {
        report(
          'G1a',
          key,
          `T${txn.id} read element ${JSON.stringify(element)} of ${key}, appended by T${appender.id}, which aborted (aborted read)`,
          [txn, appender],
        );
      }
    }
    const last = list[list.length - 1];
    const lastWriter = last === undefined ? undefined : writer.get(key)?.get(last);
    if (lastWriter !== undefined && lastWriter !== txn) {
      const own = appendsOf.get(lastWriter)!.get(key)!;
      if (own[own.length - 1] !== last) {
        report(
          'G1b',
          key,
          `T${txn.id} read ${key} ending at ${JSON.stringify(last)}, an intermediate version of T${lastWriter.id}, which appended ${JSON.stringify(own)} (intermediate read)`,
          [txn, lastWriter],
        );
      }
    }
  }
  return { order, writer, anomalies };
}
