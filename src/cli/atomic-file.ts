/**
 * A file written whole or not at all: bytes go to `<path>.part`; `commit()` fsyncs it,
 * renames it over `path` and fsyncs the directory, so after a crash `path` is either absent
 * (or its old content) or complete. `abort()` removes the part file.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export class AtomicFile {
  private written = 0;

  private constructor(
    readonly path: string,
    private readonly partPath: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates (or truncates a leftover) `<path>.part`. */
  static async create(path: string): Promise<AtomicFile> {
    const partPath = `${path}.part`;
    const handle = await open(partPath, 'w', 0o600);
    return new AtomicFile(path, partPath, handle);
  }

  get bytesWritten(): number {
    return this.written;
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.handle.write(bytes);
    this.written += bytes.length;
  }

  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.partPath, this.path);
    await fsyncDir(dirname(this.path));
  }

  /** Closes and removes the part file; never throws (it runs on the error path). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.partPath, { force: true }).catch(() => undefined);
  }
}

/** Makes a directory's entries (a rename into it) durable. */
export async function fsyncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
