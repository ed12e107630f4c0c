/**
 * The Maintenance service. Headers follow etcd's maintenance server: Hash's revision is the
 * one hashed, HashKV's and Alarm's the current one; Defragment and MoveLeader answer with no
 * header at all, as etcd does. Downgrade is not served (Concord has one storage version).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConcordError } from '../../base/errors.js';
import { takesStreamCaller } from '../auth/explicit-caller.js';
import { fromWireAlarm, toWireAlarmMember } from '../convert/alarm.js';
import { toWireHeader } from '../convert/header.js';
import { int64ToNonNegative, numberToInt64, uint64ToBigint } from '../convert/int64.js';
import { toWireStatus } from '../convert/status.js';
import type { ResolvedOptions } from '../options.js';
import type {
  AlarmRequestIn,
  AlarmResponseOut,
  HashKVRequestIn,
  HashKVResponseOut,
  HashResponseOut,
  MoveLeaderRequestIn,
  StatusResponseOut,
} from '../wire/maintenance.js';
import type { SnapshotCall } from './snapshot.js';
import { SnapshotStream } from './snapshot.js';
import type { StreamRegistry } from './stream-registry.js';
import { unary } from './unary.js';
import { unimplemented } from './unimplemented.js';

export function maintenanceService(
  options: ResolvedOptions,
  streams: StreamRegistry,
): UntypedServiceImplementation {
  const { api, onBug, limits } = options;
  return {
    Status: unary<object, StatusResponseOut>(onBug, async () =>
      toWireStatus(await api.status(), limits.quotaBackendBytes),
    ),
    Hash: unary<object, HashResponseOut>(onBug, async (_request, signal) => {
      const { header, response } = await api.hash({ signal });
      return { header: toWireHeader(header), hash: response };
    }),
    HashKV: unary<HashKVRequestIn, HashKVResponseOut>(onBug, async (request, signal) => {
      // etcd treats a negative revision as 0 (the current one), as Range does.
      const revision = int64ToNonNegative(request.revision);
      const { header, response } = await api.hashKv(revision, { signal });
      return {
        header: toWireHeader(header),
        hash: response.hash,
        compactRevision: numberToInt64(response.compactRevision),
        hashRevision: numberToInt64(response.hashRevision),
      };
    }),
    // Takes its caller from the guard: no AsyncLocalStorage context for the stream's life.
    Snapshot: takesStreamCaller((call: SnapshotCall, caller) =>
      new SnapshotStream(call, options, streams, caller).start(),
    ),
    MoveLeader: unary<MoveLeaderRequestIn, object>(onBug, async (request, signal) => {
      // etcd's maintenance server refuses before asking Raft when this member does not lead.
      const status = await api.status();
      if (status.leader !== status.header.memberId) throw new ConcordError('NotLeader');
      await api.moveLeader(uint64ToBigint(request.targetID), { signal });
      return {};
    }),
    Alarm: unary<AlarmRequestIn, AlarmResponseOut>(onBug, async (request, signal) => {
      const { header, response } = await api.alarm(fromWireAlarm(request), { signal });
      return { header: toWireHeader(header), alarms: response.map(toWireAlarmMember) };
    }),
    Defragment: unary<object, object>(onBug, async (_request, signal) => {
      await api.defragment({ signal });
      return {};
    }),
    Downgrade: unimplemented('Downgrade'),
  };
}
