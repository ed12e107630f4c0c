/**
 * SIGINT and SIGTERM as an AbortSignal, for the commands that run until interrupted (watch,
 * lock, elect, lease keep-alive): the command stops cleanly (releases what it holds, closes
 * its client) and exits 0, instead of the process dying mid-call.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** Which signal arrived, if one did. */
  readonly received: () => NodeJS.Signals | undefined;
  dispose(): void;
}

export function untilSignal(): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const on = (name: NodeJS.Signals): void => {
    received = name;
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
