/** What a command prints: its own answer always, the trace of what happened by log level. */
export type LogLevel = 'none' | 'info' | 'debug';

const rank: Record<LogLevel, number> = { none: 0, info: 1, debug: 2 };

export function isLogLevel(value: string): value is LogLevel {
  return value in rank;
}

export class Output {
  level: LogLevel = 'info';
  private lines: string[] = [];
  private indent = '';

  /** The command's own answer (status, raft-log, errors): printed at every level. */
  print(...lines: string[]): void {
    for (const line of lines) this.lines.push(this.indent + line);
  }

  /** The trace (Readys, messages, state changes): printed from `info` up. */
  info(...lines: string[]): void {
    if (rank[this.level] >= rank.info) this.print(...lines);
  }

  /** Details (every progress change on a leader): printed only at `debug`. */
  debug(...lines: string[]): void {
    if (rank[this.level] >= rank.debug) this.print(...lines);
  }

  withIndent(fn: () => void): void {
    const saved = this.indent;
    this.indent += '  ';
    try {
      fn();
    } finally {
      this.indent = saved;
    }
  }

  /** Everything printed since the last take; "ok" when nothing was. No blank lines. */
  take(): string {
    const text = this.lines.filter((line) => line.trim() !== '').join('\n');
    this.lines = [];
    return text === '' ? 'ok' : text;
  }
}
