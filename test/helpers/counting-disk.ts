import type { Disk, DiskFile, OpenMode } from '../../src/env/disk.js';

export interface SyncCounts {
  /** fdatasync calls through the thread pool. */
  async: number;
  /** fdatasyncNow calls (on the calling thread). */
  inline: number;
}

/**
 * The real disk, counting how each file was synced: in all (`calls`) and by path (`byPath`).
 * `inlineDelayMs` holds the thread that long after each inline sync: a slow disk, as the
 * member sees it.
 */
export function countingDisk(
  disk: Disk,
  inlineDelayMs = 0,
): { disk: Disk; calls: SyncCounts; byPath: Map<string, SyncCounts> } {
  const calls: SyncCounts = { async: 0, inline: 0 };
  const byPath = new Map<string, SyncCounts>();
  const wrap = (path: string, file: DiskFile): DiskFile => {
    const mine: SyncCounts = byPath.get(path) ?? { async: 0, inline: 0 };
    byPath.set(path, mine);
    return {
      read: (buffer, position) => file.read(buffer, position),
      write: (data, position) => file.write(data, position),
      fdatasync: () => {
        calls.async++;
        mine.async++;
        return file.fdatasync();
      },
      fdatasyncNow: () => {
        calls.inline++;
        mine.inline++;
        file.fdatasyncNow!();
        const until = performance.now() + inlineDelayMs;
        while (performance.now() < until);
      },
      size: () => file.size(),
      truncate: (size) => file.truncate(size),
      preallocate: (size) => file.preallocate(size),
      close: () => file.close(),
    };
  };
  return {
    calls,
    byPath,
    disk: {
      open: async (path: string, mode: OpenMode) => wrap(path, await disk.open(path, mode)),
      readdir: (path) => disk.readdir(path),
      mkdir: (path) => disk.mkdir(path),
      rename: (from, to) => disk.rename(from, to),
      unlink: (path) => disk.unlink(path),
      stat: (path) => disk.stat(path),
      fsyncDir: (path) => disk.fsyncDir(path),
    },
  };
}
