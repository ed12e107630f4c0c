/**
 * The Lock service (etcd's v3lock): distributed locks served by the cluster, for clients
 * without a lock recipe of their own. The mutex is ../concurrency/mutex.ts, with etcd's key
 * layout, so a gRPC Lock caller and `etcdctl lock` (which locks client-side) exclude each
 * other. Lock waits as long as the client does: a client that cancels or goes away leaves
 * the queue. Waiting calls are bounded (--max-waiting-calls, waiting-calls.ts).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { lock, unlock } from '../concurrency/mutex.js';
import { toWireHeader } from '../convert/header.js';
import { int64ToBigint } from '../convert/int64.js';
import { bytes } from '../convert/kv-requests.js';
import type { ResolvedOptions } from '../options.js';
import type {
  LockRequestIn,
  LockResponseOut,
  UnlockRequestIn,
  UnlockResponseOut,
} from '../wire/lock.js';
import { unary } from './unary.js';
import type { WaitingCalls } from './waiting-calls.js';

export function lockService(
  options: ResolvedOptions,
  waiting: WaitingCalls,
): UntypedServiceImplementation {
  const { api, onBug } = options;
  return {
    Lock: unary<LockRequestIn, LockResponseOut>(onBug, async (request, signal) => {
      const held = await waiting.run(() =>
        lock(api, bytes(request.name), int64ToBigint(request.lease), signal),
      );
      return { header: toWireHeader(held.header), key: held.key };
    }),
    Unlock: unary<UnlockRequestIn, UnlockResponseOut>(onBug, async (request, signal) => {
      const header = await unlock(api, bytes(request.key), signal);
      return { header: toWireHeader(header) };
    }),
  };
}
