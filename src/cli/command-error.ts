/**
 * How a `concord` subcommand fails, with exit codes a script can trust: 2 for a usage error
 * (bad flags or arguments: nothing was done), 1 for a failure (the command ran and could not
 * finish: an unreachable endpoint, a damaged file, a refused data directory).
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export class CommandError extends Error {
  override name = 'CommandError';
}

export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs a subcommand body and turns its errors into a message on stderr and an exit code.
 * Anything that is neither a UsageError nor a CommandError is a bug and is rethrown (with its
 * stack).
 */
export async function runCommand(
  command: string,
  usage: string,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\n\n${usage}`);
      return exitCodes.usage;
    }
    if (error instanceof CommandError) {
      process.stderr.write(`${command}: ${error.message}\n`);
      return exitCodes.failure;
    }
    throw error;
  }
}
