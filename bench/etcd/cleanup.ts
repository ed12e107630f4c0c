/**
 * The bench's undo list: servers to stop and temp dirs to remove, run in reverse order on a
 * normal exit, on a thrown error (try/finally in main) and on Ctrl-C or SIGTERM, so a failed
 * or interrupted run leaves no process and no directory behind.
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

  /** On SIGINT/SIGTERM: clean up, then exit with the signal's conventional status. */
  onSignals(): void {
    const handler = (signal: NodeJS.Signals): void => {
      process.stderr.write(`bench: ${signal}: stopping servers, removing temp dirs\n`);
      void this.run().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }
}
