/**
 * The read the health probes make, as etcd's: a one-key, keys-only Range, linearizable (a
 * ReadIndex round: proves a quorum answers) or serializable (proves the local store answers),
 * bounded in time so a probe never hangs on a member that lost its quorum.
 */
import { ConcordError } from '../../base/errors.js';
import type { ConcordApi } from '../../node/api.js';
import type { BugHandler } from '../status.js';
import { statusOf } from '../status.js';

const probeKey = new TextEncoder().encode('health');

/** Resolves undefined when the read succeeded, or the error text a gRPC client would see. */
export async function readCheck(
  api: ConcordApi,
  serializable: boolean,
  timeoutMs: number,
  onBug: BugHandler,
): Promise<string | undefined> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ConcordError('Timeout'));
    }, timeoutMs);
  });
  try {
    const read = { key: probeKey, limit: 1, keysOnly: true, serializable };
    await Promise.race([api.range(read, { signal: controller.signal }), timedOut]);
    return undefined;
  } catch (error) {
    return statusOf(error, onBug).details;
  } finally {
    clearTimeout(timer);
  }
}
