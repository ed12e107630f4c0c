/**
 * The Logger port: where a member's log lines go. `concord serve` plugs in pino (JSON lines
 * with the member's name on every line: src/cli/logger.ts); tests and tools plug in a capture
 * or `silentLogger`. Lower layers see only this interface, never pino.
 *
 * A line is a short fixed message (what happened, as etcd words it where etcd logs the same
 * event, e.g. "slow fdatasync") plus structured fields (durations, term, leader), so a log
 * pipeline can match the message and read the numbers.
 *
 * @example
 * logger.warn('slow fdatasync', { took: '1.2s', 'expected-duration': '1s' });
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Structured details of a line; values must be JSON-serialisable (bigints as hex strings). */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const discard = (): void => undefined;

/** Drops every line. */
export const silentLogger: Logger = {
  debug: discard,
  info: discard,
  warn: discard,
  error: discard,
};

/**
 * The older `(line, fields) => void` log functions that storage and transport take, writing at
 * `level` (their lines are rare: recovery, purges, rejected peers).
 */
export function logFunction(
  logger: Logger,
  level: LogLevel,
): (line: string, fields?: object) => void {
  return (line, fields) => logger[level](line, fields as LogFields | undefined);
}

/**
 * A duration as Go prints one ("1.5s", "120.5ms", "850µs"), the form etcd's log fields
 * (`took`, `expected-duration`) carry.
 */
export function formatDuration(ms: number): string {
  const trim = (value: number): string => String(Number(value.toFixed(6)));
  if (ms === 0) return '0s';
  if (ms >= 1000) return `${trim(ms / 1000)}s`;
  if (ms >= 1) return `${trim(ms)}ms`;
  return `${trim(ms * 1000)}µs`;
}

/**
 * Lets a recurring warning through at most once per `intervalMs` and counts the rest, so an
 * overloaded member (every request slow) does not also spend itself writing the same line.
 *
 * @example
 * const suppressed = throttle.admit(now);
 * if (suppressed !== undefined) logger.warn('request took too long', { suppressed, ... });
 */
export class LogThrottle {
  private nextAtMs = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(private readonly intervalMs: number) {}

  /** Undefined when this line is suppressed; else how many were since the last one let through. */
  admit(nowMs: number): number | undefined {
    if (nowMs < this.nextAtMs) {
      this.suppressed++;
      return undefined;
    }
    this.nextAtMs = nowMs + this.intervalMs;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed;
  }
}
