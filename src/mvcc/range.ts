/**
 * Range with every etcd option (etcd's applierV3backend.Range over mvcc's rangeKeys), in
 * etcd's order: resolve the revision (FutureRevision, RevisionCompacted), walk the index
 * counting every key in range, filter by mod/create revision, sort, cut to `limit`, then
 * read the surviving KeyValues from the backend. A count-only read, and a limited read with
 * no sort or filter, collect at most limit + 1 keys and count the rest with the index's
 * allocation-free walk (TreeIndex.count), so their cost is a tight loop over the range. Filters and every sort target but VALUE
 * work on the index alone, so a sorted or filtered read with a limit touches the backend
 * only for the keys it returns.
 *
 * etcd's rules kept exactly:
 * - `count` is the number of keys in the range at the revision, before the mod/create
 *   filters and before `limit`.
 * - `more` is true when keys that passed the filters were cut by `limit`.
 * - sortOrder NONE with a sortTarget other than KEY sorts ASCEND; KEY + ASCEND is the natural
 *   order. Ties keep key order (a stable sort; etcd's Go sort leaves ties unspecified).
 * - countOnly returns no kvs and more = false; keysOnly returns empty values.
 */
import { compareBytes, emptyBytes } from './bytes.js';
import { keyRange } from './key-range.js';
import { KvStore, type ReadView } from './kv-store.js';
import type { IndexedKey } from './tree-index.js';
import type { KeyValue, RangeRequest, RangeResponse, SortOrder, SortTarget } from './types.js';

export function executeRange(store: KvStore, view: ReadView, req: RangeRequest): RangeResponse {
  const atRev = KvStore.readRevision(view, req.revision);
  const range = keyRange(req.key, req.rangeEnd);
  const limit = req.limit ?? 0;
  const order = effectiveOrder(req.sortOrder ?? 'NONE', req.sortTarget ?? 'KEY');
  const target = req.sortTarget ?? 'KEY';
  const filter = revisionFilter(req);

  if (req.countOnly === true) {
    return { kvs: [], more: false, count: store.index.count(range, atRev) };
  }
  let count = 0;
  const matched: IndexedKey[] = [];
  if (order === 'NONE' && filter === undefined && limit > 0) {
    // limit + 1 keys answer `more`; past them the keys are only counted, by the index's
    // cheap walk (no visit objects), unless the range ended first.
    store.index.range(range, atRev, (k) => matched.push(k) <= limit);
    count = matched.length <= limit ? matched.length : store.index.count(range, atRev);
  } else {
    store.index.range(range, atRev, (k) => {
      count++;
      if (filter === undefined || filter(k)) matched.push(k);
    });
  }

  let kvs: KeyValue[];
  if (order !== 'NONE' && target === 'VALUE') {
    kvs = matched.map((k) => store.kvAt(view.reader, k.modified));
    const sign = order === 'DESCEND' ? -1 : 1;
    kvs.sort((a, b) => sign * compareBytes(a.value, b.value));
    if (limit > 0 && kvs.length > limit) kvs = kvs.slice(0, limit);
  } else {
    if (order !== 'NONE') sortIndexed(matched, order, target);
    const kept = limit > 0 && matched.length > limit ? matched.slice(0, limit) : matched;
    kvs = kept.map((k) => store.kvAt(view.reader, k.modified));
  }
  const more = limit > 0 && matched.length > limit;
  if (req.keysOnly === true) kvs = kvs.map((kv) => ({ ...kv, value: emptyBytes }));
  return { kvs, more, count };
}

function effectiveOrder(order: SortOrder, target: SortTarget): SortOrder {
  if (order === 'NONE' && target !== 'KEY') return 'ASCEND';
  if (order === 'ASCEND' && target === 'KEY') return 'NONE';
  return order;
}

function revisionFilter(req: RangeRequest): ((k: IndexedKey) => boolean) | undefined {
  const minMod = req.minModRevision ?? 0;
  const maxMod = req.maxModRevision ?? 0;
  const minCreate = req.minCreateRevision ?? 0;
  const maxCreate = req.maxCreateRevision ?? 0;
  if (minMod === 0 && maxMod === 0 && minCreate === 0 && maxCreate === 0) return undefined;
  return (k) =>
    (maxMod === 0 || k.modified.main <= maxMod) &&
    (minMod === 0 || k.modified.main >= minMod) &&
    (maxCreate === 0 || k.created.main <= maxCreate) &&
    (minCreate === 0 || k.created.main >= minCreate);
}

function sortIndexed(keys: IndexedKey[], order: SortOrder, target: SortTarget): void {
  const sign = order === 'DESCEND' ? -1 : 1;
  const by = (k: IndexedKey): number =>
    target === 'VERSION' ? k.version : target === 'CREATE' ? k.created.main : k.modified.main;
  if (target === 'KEY') keys.sort((a, b) => sign * compareBytes(a.key, b.key));
  else keys.sort((a, b) => sign * (by(a) - by(b)));
}
