/**
 * Snapshot files in `<data-dir>/member/snap`. A save is atomic: the file is written under a
 * temporary name, synced, renamed into place, and the directory synced, so a crash leaves
 * either the whole new snapshot or none of it. A load checks the CRC and, when the newest
 * snapshot is damaged, moves it aside to `<name>.broken` (as etcd does: kept for a post
 * mortem, never loaded or counted again), logs it, and falls back to an older one (the WAL
 * keeps the entries since the oldest snapshot kept, so an older one can still be caught up
 * from).
 */
import { assertSafeInteger } from '../base/assert.js';
import { failpoint } from '../base/failpoints.js';
import { joinPath } from '../env/disk.js';
import type { Disk, DiskFile } from '../env/disk.js';
import type { Snapshot } from '../raft/types.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  parseSnapshotFileName,
  snapshotFileName,
} from './snapshot-file.js';
import { ioError, stderrLog } from './storage-errors.js';
import type { LogFn } from './storage-errors.js';

export interface SnapshotterOptions {
  log?: LogFn;
}

export interface SnapshotFileInfo {
  readonly name: string;
  readonly index: number;
  readonly term: number;
}

export class Snapshotter {
  private constructor(
    private readonly disk: Disk,
    private readonly dir: string,
    private readonly log: LogFn,
  ) {}

  /** Opens (creating) the directory and removes temporary files a crash left behind. */
  static async open(
    disk: Disk,
    dir: string,
    options: SnapshotterOptions = {},
  ): Promise<Snapshotter> {
    const log = options.log ?? stderrLog;
    try {
      await disk.mkdir(dir);
      for (const name of await disk.readdir(dir)) {
        if (!name.endsWith('.tmp')) continue;
        log(`snap: removing an unfinished snapshot ${name}`, { dir, name });
        await disk.unlink(joinPath(dir, name));
      }
    } catch (error) {
      throw ioError(error, `open ${dir}`);
    }
    return new Snapshotter(disk, dir, log);
  }

  /**
   * Writes the snapshot durably and atomically; resolves once it survives a crash.
   * Errors: ConcordError 'NoSpace' or 'Io' (a partial temporary file may remain; the next
   * open removes it).
   */
  async save(snapshot: Snapshot): Promise<void> {
    const { index, term } = snapshot.metadata;
    assertSafeInteger(index, 'snapshot index');
    const path = joinPath(this.dir, snapshotFileName(index, term));
    const tmp = `${path}.tmp`;
    let file: DiskFile | undefined;
    try {
      failpoint('raftBeforeSaveSnap');
      await this.disk.unlink(tmp).catch(() => undefined);
      file = await this.disk.open(tmp, 'create');
      await file.write(encodeSnapshot(snapshot), 0);
      await file.fdatasync();
      await file.close();
      file = undefined;
      failpoint('raftMidSaveSnap');
      await this.disk.rename(tmp, path);
      await this.disk.fsyncDir(this.dir);
      failpoint('raftAfterSaveSnap');
    } catch (error) {
      await file?.close().catch(() => undefined);
      throw ioError(error, `save snapshot ${path}`);
    }
  }

  /** Snapshot files, newest (highest index) first. */
  async list(): Promise<SnapshotFileInfo[]> {
    const names = await this.disk.readdir(this.dir).catch((error: unknown) => {
      throw ioError(error, `list ${this.dir}`);
    });
    const infos: SnapshotFileInfo[] = [];
    for (const name of names) {
      const parsed = parseSnapshotFileName(name);
      if (parsed !== undefined) infos.push({ name, ...parsed });
    }
    return infos.sort((a, b) => b.index - a.index || b.term - a.term);
  }

  /**
   * The newest snapshot that `usable` accepts and whose file is intact. A damaged file is
   * moved aside to `<name>.broken` and logged, and an older one tried. Undefined when there is
   * none. Errors: ConcordError 'Io' when a file cannot be read (that is not damage).
   */
  async loadNewest(usable: (info: SnapshotFileInfo) => boolean): Promise<Snapshot | undefined> {
    for (const info of await this.list()) {
      if (!usable(info)) continue;
      const path = joinPath(this.dir, info.name);
      const snapshot = decodeSnapshot(await this.read(path));
      const problem =
        typeof snapshot === 'string'
          ? snapshot
          : snapshot.metadata.index !== info.index || snapshot.metadata.term !== info.term
            ? `contents are for ${snapshot.metadata.index}/${snapshot.metadata.term}`
            : undefined;
      if (problem === undefined && typeof snapshot !== 'string') return snapshot;
      await this.moveAside(path, problem!);
    }
    return undefined;
  }

  // etcd's renameBroken: a damaged file is renamed, not deleted (an operator may want it) and
  // not left (it would be read and reported at every start, and count against `keep`). A
  // failed rename is logged and the load goes on: the file is skipped either way.
  private async moveAside(path: string, problem: string): Promise<void> {
    const broken = `${path}.broken`;
    try {
      await this.disk.rename(path, broken);
      await this.disk.fsyncDir(this.dir);
      this.log(
        `snap: moved damaged snapshot ${path} aside to ${broken} (${problem}); ` +
          'trying an older one',
        { path, broken, reason: problem },
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log(
        `snap: ignoring damaged snapshot ${path} (${problem}); could not move it aside ` +
          `(${reason}); trying an older one`,
        { path, reason: problem, renameError: reason },
      );
    }
  }

  /** Removes all but the newest `keep` snapshots; returns the index of the oldest kept. */
  async purge(keep: number): Promise<number | undefined> {
    const infos = await this.list();
    for (const info of infos.slice(keep)) {
      await this.disk.unlink(joinPath(this.dir, info.name)).catch((error: unknown) => {
        throw ioError(error, `purge ${info.name}`);
      });
    }
    if (infos.length > keep) {
      await this.disk.fsyncDir(this.dir).catch((error: unknown) => {
        throw ioError(error, `fsync ${this.dir}`);
      });
    }
    return infos.slice(0, keep).at(-1)?.index;
  }

  private async read(path: string): Promise<Uint8Array> {
    let file: DiskFile | undefined;
    try {
      file = await this.disk.open(path, 'read');
      const bytes = new Uint8Array(await file.size());
      await file.read(bytes, 0);
      return bytes;
    } catch (error) {
      throw ioError(error, `read ${path}`);
    } finally {
      await file?.close();
    }
  }
}
