/**
 * Concord's TypeScript client: the etcd v3 wire (so it works against etcd too), with
 * failover across members, safe retries, at-most-once writes on Concord, namespaces,
 * deadlines and cancellation, and the coordination recipes in `./recipes/`.
 *
 * @example
 * import { Client, Election, Mutex, Session, compare, op, runStm } from 'concord/client';
 *
 * const client = new Client({ endpoints: ['127.0.0.1:2379', '127.0.0.1:2381', '127.0.0.1:2383'] });
 *
 * // KV: strings or bytes in, Buffers out.
 * await client.put('config/color', 'blue');
 * const kv = await client.get('config/color');        // { key, value, createRevision, modRevision, version, lease }
 * const text = await client.getString('config/color'); // 'blue'
 * const all = await client.range('config/', { prefix: true, limit: 100 });
 * await client.delete('config/', { prefix: true });
 *
 * // Txn: if every compare holds, the `then` ops run, else the `else` ops, atomically.
 * const result = await client.txn()
 *   .if(compare.version('config/color', '=', 0))
 *   .then(op.put('config/color', 'red'))
 *   .else(op.get('config/color'))
 *   .commit();                                         // { succeeded, revision, results }
 *
 * // Watch: resumes after a member failure from the next revision (no gap, no duplicate).
 * const watcher = client.watch('config/', { prefix: true });
 * for await (const batch of watcher) {
 *   for (const event of batch.events) console.log(event.type, event.kv.key.toString());
 * }
 *
 * // Lease: kept alive until revoked or the client closes; 'lost' if it expired.
 * const lease = await client.grant(10);
 * lease.on('lost', (error) => console.error(error.reason));
 * await client.put('workers/1', 'up', { lease: lease.id });
 * await lease.revoke();
 *
 * // Operations: members, membership changes, a member's status, hashes, alarms.
 * const members = await client.cluster.members();     // [{ id, name, peerUrls, clientUrls, isLearner }]
 * const { added } = await client.cluster.add(['http://10.0.0.4:2380'], { learner: true });
 * const status = await client.maintenance.status();   // { memberId, leader, raftTerm, dbSize, ... }
 *
 * // Auth: users, roles, permissions; then clients that speak as a user.
 * await client.auth.addRole('reader');
 * await client.auth.grantPermission('reader', 'READ', 'config/', { prefix: true });
 * await client.auth.addUser('alice', 'secret');
 * await client.auth.grantRole('alice', 'reader');
 * const alice = new Client({ endpoints, auth: { username: 'alice', password: 'secret' } });
 *
 * // Every call takes { signal, timeoutMs }; a namespace hides a prefix.
 * const app = client.namespace('app/');
 * await app.get('x', { signal: AbortSignal.timeout(500) });
 *
 * // Recipes (./recipes/): a session's lease holds locks and candidacies.
 * const session = await Session.create(client, { ttl: 10 });
 * const mutex = new Mutex(session, 'locks/report');
 * const fencingToken = await mutex.lock();
 * await mutex.unlock();
 * const election = new Election(session, 'elections/scheduler');
 * await election.campaign('node-a');
 * if (await election.isLeader()) { ... }            // false on any doubt
 * await runStm(client, async (stm) => stm.put('n', String(Number(await stm.get('n') ?? 0) + 1)));
 * await session.close();
 *
 * client.close();
 */
export { Client } from './client.js';
export type { ClientOptions, TlsOptions, AuthOptions } from './options.js';
export type { CallOptions } from './connection.js';
export { prefixEnd, toBuffer, type Bytes } from './bytes.js';
export type { KeyValue } from './key-value.js';
export {
  compare,
  op,
  type Compare,
  type CompareOperator,
  type DeleteOptions,
  type DeleteResult,
  type GetOptions,
  type KeyRange,
  type Op,
  type OpResult,
  type PutOptions,
  type PutResult,
  type RangeResult,
  type SortTarget,
  type TxnResult,
  type TxnSpec,
} from './ops.js';
export { Txn } from './kv.js';
export { Watcher, type WatchBatch, type WatchEvent, type WatchOptions } from './watch.js';
export { Lease, type GrantOptions, type LeaseTimeToLive } from './lease.js';
export { Cluster, type Member } from './cluster.js';
export { Auth, type Permission, type PermissionType } from './auth.js';
export {
  Maintenance,
  type Alarm,
  type AlarmType,
  type KvHash,
  type MemberStatus,
} from './maintenance.js';
export {
  ClosedError,
  CompactedError,
  DeadlineError,
  LeaseLostError,
  OutcomeUnknownError,
  ServerError,
  type LeaseLostReason,
} from './errors.js';
export * from './recipes/index.js';
