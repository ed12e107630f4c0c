import { ConcordError } from '../base/errors.js';
import { joinPath, type Disk } from '../env/disk.js';

/**
 * Who this member is, decided once when its data directory is created and kept there
 * (`<data-dir>/member/identity`): later starts ignore the initial-cluster flags, as etcd does.
 */
export interface Identity {
  readonly name: string;
  readonly memberId: bigint;
  /** 0n while a joining member has not yet heard from the cluster. */
  readonly clusterId: bigint;
  /** --initial-cluster-token, which member IDs derive from (MemberAdd computes the same). */
  readonly clusterToken: string;
}

const formatVersion = 1;
const fileName = 'identity';

export async function loadIdentity(disk: Disk, dataDir: string): Promise<Identity | undefined> {
  const path = joinPath(dataDir, 'member', fileName);
  if ((await disk.stat(path)) === undefined) return undefined;
  const file = await disk.open(path, 'read');
  try {
    const buffer = new Uint8Array(await file.size());
    await file.read(buffer, 0);
    const parsed = JSON.parse(new TextDecoder().decode(buffer)) as Record<string, unknown>;
    if (parsed.formatVersion !== formatVersion) {
      throw new ConcordError(
        'Corrupt',
        `${path}: unknown format version ${String(parsed.formatVersion)}`,
      );
    }
    return {
      name: String(parsed.name),
      memberId: BigInt(String(parsed.memberId)),
      clusterId: BigInt(String(parsed.clusterId)),
      clusterToken: String(parsed.clusterToken ?? ''),
    };
  } catch (error) {
    if (error instanceof ConcordError) throw error;
    throw new ConcordError('Corrupt', `${path}: unreadable member identity: ${String(error)}`);
  } finally {
    await file.close();
  }
}

/** Writes the identity atomically: a temp file, fsync, rename, fsync of the directory. */
export async function saveIdentity(disk: Disk, dataDir: string, identity: Identity): Promise<void> {
  const dir = joinPath(dataDir, 'member');
  await disk.mkdir(dir);
  const text = JSON.stringify({
    formatVersion,
    name: identity.name,
    memberId: identity.memberId.toString(),
    clusterId: identity.clusterId.toString(),
    clusterToken: identity.clusterToken,
  });
  const temp = joinPath(dir, `${fileName}.tmp`);
  if ((await disk.stat(temp)) !== undefined) await disk.unlink(temp);
  const file = await disk.open(temp, 'create');
  try {
    await file.write(new TextEncoder().encode(text), 0);
    await file.fdatasync();
  } finally {
    await file.close();
  }
  await disk.rename(temp, joinPath(dir, fileName));
  await disk.fsyncDir(dir);
}
