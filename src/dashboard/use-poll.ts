/** Polls `load` every `intervalMs` while the view is shown; the last result or error. */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  /** Loads again now (after a change the user made). */
  readonly refresh: () => void;
}

export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: unknown[] = [],
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const tick = useRef<() => void>(() => undefined);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    let running = false;
    const run = async (): Promise<void> => {
      if (running) return;
      running = true;
      window.clearTimeout(timer);
      try {
        const next = await load();
        if (live) {
          setData(next);
          setError(undefined);
        }
      } catch (failure) {
        if (live) setError(failure);
      } finally {
        running = false;
        if (live) timer = window.setTimeout(() => void run(), intervalMs);
      }
    };
    tick.current = () => void run();
    void run();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, deps);
  return { data, error, refresh: () => tick.current() };
}
