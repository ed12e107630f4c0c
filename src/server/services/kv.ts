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
import { toWireDeleteRange, toWirePut, toWireRange } from '../convert/kv-responses.js';
import { toWireHeader } from '../convert/header.js';
import { fromWireTxn, toWireTxn } from '../convert/txn.js';
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
  DeleteRangeResponseOut,
  PutRequestIn,
  PutResponseOut,
  RangeRequestIn,
  RangeResponseOut,
  TxnRequestIn,
  TxnResponseOut,
} from '../wire/kv.js';
import { identityFrom } from '../request-identity.js';
import { unary } from './unary.js';
import { unimplemented } from './unimplemented.js';

export function kvService(options: ResolvedOptions): UntypedServiceImplementation {
  const { api, limits, onBug } = options;
  const checkSize = (request: object): void => {
    if (requestBytes(request) > limits.requestBytesMax) throw new ConcordError('RequestTooLarge');
  };
  return {
    Range: unary<RangeRequestIn, RangeResponseOut>(onBug, async (request, signal) => {
      checkRangeRequest(request);
      const { header, response } = await api.range(fromWireRange(request), { signal });
      return toWireRange(header, response);
    }),
    RangeStream: unimplemented('RangeStream'),
    Put: unary<PutRequestIn, PutResponseOut>(onBug, async (request, signal, metadata) => {
      checkPutRequest(request);
      checkSize(request);
      const identity = identityFrom(metadata);
      const { header, response } = await api.put(fromWirePut(request), { signal, identity });
      return toWirePut(header, response);
    }),
    DeleteRange: unary<DeleteRangeRequestIn, DeleteRangeResponseOut>(
      onBug,
      async (request, signal, metadata) => {
        checkDeleteRequest(request);
        checkSize(request);
        const { header, response } = await api.deleteRange(fromWireDeleteRange(request), {
          signal,
          identity: identityFrom(metadata),
        });
        return toWireDeleteRange(header, response);
      },
    ),
    Txn: unary<TxnRequestIn, TxnResponseOut>(onBug, async (request, signal, metadata) => {
      checkTxnRequest(request, limits.txnOpsMax);
      const txn = fromWireTxn(request);
      // The store's own duplicate-key rule (apply runs it again); after the op count check,
      // so a huge txn cannot make it quadratic.
      const duplicate = validateTxn(txn);
      if (duplicate !== undefined) throw duplicate;
      checkSize(request);
      const { header, response } = await api.txn(txn, { signal, identity: identityFrom(metadata) });
      return toWireTxn(header, response);
    }),
    Compact: unary<CompactionRequestIn, CompactionResponseOut>(onBug, async (request, signal) => {
      const compaction = fromWireCompaction(request);
      // etcd's store starts with compactMainRev -1, so a negative revision is always behind
      // it; refused here, as the request log encodes revisions unsigned.
      if (compaction.revision < 0) {
        throw new ConcordError('RevisionCompacted', 'mvcc: required revision has been compacted');
      }
      const { header } = await api.compact(compaction, { signal });
      return { header: toWireHeader(header) };
    }),
  };
}
