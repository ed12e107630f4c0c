/** The Maintenance service: Status now; the other methods arrive with later issues. */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { toWireStatus } from '../convert/status.js';
import type { ResolvedOptions } from '../options.js';
import type { StatusResponseOut } from '../wire/maintenance.js';
import { unary } from './unary.js';
import { unimplementedService } from './unimplemented.js';

export function maintenanceService(options: ResolvedOptions): UntypedServiceImplementation {
  const { api, onBug, limits } = options;
  return {
    ...unimplementedService([
      'Alarm',
      'Defragment',
      'Hash',
      'HashKV',
      'Snapshot',
      'MoveLeader',
      'Downgrade',
    ]),
    Status: unary<object, StatusResponseOut>(onBug, async () =>
      toWireStatus(await api.status(), limits.quotaBackendBytes),
    ),
  };
}
