/**
 * `<data-dir>/cluster.json`: the shape a local cluster was created with (member count, base
 * port, token), so that running `concord cluster` again on the same directory restarts the
 * same cluster even without the flags, and refuses flags that contradict it (members started
 * with other URLs or another token would not find each other).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError, UsageError } from './command-error.js';
import type { ClusterShape } from './cluster-plan.js';

const formatVersion = 1;
const fileName = 'cluster.json';

export interface RequestedShape {
  readonly dataDir: string;
  /** Absent when the flag was not given. */
  readonly members: number | undefined;
  readonly basePort: number | undefined;
  readonly membersDefault: number;
  readonly basePortDefault: number;
}

/** The shape recorded in the data dir (checked against the flags), or a new one, recorded. */
export async function loadOrCreateShape(
  requested: RequestedShape,
): Promise<{ shape: ClusterShape; existing: boolean }> {
  const path = join(requested.dataDir, fileName);
  const recorded = await readShape(path, requested.dataDir);
  if (recorded !== undefined) {
    for (const [flag, given, kept] of [
      ['--members', requested.members, recorded.members],
      ['--base-port', requested.basePort, recorded.basePort],
    ] as const) {
      if (given !== undefined && given !== kept) {
        throw new UsageError(
          `${requested.dataDir} holds a ${recorded.members}-member cluster on base port ${recorded.basePort}; ${flag} ${given} contradicts it (drop the flag to restart that cluster, or choose another --data-dir)`,
        );
      }
    }
    return { shape: recorded, existing: true };
  }
  const shape: ClusterShape = {
    dataDir: requested.dataDir,
    members: requested.members ?? requested.membersDefault,
    basePort: requested.basePort ?? requested.basePortDefault,
    token: `concord-local-${randomBytes(6).toString('hex')}`,
  };
  return { shape, existing: false };
}

/** Records the shape (after the plan was validated, before any member starts). */
export async function saveShape(shape: ClusterShape): Promise<void> {
  await mkdir(shape.dataDir, { recursive: true });
  const path = join(shape.dataDir, fileName);
  const text = JSON.stringify(
    { formatVersion, members: shape.members, basePort: shape.basePort, token: shape.token },
    null,
    2,
  );
  await writeFile(`${path}.tmp`, `${text}\n`);
  await rename(`${path}.tmp`, path);
}

async function readShape(path: string, dataDir: string): Promise<ClusterShape | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommandError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CommandError(`${path} is not JSON; remove ${dataDir} to start a new cluster`);
  }
  const { members, basePort, token } = parsed;
  if (
    parsed.formatVersion !== formatVersion ||
    typeof members !== 'number' ||
    typeof basePort !== 'number' ||
    typeof token !== 'string'
  ) {
    throw new CommandError(
      `${path} is not a cluster description this version knows; remove ${dataDir} to start a new cluster`,
    );
  }
  return { dataDir, members, basePort, token };
}
