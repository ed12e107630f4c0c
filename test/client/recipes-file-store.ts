/**
 * An external store for the two-phase commit tests: a directory on disk with `data.json`
 * (the committed state) and one `staged-<txId>.json` per prepared transaction. Separate
 * processes open the same directory, as a recovering coordinator reaches the same database a
 * crashed one was talking to. Commit and abort are idempotent, as the recipe requires.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Participant } from '../../src/client/recipes/two-phase-commit.js';

export interface FileChange {
  readonly key: string;
  readonly value: string;
  /** Vote no instead of preparing. */
  readonly refuse?: boolean;
}

export class FileStore implements Participant<FileChange> {
  constructor(
    readonly name: string,
    private readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  prepare(txId: string, change: FileChange): Promise<boolean> {
    if (change.refuse === true) return Promise.resolve(false);
    writeAtomically(this.staged(txId), JSON.stringify(change));
    return Promise.resolve(true);
  }

  commit(txId: string): Promise<void> {
    const staged = this.staged(txId);
    if (existsSync(staged)) {
      const change = JSON.parse(readFileSync(staged, 'utf8')) as FileChange;
      writeAtomically(
        this.dataFile,
        JSON.stringify({ ...this.data(), [change.key]: change.value }),
      );
      rmSync(staged, { force: true });
    }
    return Promise.resolve();
  }

  abort(txId: string): Promise<void> {
    rmSync(this.staged(txId), { force: true });
    return Promise.resolve();
  }

  /** The committed state. */
  data(): Record<string, string> {
    return existsSync(this.dataFile)
      ? (JSON.parse(readFileSync(this.dataFile, 'utf8')) as Record<string, string>)
      : {};
  }

  /** Whether anything is prepared and undecided for `txId`. */
  hasStaged(txId: string): boolean {
    return existsSync(this.staged(txId));
  }

  private get dataFile(): string {
    return join(this.dir, 'data.json');
  }

  private staged(txId: string): string {
    return join(this.dir, `staged-${txId}.json`);
  }
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
