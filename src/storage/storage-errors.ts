/**
 * How storage turns the world's failures into ConcordErrors: a full disk is 'NoSpace', any
 * other I/O failure 'Io', and damage found on disk 'Corrupt' with the file, the offset and
 * what the operator can do about it.
 */
import { ConcordError } from '../base/errors.js';
import { errnoCode } from '../env/disk.js';

/** Wraps a Disk failure; `what` says what was being done, e.g. "fdatasync member/wal/0-1.wal". */
export function ioError(error: unknown, what: string): ConcordError {
  if (error instanceof ConcordError) return error;
  const code = errnoCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC') {
    return new ConcordError('NoSpace', `no space left on device: ${what}: ${reason}`, {
      cause: error,
    });
  }
  return new ConcordError('Io', `I/O error: ${what}: ${reason}`, { cause: error });
}

const recovery =
  'The member cannot trust its data. Restore the data directory from a snapshot ' +
  '(concord snapshot restore), or remove this member and add it back as a new member so ' +
  'it catches up from the leader.';

/** Damage found on disk that is not a torn tail: the member must refuse to start. */
export function corruptError(path: string, offset: number, reason: string): ConcordError {
  return new ConcordError('Corrupt', `corrupt ${path} at offset ${offset}: ${reason}. ${recovery}`);
}

/** Logs a line; `fields` are structured details. The default writes to stderr. */
export type LogFn = (line: string, fields?: object) => void;

export const stderrLog: LogFn = (line, fields) => {
  process.stderr.write(`${line}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}\n`);
};
