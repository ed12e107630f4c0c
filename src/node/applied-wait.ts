/**
 * Waiters for the applied index to reach a point (etcd's wait.WaitTime): a ReadIndex read is
 * served only once the state machine has applied up to the read index.
 */
export class AppliedWait {
  private applied = 0;
  // Kept sorted by index, so triggering stops at the first one still in the future.
  private waiting: { index: number; resolve: () => void }[] = [];

  constructor(applied: number) {
    this.applied = applied;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  wait(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let at = this.waiting.length;
      while (at > 0 && this.waiting[at - 1]!.index > index) at--;
      this.waiting.splice(at, 0, { index, resolve });
    });
  }

  trigger(applied: number): void {
    if (applied <= this.applied) return;
    this.applied = applied;
    let n = 0;
    while (n < this.waiting.length && this.waiting[n]!.index <= applied) n++;
    if (n === 0) return;
    const ready = this.waiting.splice(0, n);
    for (const w of ready) w.resolve();
  }
}
