/**
 * A one-line progress bar on stderr for long transfers, drawn only when stderr is a terminal
 * (scripts and logs get nothing) and at most every 100 ms.
 */
import { humanBytes } from './snapshot-status.js';

const redrawMs = 100;
const barWidth = 30;

export class ProgressBar {
  private drawnAt = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = out.isTTY === true,
  ) {}

  /** `done` of `total` bytes (total 0: unknown). */
  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.drawnAt < redrawMs && done < total) return;
    this.drawnAt = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * barWidth);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}`;
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    this.out.write(
      `\r${this.label} [${bar}] ${percent}% ${humanBytes(done)} / ${humanBytes(total)}\x1b[K`,
    );
    this.drawn = true;
  }

  /** Erases the bar, so the next line starts clean. */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
