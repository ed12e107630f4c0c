/**
 * Password hashing for the auth store. The state machine is pure, so the member that takes
 * UserAdd or UserChangePassword hashes the password HERE, before proposing, and only the hash
 * goes through Raft (etcd 3.5 does the same with bcrypt: AuthUserAddRequest.hashedPassword).
 *
 * scrypt from node:crypto with a random 16-byte salt, stored self-describing:
 *   scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>
 * so a later change of cost still verifies old hashes. etcd's --bcrypt-cost (4..31, default
 * 10) maps to log2 N = cost + 4 (10 -> N = 2^14, scrypt's interactive-login recommendation),
 * capped at 2^17 (128 MiB with r = 8) so one login cannot exhaust a member's memory.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** etcd's bcrypt.MinCost, MaxCost and DefaultCost. */
export const bcryptCostMin = 4;
export const bcryptCostMax = 31;
export const bcryptCostDefault = 10;
const log2NMax = 17;
const blockSize = 8;
const parallelization = 1;
const saltBytes = 16;
const hashBytes = 32;

export function scryptLog2N(bcryptCost: number): number {
  return Math.min(bcryptCost + 4, log2NMax);
}

export async function hashPassword(password: string, bcryptCost: number): Promise<string> {
  const log2N = scryptLog2N(bcryptCost);
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, log2N, blockSize, parallelization);
  return [
    'scrypt',
    log2N,
    blockSize,
    parallelization,
    salt.toString('base64'),
    hash.toString('base64'),
  ].join('$');
}

/** False for a wrong password and for a hash this code cannot read (never throws). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || log2N > log2NMax) {
    return false;
  }
  if (r > 64 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length === 0) return false;
  const actual = await derive(password, salt, log2N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

function derive(
  password: string,
  salt: Buffer,
  log2N: number,
  r: number,
  p: number,
  length = hashBytes,
): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}
