/**
 * A simulated Disk for tests and the simulator: in-memory files with the durability rules of
 * a POSIX file system made strict, so that a crash loses exactly what a real one may lose.
 *
 * - Every file change (write, truncate, preallocate) is pending until that file's fdatasync.
 * - Every name change (create, rename, unlink) is pending until fsyncDir of its directory.
 * - `crash()` keeps a random prefix of each file's and each directory's pending changes (or
 *   none), can tear the first change it drops (keep a random prefix of that write's bytes),
 *   can flip a bit in what it kept of those unsynced writes (garbage that reached the medium
 *   without a sync), and then every open handle is dead: the process that held it is gone.
 * - `flipBit()` damages a byte at rest (durable and visible), like a failing medium.
 * - `spaceBytes` is a byte budget over all files; a write past it writes what fits and fails
 *   with ENOSPC, like a short write on a full disk.
 * - `process()` gives a view that dies at the next crash, as the process using it would.
 * - `failNext()` makes the next call of an operation fail with an errno (EIO by default).
 *
 * All chance comes from the seeded Prng it is given, so a seed replays a run exactly.
 */
import type { Disk, DiskFile, OpenMode } from '../../src/env/disk.js';
import type { Prng } from '../../src/base/prng.js';

export interface SimDiskOptions {
  /** Total bytes all files may hold (default: unlimited). */
  spaceBytes?: number;
}

export interface CrashOptions {
  /** Keep a random prefix of the unsynced changes (true) or drop them all (false, default). */
  keepSomeUnsynced?: boolean;
  /** Tear the first dropped write of each file: keep a random prefix of its bytes. */
  tear?: boolean;
  /** Flip one bit in one of the unsynced writes that were kept (if any was). */
  flip?: boolean;
}

/** What a crash did beyond dropping changes. */
export interface CrashReport {
  /** The bit flipped in kept unsynced bytes, when `flip` found any. */
  readonly flipped?: { readonly path: string; readonly offset: number };
}

export type SimDiskOp = 'write' | 'read' | 'fdatasync' | 'fsyncDir' | 'rename' | 'open' | 'unlink';

type FileChange =
  { kind: 'write'; position: number; data: Uint8Array } | { kind: 'resize'; size: number };

type NameChange =
  | { kind: 'link'; path: string; inode: Inode }
  | { kind: 'unlink'; path: string }
  | { kind: 'rename'; from: string; to: string; inode: Inode };

class Inode {
  durable: Uint8Array = new Uint8Array(0);
  current: Uint8Array = new Uint8Array(0);
  pending: FileChange[] = [];
}

export class SimDisk implements Disk {
  spaceBytes: number;
  private readonly dirs = new Set<string>(['/']);
  private current = new Map<string, Inode>();
  private durable = new Map<string, Inode>();
  private readonly pendingNames = new Map<string, NameChange[]>();
  private readonly faults = new Map<SimDiskOp, string>();
  // Handles opened before a crash belong to the dead process; they fail with EBADF.
  private generation = 0;

  constructor(
    private readonly prng: Prng,
    options: SimDiskOptions = {},
  ) {
    this.spaceBytes = options.spaceBytes ?? Number.MAX_SAFE_INTEGER;
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    this.maybeFail('open', path);
    let inode = this.current.get(path);
    if (mode === 'create') {
      if (inode !== undefined) throw errno('EEXIST', path);
      this.requireDir(parentOf(path), path);
      inode = new Inode();
      this.current.set(path, inode);
      this.nameChanged(path, { kind: 'link', path, inode });
    } else if (inode === undefined) {
      throw errno('ENOENT', path);
    }
    return new SimFile(this, inode, path, this.generation);
  }

  async readdir(path: string): Promise<string[]> {
    this.requireDir(path, path);
    const names: string[] = [];
    for (const p of [...this.current.keys(), ...this.dirs]) {
      if (p !== path && parentOf(p) === path) names.push(p.slice(path.length + 1));
    }
    return names.sort();
  }

  async mkdir(path: string): Promise<void> {
    // Durable at once: data directories are made once, before anything is written in them.
    for (let p = path; p !== '/' && !this.dirs.has(p); p = parentOf(p)) this.dirs.add(p);
  }

  async rename(from: string, to: string): Promise<void> {
    this.maybeFail('rename', from);
    const inode = this.current.get(from);
    if (inode === undefined) throw errno('ENOENT', from);
    this.requireDir(parentOf(to), to);
    this.current.delete(from);
    this.current.set(to, inode);
    this.nameChanged(to, { kind: 'rename', from, to, inode });
  }

  async unlink(path: string): Promise<void> {
    this.maybeFail('unlink', path);
    if (!this.current.delete(path)) throw errno('ENOENT', path);
    this.nameChanged(path, { kind: 'unlink', path });
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    const inode = this.current.get(path);
    return inode === undefined ? undefined : { size: inode.current.length };
  }

  async fsyncDir(path: string): Promise<void> {
    this.maybeFail('fsyncDir', path);
    this.requireDir(path, path);
    for (const change of this.pendingNames.get(path) ?? []) applyName(this.durable, change);
    this.pendingNames.delete(path);
  }

  /** Simulates power loss or kill -9: see the file comment for what survives. */
  crash(options: CrashOptions = {}): CrashReport {
    for (const changes of this.pendingNames.values()) {
      const keep = options.keepSomeUnsynced ? this.prng.int(changes.length + 1) : 0;
      for (const change of changes.slice(0, keep)) applyName(this.durable, change);
    }
    this.pendingNames.clear();
    const inodes = new Set([...this.current.values(), ...this.durable.values()]);
    // Unsynced writes that reached the medium (whole or torn): where a flip may land.
    const kept: { inode: Inode; position: number; length: number }[] = [];
    for (const inode of inodes) {
      const keep = options.keepSomeUnsynced ? this.prng.int(inode.pending.length + 1) : 0;
      for (const change of inode.pending.slice(0, keep)) {
        inode.durable = applyFile(inode.durable, change);
        if (change.kind === 'write') kept.push({ inode, ...span(change) });
      }
      const torn = inode.pending[keep];
      if (options.tear && torn?.kind === 'write' && torn.data.length > 1) {
        const data = torn.data.subarray(0, this.prng.int(torn.data.length));
        inode.durable = applyFile(inode.durable, { ...torn, data });
        kept.push({ inode, position: torn.position, length: data.length });
      }
      inode.pending = [];
    }
    const flipped = options.flip ? this.flipKept(kept) : undefined;
    for (const inode of inodes) inode.current = inode.durable.slice();
    this.current = new Map(this.durable);
    this.generation++;
    return flipped === undefined ? {} : { flipped };
  }

  private flipKept(
    kept: readonly { inode: Inode; position: number; length: number }[],
  ): { path: string; offset: number } | undefined {
    const candidates = kept.filter(
      (k) => k.length > 0 && k.position + k.length <= k.inode.durable.length,
    );
    if (candidates.length === 0) return undefined;
    const { inode, position, length } = this.prng.pick(candidates);
    const offset = position + this.prng.int(length);
    inode.durable[offset]! ^= 1 << this.prng.int(8);
    let path = '?';
    for (const [name, named] of this.durable) if (named === inode) path = name;
    return { path, offset };
  }

  /**
   * The disk as one process (one incarnation of a member) sees it: after the next crash
   * every call through it fails with EBADF, as a dead process makes no more calls. Use one
   * per restart so a dead incarnation's unfinished work cannot touch the new one's files.
   */
  process(): Disk {
    const generation = this.generation;
    const alive = (what: string): void => this.checkAlive(generation, what);
    return {
      open: async (path, mode) => (alive(path), this.open(path, mode)),
      readdir: async (path) => (alive(path), this.readdir(path)),
      mkdir: async (path) => (alive(path), this.mkdir(path)),
      rename: async (from, to) => (alive(from), this.rename(from, to)),
      unlink: async (path) => (alive(path), this.unlink(path)),
      stat: async (path) => (alive(path), this.stat(path)),
      fsyncDir: async (path) => (alive(path), this.fsyncDir(path)),
    };
  }

  /** Flips one bit of a file at rest; offset and bit are random when not given. */
  flipBit(path: string, offset?: number, bit?: number): { offset: number; bit: number } {
    const inode = this.current.get(path);
    if (inode === undefined || inode.current.length === 0) throw errno('ENOENT', path);
    const at = offset ?? this.prng.int(inode.current.length);
    const b = bit ?? this.prng.int(8);
    inode.current[at]! ^= 1 << b;
    if (at < inode.durable.length) inode.durable[at]! ^= 1 << b;
    return { offset: at, bit: b };
  }

  /** The next call of `op` fails with `code`. */
  failNext(op: SimDiskOp, code = 'EIO'): void {
    this.faults.set(op, code);
  }

  /** Bytes all visible files hold. */
  usedBytes(): number {
    let used = 0;
    for (const inode of new Set(this.current.values())) used += inode.current.length;
    return used;
  }

  /** The visible bytes of a file (for tests). */
  contents(path: string): Uint8Array {
    const inode = this.current.get(path);
    if (inode === undefined) throw errno('ENOENT', path);
    return inode.current.slice();
  }

  /** Replaces a file's bytes, durably (for tests that build damage by hand). */
  overwrite(path: string, data: Uint8Array): void {
    const inode = this.current.get(path);
    if (inode === undefined) throw errno('ENOENT', path);
    inode.current = data.slice();
    inode.durable = data.slice();
    inode.pending = [];
  }

  /** @internal Used by SimFile. */
  checkAlive(generation: number, path: string): void {
    if (generation !== this.generation) throw errno('EBADF', `${path} (opened before a crash)`);
  }

  /** @internal Used by SimFile. */
  maybeFail(op: SimDiskOp, path: string): void {
    const code = this.faults.get(op);
    if (code === undefined) return;
    this.faults.delete(op);
    throw errno(code, `${path} (injected on ${op})`);
  }

  private nameChanged(path: string, change: NameChange): void {
    const dir = parentOf(path);
    const list = this.pendingNames.get(dir) ?? [];
    list.push(change);
    this.pendingNames.set(dir, list);
  }

  private requireDir(dir: string, path: string): void {
    if (!this.dirs.has(dir)) throw errno('ENOENT', path);
  }
}

class SimFile implements DiskFile {
  constructor(
    private readonly disk: SimDisk,
    private readonly inode: Inode,
    private readonly path: string,
    private readonly generation: number,
  ) {}

  async read(buffer: Uint8Array, position: number): Promise<number> {
    this.check('read');
    const bytes = this.inode.current.subarray(position, position + buffer.length);
    buffer.set(bytes);
    return bytes.length;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    this.check('write');
    const growth = Math.max(0, position + data.length - this.inode.current.length);
    const free = this.disk.spaceBytes - this.disk.usedBytes();
    if (growth > free) {
      // A full disk takes what fits, then fails: the caller sees a short write as an error.
      const fits = Math.max(0, this.inode.current.length + free - position);
      if (fits > 0) this.change({ kind: 'write', position, data: data.slice(0, fits) });
      throw errno('ENOSPC', this.path);
    }
    this.change({ kind: 'write', position, data: data.slice() });
  }

  async fdatasync(): Promise<void> {
    this.check('fdatasync');
    for (const change of this.inode.pending)
      this.inode.durable = applyFile(this.inode.durable, change);
    this.inode.pending = [];
  }

  async size(): Promise<number> {
    this.check('read');
    return this.inode.current.length;
  }

  async truncate(size: number): Promise<void> {
    this.check('write');
    this.change({ kind: 'resize', size });
  }

  async preallocate(size: number): Promise<void> {
    this.check('write');
    const growth = size - this.inode.current.length;
    if (growth <= 0) return;
    if (growth > this.disk.spaceBytes - this.disk.usedBytes()) throw errno('ENOSPC', this.path);
    this.change({ kind: 'resize', size });
  }

  async close(): Promise<void> {}

  private change(change: FileChange): void {
    this.inode.current = applyFile(this.inode.current, change);
    this.inode.pending.push(change);
  }

  private check(op: SimDiskOp): void {
    this.disk.checkAlive(this.generation, this.path);
    this.disk.maybeFail(op, this.path);
  }
}

function applyFile(bytes: Uint8Array, change: FileChange): Uint8Array {
  if (change.kind === 'resize') {
    if (change.size <= bytes.length) return bytes.slice(0, change.size);
    const grown = new Uint8Array(change.size);
    grown.set(bytes);
    return grown;
  }
  const end = change.position + change.data.length;
  const out = end > bytes.length ? new Uint8Array(end) : bytes;
  if (out !== bytes) out.set(bytes);
  out.set(change.data, change.position);
  return out;
}

function span(change: { position: number; data: Uint8Array }): {
  position: number;
  length: number;
} {
  return { position: change.position, length: change.data.length };
}

function applyName(names: Map<string, Inode>, change: NameChange): void {
  if (change.kind === 'link') names.set(change.path, change.inode);
  else if (change.kind === 'unlink') names.delete(change.path);
  else {
    names.delete(change.from);
    names.set(change.to, change.inode);
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function errno(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}
