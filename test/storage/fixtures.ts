// Shared helpers for the storage tests: entries, log capture, and the two disks side by side.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../../src/base/prng.js';
import type { Disk } from '../../src/env/disk.js';
import { RealDisk } from '../../src/env/real-disk.js';
import type { Entry } from '../../src/raft/types.js';
import { SimDisk } from '../sim/sim-disk.js';

export function entry(index: number, term = 1, text = `e${index}`): Entry {
  return { index, term, type: 'Normal', data: new TextEncoder().encode(text) };
}

export function entries(from: number, to: number, term = 1): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
}

/** A log callback that keeps the lines, so tests can assert what was reported. */
export function captureLog(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** A disk plus byte-level access for building damage by hand. */
export interface DiskFixture {
  readonly name: string;
  readonly disk: Disk;
  readonly dir: string;
  bytes(path: string): Uint8Array;
  replace(path: string, bytes: Uint8Array): void;
  cleanup(): void;
}

export function simFixture(seed = 1): DiskFixture & { sim: SimDisk } {
  const sim = new SimDisk(new Prng(seed));
  return {
    name: 'sim disk',
    sim,
    disk: sim,
    dir: '/data',
    bytes: (path) => sim.contents(path),
    replace: (path, bytes) => sim.overwrite(path, bytes),
    cleanup: () => undefined,
  };
}

export function realFixture(): DiskFixture {
  const dir = mkdtempSync(join(tmpdir(), 'concord-storage-'));
  return {
    name: 'real disk',
    disk: new RealDisk(),
    dir,
    bytes: (path) => new Uint8Array(readFileSync(path)),
    replace: (path, bytes) => writeFileSync(path, bytes),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Both disks, by name; `make` creates a fresh one (a real temp directory: call cleanup). */
export const fixtures: { name: string; make: () => DiskFixture }[] = [
  { name: 'sim disk', make: () => simFixture() },
  { name: 'real disk', make: realFixture },
];
