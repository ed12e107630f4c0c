/**
 * The Watch service: each call is one WatchStream (./watch-stream.ts), admitted by the
 * require-leader rule (./require-leader.ts).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { takesStreamCaller } from '../auth/explicit-caller.js';
import type { ResolvedOptions } from '../options.js';
import { LeaderMonitor } from './require-leader.js';
import type { StreamRegistry } from './stream-registry.js';
import type { WatchCall } from './watch-stream.js';
import { WatchStream } from './watch-stream.js';

export function watchService(
  options: ResolvedOptions,
  streams: StreamRegistry,
): UntypedServiceImplementation {
  // A stream sent with `hasleader: true` ends once the member loses its leader.
  const monitor = new LeaderMonitor(options.api, options.electionTimeoutMs);
  return {
    // Takes its caller from the guard (no AsyncLocalStorage context: one open Watch stream
    // would otherwise keep its async hooks on for every promise the process makes).
    Watch: takesStreamCaller((call: WatchCall, caller) =>
      monitor.admit(call, () => new WatchStream(call, options, streams, caller).start()),
    ),
  };
}
