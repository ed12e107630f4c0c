/**
 * What one closed-loop client of each workload kind sends. `prepare` runs before the clock
 * starts (leases granted, txn keys seeded); `next` is one timed operation.
 */
import type { Workload } from '../workloads.js';
import type { Connection, KeyValue, ResponseHeader } from './connection.js';
import { StreamCalls } from './stream-calls.js';

export interface ClientLoop {
  prepare(): Promise<void>;
  next(): Promise<void>;
  close(): void;
}

/** The key of the single-key range workloads (written once in prepare). */
const rangeKey = Buffer.from('bench/range');

/** An 8-byte-style key from a number, fixed width like etcd-benchmark's --key-size. */
function fixedKey(n: number, bytes: number): Buffer {
  return Buffer.from(n.toString(36).padStart(bytes, '0').slice(-bytes));
}

export function clientLoop(workload: Workload, connection: Connection, id: string): ClientLoop {
  const value = Buffer.alloc(workload.valueBytes, 'v');
  switch (workload.kind) {
    case 'put':
      return {
        prepare: async () => {},
        next: async () => {
          const key = fixedKey(Math.floor(Math.random() * workload.keySpace), workload.keyBytes);
          await connection.unary('KV', 'Put', { key, value });
        },
        close: () => {},
      };
    case 'range':
      return {
        prepare: async () => {
          await connection.unary('KV', 'Put', { key: rangeKey, value });
        },
        next: async () => {
          await connection.unary('KV', 'Range', {
            key: rangeKey,
            serializable: workload.serializable,
          });
        },
        close: () => {},
      };
    case 'txn':
      return txnLoop(connection, Buffer.from(`bench/txn/${id}`), value);
    case 'lease':
      return leaseLoop(connection);
    case 'watch':
      throw new Error('watch clients are watchers, not loops (see watchers.ts)');
  }
}

interface TxnResponse {
  readonly header: ResponseHeader;
  readonly succeeded: boolean;
  readonly responses: readonly { responseRange?: { kvs: readonly KeyValue[] } }[];
}

/**
 * Compare-and-put on this client's own key: if its mod revision is still the one we last
 * saw, put; otherwise read it (and retry next time). No contention between clients, so
 * every txn should succeed; a failed compare is counted as an error.
 */
function txnLoop(connection: Connection, key: Buffer, value: Buffer): ClientLoop {
  let modRevision = '0';
  return {
    prepare: async () => {
      const put = await connection.unary<{ header: ResponseHeader }>('KV', 'Put', { key, value });
      modRevision = put.header.revision;
    },
    next: async () => {
      const response = await connection.unary<TxnResponse>('KV', 'Txn', {
        compare: [{ result: 'EQUAL', target: 'MOD', key, modRevision }],
        success: [{ requestPut: { key, value } }],
        failure: [{ requestRange: { key } }],
      });
      if (response.succeeded) {
        modRevision = response.header.revision;
        return;
      }
      modRevision = response.responses[0]?.responseRange?.kvs[0]?.modRevision ?? modRevision;
      throw new Error('txn compare failed');
    },
    close: () => {},
  };
}

/** One lease per client, kept alive over the client's own LeaseKeepAlive stream. */
function leaseLoop(connection: Connection): ClientLoop {
  let id = '0';
  let calls: StreamCalls<{ TTL: string }> | undefined;
  return {
    prepare: async () => {
      const granted = await connection.unary<{ ID: string }>('Lease', 'LeaseGrant', { TTL: 300 });
      id = granted.ID;
      calls = new StreamCalls(connection.stream('Lease', 'LeaseKeepAlive'));
    },
    next: async () => {
      const response = await calls!.call({ ID: id });
      if (response.TTL === '0') throw new Error(`lease ${id} not found`);
    },
    close: () => calls?.close(),
  };
}
