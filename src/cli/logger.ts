/**
 * `concord serve`'s logger: pino, one JSON object per line, as etcd's zap logger writes them:
 * `{"level":"info","time":"2026-01-01T00:00:00.000Z","member":"m1","msg":"leader changed",
 * "term":3,"leader":"8e9e05c52164694d"}`. Every line carries the member's name. Lines go to
 * --log-outputs (stderr by default, as etcd's), written synchronously so a crash or a SIGKILL
 * loses none of what was logged before it.
 */
import { pino, type DestinationStream } from 'pino';
import type { LogFields, Logger, LogLevel } from '../env/logger.js';
import { ConfigError } from './serve-config.js';

export interface ServeLogOptions {
  /** --name: carried by every line. */
  readonly member: string;
  /** --log-level: lines below it are dropped. */
  readonly level: LogLevel;
  /** --log-outputs: 'stderr', 'stdout' or file paths (appended to). */
  readonly outputs: readonly string[];
}

export function createServeLogger(options: ServeLogOptions): Logger {
  const destinations = options.outputs.map(destinationFor);
  // One line to every output (pino.multistream cannot carry the level as a label).
  const destination: DestinationStream =
    destinations.length === 1
      ? destinations[0]!
      : { write: (line: string) => destinations.forEach((d) => d.write(line)) };
  const logger = pino(
    {
      level: options.level,
      base: { member: options.member },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (fields === undefined) logger[level](msg);
      else logger[level](fields, msg);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Throws a ConfigError naming the output when a log file cannot be created or opened. */
function destinationFor(output: string): DestinationStream {
  if (output === 'stderr') return pino.destination({ dest: 2, sync: true });
  if (output === 'stdout') return pino.destination({ dest: 1, sync: true });
  try {
    return pino.destination({ dest: output, sync: true, append: true, mkdir: true });
  } catch (error) {
    throw new ConfigError(
      `--log-outputs ${output}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
