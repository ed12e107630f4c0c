/**
 * What must hold after hostile input: the member still runs and answers /health, its memory
 * stays bounded, and (after input that cannot decode) its state is exactly what it was.
 */
import { readFileSync } from 'node:fs';
import { rawClient, unaryCall } from '../helpers/grpc.js';

/**
 * The resident set of a process, in bytes (VmRSS in /proc/<pid>/status); undefined once it
 * has exited (a zombie has no VmRSS).
 */
export function rssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/** True if the process runs (exists and is not a zombie waiting to be reaped). */
export function alive(pid: number): boolean {
  return rssBytes(pid) !== undefined;
}

/** /health answers {"health":"true"}. */
export async function healthy(url: string, timeoutMs = 10_000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { health?: string };
    return response.ok && body.health === 'true';
  } catch {
    return false;
  }
}

export interface StateFingerprint {
  readonly revision: string;
  readonly hash: number;
}

/** The member's revision and HashKV at it. */
export async function fingerprint(endpoint: string): Promise<StateFingerprint> {
  const client = rawClient('Maintenance', endpoint);
  try {
    const response = await unaryCall<{ header: { revision: string }; hash: number }>(
      client,
      'HashKV',
      { revision: 0 },
    );
    return { revision: response.header.revision, hash: response.hash };
  } finally {
    client.close();
  }
}
