/**
 * The Election service (etcd's v3election): leader election served by the cluster. The
 * election is ../concurrency/election.ts, with etcd's key layout, so gRPC campaigners and
 * `etcdctl elect` (which campaigns client-side) take part in the same elections. Observe is a
 * server stream (./election-observe.ts).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConcordError } from '../../base/errors.js';
import type { LeaderKey } from '../concurrency/election.js';
import { campaign, currentLeader, proclaim, resign } from '../concurrency/election.js';
import { toWireHeader } from '../convert/header.js';
import { bigintToInt64, int64ToBigint, int64ToNumber, numberToInt64 } from '../convert/int64.js';
import { toWireKeyValue } from '../convert/key-value.js';
import { bytes } from '../convert/kv-requests.js';
import type { ResolvedOptions } from '../options.js';
import type {
  CampaignRequestIn,
  CampaignResponseOut,
  HeaderOnlyOut,
  LeaderKeyIn,
  LeaderRequestIn,
  LeaderResponseOut,
  ProclaimRequestIn,
  ResignRequestIn,
} from '../wire/election.js';
import { observeHandler } from './election-observe.js';
import type { StreamRegistry } from './stream-registry.js';
import { unary } from './unary.js';
import type { WaitingCalls } from './waiting-calls.js';

export function electionService(
  options: ResolvedOptions,
  streams: StreamRegistry,
  waiting: WaitingCalls,
): UntypedServiceImplementation {
  const { api, onBug } = options;
  return {
    Campaign: unary<CampaignRequestIn, CampaignResponseOut>(onBug, async (request, signal) => {
      const { header, leader } = await waiting.run(() =>
        campaign(
          api,
          bytes(request.name),
          int64ToBigint(request.lease),
          bytes(request.value),
          signal,
        ),
      );
      return {
        header: toWireHeader(header),
        leader: {
          name: leader.name,
          key: leader.key,
          rev: numberToInt64(leader.rev),
          lease: bigintToInt64(leader.lease),
        },
      };
    }),
    Proclaim: unary<ProclaimRequestIn, HeaderOnlyOut>(onBug, async (request, signal) => {
      const header = await proclaim(api, leaderKey(request.leader), bytes(request.value), signal);
      return { header: toWireHeader(header) };
    }),
    Leader: unary<LeaderRequestIn, LeaderResponseOut>(onBug, async (request, signal) => {
      const { header, kv } = await currentLeader(api, bytes(request.name), signal);
      return { header: toWireHeader(header), kv: toWireKeyValue(kv) };
    }),
    Observe: observeHandler(options, streams, waiting),
    Resign: unary<ResignRequestIn, HeaderOnlyOut>(onBug, async (request, signal) => {
      const header = await resign(api, leaderKey(request.leader), signal);
      return { header: toWireHeader(header) };
    }),
  };
}

/** etcd refuses a Proclaim or Resign without a LeaderKey before doing anything. */
function leaderKey(wire: LeaderKeyIn | null): LeaderKey {
  if (wire === null) throw new ConcordError('ElectionMissingLeaderKey');
  return {
    name: bytes(wire.name),
    key: bytes(wire.key),
    rev: int64ToNumber(wire.rev),
    lease: int64ToBigint(wire.lease),
  };
}
