/**
 * The last few things that happened in a run, kept so a failing seed can print the story
 * that led to the violation. Bounded: a ring of `capacity` lines, oldest dropped first.
 */
export class Trace {
  private readonly lines: string[] = [];
  private start = 0;

  constructor(readonly capacity = 80) {}

  record(tick: number, text: string): void {
    const line = `t=${tick} ${text}`;
    if (this.lines.length < this.capacity) {
      this.lines.push(line);
      return;
    }
    this.lines[this.start] = line;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The kept lines, oldest first. */
  tail(): string[] {
    return [...this.lines.slice(this.start), ...this.lines.slice(0, this.start)];
  }
}
