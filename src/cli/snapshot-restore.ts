/**
 * `concord snapshot restore FILE --data-dir D --name N --initial-cluster ... ...`: builds the
 * data directory of one member of a NEW cluster whose key-value state starts as the backup's
 * (etcd's `snapshot restore`). Every member of the new cluster restores the same file with
 * its own --name and the same --initial-cluster and --initial-cluster-token, then starts with
 * `concord serve` (the initial-cluster flags are then ignored: the directory knows them).
 *
 * What it writes, in a temp directory renamed to D at the end (a failed restore leaves no D):
 * - member/db: the backup's buckets, with what belongs to the old cluster's log dropped: the
 *   consistent index and term (reset to 0: the new log starts again at index 1, and entries
 *   at or below the consistent index would be skipped as applied), the alarms (raised by old
 *   members against the old database) and the at-most-once sessions (keyed to old log
 *   indexes). The compaction state and the leases stay, as in etcd.
 * - member/wal and member/identity: bootstrapped exactly as `concord serve` bootstraps a new
 *   member (src/node/member.ts `bootstrap`): new member and cluster IDs.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RealDisk } from '../env/real-disk.js';
import type { Backend, BucketName } from '../mvcc/backend.js';
import { restoreBackend } from '../mvcc/backend-snapshot.js';
import { writeMeta } from '../mvcc/meta.js';
import { bootstrap } from '../node/bootstrap.js';
import type { Identity } from '../node/identity.js';
import { LmdbBackend } from '../storage/lmdb-backend.js';
import { RaftLogStore } from '../storage/raft-log-store.js';
import { fsyncDir } from './atomic-file.js';
import { CommandError } from './command-error.js';
import type { InitialClusterMember } from './serve-config.js';
import { readSnapshotFile } from './snapshot-file.js';
import { snapshotStatus, type SnapshotStatus } from './snapshot-status.js';

export interface RestoreOptions {
  readonly path: string;
  readonly dataDir: string;
  readonly name: string;
  readonly initialCluster: readonly InitialClusterMember[];
  readonly initialClusterToken: string;
}

export interface Restored {
  readonly status: SnapshotStatus;
  readonly identity: Identity;
}

/** Buckets whose content belongs to the old cluster, not to the data (see the file comment). */
const oldClusterBuckets: readonly BucketName[] = ['alarm', 'session', 'members'];

export async function restoreSnapshot(options: RestoreOptions): Promise<Restored> {
  const dataDir = resolve(options.dataDir);
  if (await exists(dataDir)) {
    throw new CommandError(
      `--data-dir ${options.dataDir} exists; restore creates a new member's data directory and never overwrites one (remove it, or choose another)`,
    );
  }
  const file = await readSnapshotFile(options.path);
  const status = snapshotStatus(file);
  const temp = join(dirname(dataDir), `.${basename(dataDir)}.restoring-${process.pid}`);
  await rm(temp, { recursive: true, force: true });
  try {
    const disk = new RealDisk();
    await disk.mkdir(join(temp, 'member'));
    await writeBackend(join(temp, 'member', 'db'), file.backendBytes);
    const store = await RaftLogStore.open(disk, temp, { log: () => undefined });
    let identity: Identity;
    try {
      identity = await bootstrap(
        {
          name: options.name,
          disk,
          dataDir: temp,
          initialCluster: options.initialCluster,
          initialClusterToken: options.initialClusterToken,
        },
        store,
      );
    } finally {
      await store.close();
    }
    await rename(temp, dataDir);
    await fsyncDir(dirname(dataDir));
    return { status, identity };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (error instanceof CommandError) throw error;
    throw new CommandError(`cannot restore into ${options.dataDir}: ${(error as Error).message}`);
  }
}

async function writeBackend(path: string, bytes: Uint8Array): Promise<void> {
  const backend = new LmdbBackend({ path });
  try {
    restoreBackend(backend, bytes);
    forgetOldCluster(backend);
    await backend.sync();
  } finally {
    await backend.close();
  }
}

function forgetOldCluster(backend: Backend): void {
  backend.write((tx) => {
    writeMeta(tx, 'consistentIndex', 0);
    writeMeta(tx, 'term', 0);
    for (const bucket of oldClusterBuckets) {
      const keys: Uint8Array[] = [];
      tx.scan(bucket, {}, (key) => {
        keys.push(key.slice());
      });
      for (const key of keys) tx.delete(bucket, key);
    }
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CommandError(`cannot check --data-dir ${path}: ${(error as Error).message}`);
  }
}
