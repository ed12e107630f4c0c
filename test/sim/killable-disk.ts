import type { Disk, DiskFile, OpenMode } from '../../src/env/disk.js';

/**
 * One process's view of a disk that can be killed in the middle of a system call sequence:
 * once armed with `killAt(n)`, the n-th disk or file operation from now calls `kill` (which
 * crashes the SimDisk underneath) and then fails with EBADF, as would every later one. This
 * is how the simulator crashes a member half way through a persist, e.g. after the WAL's
 * write and before its fdatasync, so that the crash finds unsynced bytes to lose, tear or
 * damage.
 */
export class KillableDisk implements Disk {
  private countdown: number | undefined;
  private killed = false;

  constructor(
    private readonly inner: Disk,
    private readonly kill: () => void,
  ) {}

  /** Kills the process at the `op`-th operation from now (1 = the next one). */
  killAt(op: number): void {
    this.countdown = op;
  }

  /** Cancels a kill that has not happened yet. */
  disarm(): void {
    this.countdown = undefined;
  }

  /** Whether the armed kill happened. */
  get fired(): boolean {
    return this.killed;
  }

  /** Called before every operation; throws once the process is dead. */
  step(path: string): void {
    if (this.countdown !== undefined && --this.countdown <= 0) {
      this.countdown = undefined;
      this.killed = true;
      this.kill();
    }
    if (this.killed) throw Object.assign(new Error(`EBADF: ${path} (killed)`), { code: 'EBADF' });
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    this.step(path);
    return new KillableFile(this, await this.inner.open(path, mode), path);
  }

  async readdir(path: string): Promise<string[]> {
    this.step(path);
    return this.inner.readdir(path);
  }

  async mkdir(path: string): Promise<void> {
    this.step(path);
    return this.inner.mkdir(path);
  }

  async rename(from: string, to: string): Promise<void> {
    this.step(from);
    return this.inner.rename(from, to);
  }

  async unlink(path: string): Promise<void> {
    this.step(path);
    return this.inner.unlink(path);
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    this.step(path);
    return this.inner.stat(path);
  }

  async fsyncDir(path: string): Promise<void> {
    this.step(path);
    return this.inner.fsyncDir(path);
  }
}

class KillableFile implements DiskFile {
  constructor(
    private readonly disk: KillableDisk,
    private readonly inner: DiskFile,
    private readonly path: string,
  ) {}

  async read(buffer: Uint8Array, position: number): Promise<number> {
    this.disk.step(this.path);
    return this.inner.read(buffer, position);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    this.disk.step(this.path);
    return this.inner.write(data, position);
  }

  async fdatasync(): Promise<void> {
    this.disk.step(this.path);
    return this.inner.fdatasync();
  }

  async size(): Promise<number> {
    this.disk.step(this.path);
    return this.inner.size();
  }

  async truncate(size: number): Promise<void> {
    this.disk.step(this.path);
    return this.inner.truncate(size);
  }

  async preallocate(size: number): Promise<void> {
    this.disk.step(this.path);
    return this.inner.preallocate(size);
  }

  async close(): Promise<void> {
    // A dead process's files are closed by the kernel; closing is never an error here.
    if (!this.disk.fired) await this.inner.close();
  }
}
