/**
 * Cancel reasons a watch create can get, in etcd's words (server/storage/mvcc/watcher.go and
 * the compacted error of api/v3rpc/rpctypes), and etcd's watch ID conventions.
 */
import { errorTable } from '../errors.js';

export const watchMessages = {
  duplicateId: 'mvcc: duplicate watch ID provided on the WatchStream',
  emptyRange: 'mvcc: watcher range is empty',
  /** A negative start revision (etcd answers it as if compacted). */
  compacted: errorTable.RevisionCompacted.message,
} as const;

/** clientv3.InvalidWatchID: a refused create, or a progress report for every watcher. */
export const invalidWatchId = '-1';

/** clientv3.AutoWatchID: the client lets the server pick. */
export const autoWatchId = '0';
