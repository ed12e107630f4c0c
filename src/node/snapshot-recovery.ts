/**
 * Startup's repair for a backend left behind the Raft snapshot. A follower persists the
 * leader's snapshot (snap file, WAL marker) before it restores the snapshot's state into the
 * backend, and the restored state then waits in the write buffer for its commit. Killed in
 * between, the member restarts with Raft at the snapshot's index (the entries before it are
 * gone) and a backend whose consistent index is older: the writes between the two would be
 * missing on this member for good. So, as etcd recovers its backend from the snapshot's db
 * file, the state is restored again from the snapshot file before Raft starts.
 *
 * A snapshot a member takes of itself carries no state (its backend was synced first and
 * holds it); a backend behind such a snapshot lost data it had made durable: Corrupt.
 */
import { ConcordError } from '../base/errors.js';
import type { StateMachine } from '../mvcc/state-machine.js';
import type { Snapshot } from '../raft/types.js';
import { decodeSnapshotData } from './snapshot-data.js';

/** True if the state was restored from `snapshot` (the backend was behind it). */
export async function recoverBehindSnapshot(
  stateMachine: StateMachine,
  snapshot: Snapshot,
  dbPath: string,
): Promise<boolean> {
  const index = snapshot.metadata.index;
  if (stateMachine.appliedIndex >= index) return false;
  const { state } = decodeSnapshotData(snapshot.data);
  if (state === undefined || state.length === 0) {
    throw new ConcordError(
      'Corrupt',
      `${dbPath}: the backend is at index ${stateMachine.appliedIndex}, behind the member's own snapshot at ${index}; it lost state it had synced (restore the member from a backup, or remove it and add it again)`,
    );
  }
  stateMachine.restoreSnapshot(state);
  await stateMachine.backend.sync();
  return true;
}
