/** The Watch service: each call is one WatchStream (./watch-stream.ts). */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ResolvedOptions } from '../options.js';
import type { StreamRegistry } from './stream-registry.js';
import type { WatchCall } from './watch-stream.js';
import { WatchStream } from './watch-stream.js';

export function watchService(
  options: ResolvedOptions,
  streams: StreamRegistry,
): UntypedServiceImplementation {
  return {
    Watch: (call: WatchCall) => new WatchStream(call, options, streams).start(),
  };
}
