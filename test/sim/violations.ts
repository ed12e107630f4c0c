/**
 * Where every checker reports. A run stops at the end of the step in which the first
 * violation was reported, so the trace ends at the failure instead of at its echoes.
 */
export class Violations {
  readonly messages: string[] = [];

  constructor(private readonly now: () => number) {}

  report(checker: string, message: string): void {
    this.messages.push(`[${checker}] t=${this.now()}: ${message}`);
  }

  get any(): boolean {
    return this.messages.length > 0;
  }
}
