import type { Disk, DiskFile, OpenMode } from '../../src/env/disk.js';

export interface SyncCounts {
  /** fdatasync calls through the thread pool. */
  async: number;
  /** fdatasyncNow calls (on the calling thread). */
  inline: number;
}

/**
 * The real disk, counting how its files were synced. `inlineDelayMs` holds the thread that
 * long after each inline sync: a slow disk, as the member sees it.
 */
export function countingDisk(disk: Disk, inlineDelayMs = 0): { disk: Disk; calls: SyncCounts } {
  const calls: SyncCounts = { async: 0, inline: 0 };
  const wrap = (file: DiskFile): DiskFile => {
    return {
      read: (buffer, position) => file.read(buffer, position),
      write: (data, position) => file.write(data, position),
      fdatasync: () => {
        calls.async++;
        return file.fdatasync();
      },
      fdatasyncNow: () => {
        calls.inline++;
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
    disk: {
      open: async (path: string, mode: OpenMode) => wrap(await disk.open(path, mode)),
      readdir: (path) => disk.readdir(path),
      mkdir: (path) => disk.mkdir(path),
      rename: (from, to) => disk.rename(from, to),
      unlink: (path) => disk.unlink(path),
      stat: (path) => disk.stat(path),
      fsyncDir: (path) => disk.fsyncDir(path),
    },
  };
}
