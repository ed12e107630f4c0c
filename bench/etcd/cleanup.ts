/**
 * The bench's undo list: servers to stop and temp dirs to remove, run in reverse order on a
 * normal exit, on a thrown error (try/finally in main), on Ctrl-C, SIGTERM or SIGHUP and on an
 * uncaught exception, so a failed or interrupted run leaves no process and no directory behind.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once (later calls wait for the first); a failing step does not stop the rest. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await step.run();
        } catch (error) {
          process.stderr.write(`bench: cleanup: ${step.what}: ${String(error)}\n`);
        }
      }
    })();
    return this.running;
  }

  /**
   * On SIGINT, SIGTERM or SIGHUP: clean up, then exit with the signal's conventional status
   * (128 + its number). On an exception nothing caught (a stream's error event, say): print
   * it, clean up, exit 1. A SIGKILL cannot be caught: then the temp dirs say what was left.
   */
  onSignals(): void {
    const statuses: Partial<Record<NodeJS.Signals, number>> = {
      SIGHUP: 129,
      SIGINT: 130,
      SIGTERM: 143,
    };
    const exitAfterCleanup = (why: string, status: number): void => {
      process.stderr.write(`bench: ${why}: stopping servers, removing temp dirs\n`);
      void this.run().then(() => process.exit(status));
    };
    for (const [signal, status] of Object.entries(statuses))
      process.once(signal as NodeJS.Signals, () => exitAfterCleanup(signal, status));
    process.once('uncaughtException', (error) =>
      exitAfterCleanup(`uncaught ${error.stack ?? error.message}`, 1),
    );
  }
}
