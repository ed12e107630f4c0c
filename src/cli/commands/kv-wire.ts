/**
 * The KV calls as the commands make them: the client's own request builders and its
 * connection (failover, retries, request identities), but the wire responses kept whole, so
 * `-w json` can print etcd's header (cluster, member, revision, term) as etcdctl does.
 */
import type { Client } from '../../client/index.js';
import { Namespace } from '../../client/namespace.js';
import {
  deleteRequest,
  putRequest,
  rangeRequest,
  txnRequest,
  type DeleteOptions,
  type GetOptions,
  type PutOptions,
  type TxnSpec,
} from '../../client/ops.js';
import type {
  WireDeleteRangeResponse,
  WirePutResponse,
  WireRangeResponse,
  WireTxnResponse,
} from '../../client/proto.js';

const root = new Namespace(Buffer.alloc(0));

export function rangeWire(
  client: Client,
  key: Buffer,
  options: GetOptions,
): Promise<WireRangeResponse> {
  return client.connection.unary('KV', 'Range', rangeRequest(root, key, options), 'read');
}

export function putWire(
  client: Client,
  key: Buffer,
  value: Buffer,
  options: PutOptions,
): Promise<WirePutResponse> {
  return client.connection.unary('KV', 'Put', putRequest(root, key, value, options), 'write');
}

export function deleteWire(
  client: Client,
  key: Buffer,
  options: DeleteOptions,
): Promise<WireDeleteRangeResponse> {
  return client.connection.unary('KV', 'DeleteRange', deleteRequest(root, key, options), 'write');
}

export function txnWire(client: Client, spec: TxnSpec): Promise<WireTxnResponse> {
  const writes = [...spec.success, ...spec.failure].some((o) => o.type !== 'get');
  return client.connection.unary('KV', 'Txn', txnRequest(root, spec), writes ? 'write' : 'read');
}
