/**
 * SIGINT and SIGTERM as a promise, for commands that supervise children: while it is in
 * place the signals do not kill this process; they resolve `received` (with the signal's
 * name) so the command can stop its children first. `dispose()` restores the defaults.
 */
export class StopSignals {
  readonly received: Promise<NodeJS.Signals>;
  private readonly handlers: [NodeJS.Signals, () => void][] = [];

  constructor(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']) {
    this.received = new Promise((resolve) => {
      for (const signal of signals) {
        const handler = (): void => resolve(signal);
        process.on(signal, handler);
        this.handlers.push([signal, handler]);
      }
    });
  }

  dispose(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.length = 0;
  }
}
