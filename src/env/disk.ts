/**
 * The Disk port: every file access Concord makes goes through it, so the simulator can swap in
 * a disk that loses unsynced writes, tears a write, flips a bit or runs out of space
 * (test/sim/sim-disk.ts), while production uses node:fs (src/env/real-disk.ts).
 *
 * Durability contract (the same as POSIX, which is what the simulated disk enforces):
 * - a file's written bytes, truncations and preallocations survive a crash only after
 *   `DiskFile.fdatasync()` has resolved;
 * - a directory entry (a created, renamed or unlinked name) survives a crash only after
 *   `Disk.fsyncDir()` of its parent directory has resolved;
 * - `mkdir` is durable when it resolves (directories are made once, at start).
 *
 * Errors: methods reject with an Error carrying a node-style `code` (`'ENOENT'`, `'ENOSPC'`,
 * `'EIO'`, ...). Callers map them to ConcordErrors with {@link errnoCode}.
 */
export interface Disk {
  /**
   * Opens a file. `'read'` fails with ENOENT when it is missing; `'write'` opens an existing
   * file for reading and writing; `'create'` creates it (failing with EEXIST if it exists).
   */
  open(path: string, mode: OpenMode): Promise<DiskFile>;
  /** Names (not paths) in a directory, in no particular order. */
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and its missing parents; no error if it exists. */
  mkdir(path: string): Promise<void>;
  /** Atomically replaces `to` with `from` (durable after `fsyncDir` of the parent). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** The file's size, or undefined when there is no such file. */
  stat(path: string): Promise<{ size: number } | undefined>;
  /** Makes the directory's entries (creates, renames, unlinks) durable. */
  fsyncDir(path: string): Promise<void>;
}

export type OpenMode = 'read' | 'write' | 'create';

/** An open file. Positions and sizes are byte offsets (safe integers). */
export interface DiskFile {
  /** Reads up to `buffer.length` bytes at `position`; returns how many were read (0 at EOF). */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /**
   * Writes all of `data` at `position`, or rejects. After a rejection any prefix of `data` may
   * have been written: the caller must not trust the range.
   */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Makes the written bytes and the size durable; resolves only when they are. */
  fdatasync(): Promise<void>;
  /**
   * Optional: `fdatasync` on the calling thread, blocking it until the bytes are durable (or
   * throwing). For a caller with nothing else to do meanwhile it saves a thread-pool round trip.
   */
  fdatasyncNow?(): void;
  size(): Promise<number>;
  truncate(size: number): Promise<void>;
  /**
   * Grows the file to at least `size` bytes of allocated zeros, so later writes inside it
   * neither allocate blocks nor change the size (an fdatasync then flushes data only) and
   * cannot fail for lack of space. Never shrinks.
   */
  preallocate(size: number): Promise<void>;
  close(): Promise<void>;
}

/** The errno name (`'ENOSPC'`, `'EIO'`, ...) of an error thrown by a Disk, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Joins path segments with '/', the only separator Concord's data directories use. */
export function joinPath(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/');
}
