import { fdatasyncSync, writeSync } from 'node:fs';
import { open, readdir, mkdir, rename, unlink, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { assert } from '../base/assert.js';
import { MiB } from '../base/limits.js';
import { errnoCode } from './disk.js';
import type { Disk, DiskFile, OpenMode } from './disk.js';

/** Zeros are written in chunks of this size when preallocating (node has no fallocate). */
const preallocateChunkBytes = 1 * MiB;
const zeros = new Uint8Array(preallocateChunkBytes);

/**
 * Writes up to this size go straight to the page cache on the calling thread: a few
 * microseconds, where a thread-pool round trip costs a wake-up there and another back here,
 * on the path of every WAL append (the fdatasync that follows stays off the thread).
 */
const syncWriteBytesMax = 256 * 1024;

/** The Disk port over node:fs/promises. */
export class RealDisk implements Disk {
  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    const flags = mode === 'read' ? 'r' : mode === 'write' ? 'r+' : 'wx+';
    return new RealFile(await open(path, flags));
  }

  async readdir(path: string): Promise<string[]> {
    return readdir(path);
  }

  async mkdir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async unlink(path: string): Promise<void> {
    await unlink(path);
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    try {
      return { size: (await stat(path)).size };
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async fsyncDir(path: string): Promise<void> {
    // A directory is made durable by fsync on a read-only descriptor of it (Linux; POSIX
    // leaves it open, and every database relies on it).
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

class RealFile implements DiskFile {
  constructor(private readonly handle: FileHandle) {}

  async read(buffer: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesRead } = await this.handle.read(
        buffer,
        done,
        buffer.length - done,
        position + done,
      );
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    if (data.length <= syncWriteBytesMax) {
      while (done < data.length) {
        const written = writeSync(this.handle.fd, data, done, data.length - done, position + done);
        assert(written > 0, 'write made no progress');
        done += written;
      }
      return;
    }
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(
        data,
        done,
        data.length - done,
        position + done,
      );
      assert(bytesWritten > 0, 'write made no progress');
      done += bytesWritten;
    }
  }

  async fdatasync(): Promise<void> {
    await this.handle.datasync();
  }

  fdatasyncNow(): void {
    fdatasyncSync(this.handle.fd);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size);
  }

  async preallocate(size: number): Promise<void> {
    // Real zeros rather than a sparse ftruncate: writing into a hole allocates blocks, and the
    // fdatasync after it must then journal metadata too, which is the slow path we avoid.
    for (let at = await this.size(); at < size; at += preallocateChunkBytes) {
      await this.write(zeros.subarray(0, Math.min(preallocateChunkBytes, size - at)), at);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
