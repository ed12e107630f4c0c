/**
 * The KV service: etcd's checks (../validate), then the member. Writes whose encoded request
 * exceeds --max-request-bytes are refused with etcd's "request is too large", as etcd refuses
 * a Raft proposal of that size; gRPC itself refuses anything past the limit plus etcd's 512 KiB
 * overhead (server.ts).
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConcordError } from '../../base/errors.js';
import { validateTxn } from '../../mvcc/validate-txn.js';
import {
  fromWireCompaction,
  fromWireDeleteRange,
  fromWirePut,
  fromWireRange,
} from '../convert/kv-requests.js';
import { toWireHeader } from '../convert/header.js';
import { fromWireTxn } from '../convert/txn.js';
import type { ResolvedOptions } from '../options.js';
import { requestBytes } from '../proto.js';
import {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
} from '../validate/key.js';
import type {
  CompactionRequestIn,
  CompactionResponseOut,
  DeleteRangeRequestIn,
  PutRequestIn,
  RangeRequestIn,
  TxnRequestIn,
} from '../wire/kv.js';
import { identityFrom } from '../request-identity.js';
import type { PreEncoded } from '../wire/pre-encoded.js';
import { encodeRange } from '../wire/range-encoder.js';
import { encodeDeleteRange, encodePut, encodeTxn } from '../wire/kv-write-encoder.js';
import { callerOptions, unaryCall } from './unary.js';
import { unimplemented } from './unimplemented.js';

export function kvService(options: ResolvedOptions): UntypedServiceImplementation {
  const { api, limits, onBug } = options;
  const checkSize = (request: object): void => {
    if (requestBytes(request) > limits.requestBytesMax) throw new ConcordError('RequestTooLarge');
  };
  return {
    Range: unaryCall<RangeRequestIn, PreEncoded>(onBug, async (request, call) => {
      checkRangeRequest(request);
      const range = fromWireRange(request);
      // No AbortSignal: a serializable range answers at once, and a linearizable one waits
      // for a ReadIndex round that serves it whether or not its client is still there (a read
      // withdraws nothing), bounded by the request timeout. grpc-js drops the answer to a
      // cancelled call; listening for an abort would cost on every read.
      const options = callerOptions(call);
      const { header, response } = await api.range(range, options);
      return encodeRange(header, response); // protobufjs was the read's largest cost
    }),
    RangeStream: unimplemented('RangeStream'),
    Put: unaryCall<PutRequestIn, PreEncoded>(onBug, async (request, call) => {
      checkPutRequest(request);
      checkSize(request);
      const identity = identityFrom(call);
      const { header, response } = await api.put(fromWirePut(request), {
        ...callerOptions(call),
        signal: call.signal(),
        identity,
      });
      return encodePut(header, response); // protobufjs was a few % of a leader's CPU
    }),
    DeleteRange: unaryCall<DeleteRangeRequestIn, PreEncoded>(onBug, async (request, call) => {
      checkDeleteRequest(request);
      checkSize(request);
      const { header, response } = await api.deleteRange(fromWireDeleteRange(request), {
        ...callerOptions(call),
        signal: call.signal(),
        identity: identityFrom(call),
      });
      return encodeDeleteRange(header, response);
    }),
    Txn: unaryCall<TxnRequestIn, PreEncoded>(onBug, async (request, call) => {
      checkTxnRequest(request, limits.txnOpsMax);
      const txn = fromWireTxn(request);
      // The store's own duplicate-key rule (apply runs it again); after the op count check,
      // so a huge txn cannot make it quadratic.
      const duplicate = validateTxn(txn);
      if (duplicate !== undefined) throw duplicate;
      checkSize(request);
      const { header, response } = await api.txn(txn, {
        ...callerOptions(call),
        signal: call.signal(),
        identity: identityFrom(call),
      });
      return encodeTxn(header, response);
    }),
    Compact: unaryCall<CompactionRequestIn, CompactionResponseOut>(onBug, async (request, call) => {
      const compaction = fromWireCompaction(request);
      // etcd's store starts with compactMainRev -1, so a negative revision is always behind
      // it; refused here, as the request log encodes revisions unsigned.
      if (compaction.revision < 0) {
        throw new ConcordError('RevisionCompacted', 'mvcc: required revision has been compacted');
      }
      const { header } = await api.compact(compaction, {
        ...callerOptions(call),
        signal: call.signal(),
      });
      return { header: toWireHeader(header) };
    }),
  };
}
