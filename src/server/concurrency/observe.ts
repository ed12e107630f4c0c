/**
 * Observing an election, as etcd's Election.Observe does: the current leader's key and value,
 * then each new value it proclaims, then, once its key is deleted, the next leader (waiting
 * for a first candidate if there is none), and so on, in revision order. Intermediate values
 * may be skipped only when they were overwritten before they could be read; the latest one is
 * always delivered.
 *
 * Unlike etcd, whose Observe stream ends when its watch is compacted away, Concord reads the
 * leader again and carries on.
 */
import type { KeyValue } from '../../mvcc/types.js';
import type { ConcordApi } from '../../node/api.js';
import { ApiWatch } from './api-watch.js';
import { firstCreated, prefixEnd, prefixOf } from './keys.js';

/** Delivers one observation; resolves when the consumer can take the next. */
export type ObserveSend = (revision: number, kv: KeyValue) => Promise<void>;

/** Runs until `signal` aborts (then rejects with 'Canceled') or the member stops. */
export async function observe(
  api: ConcordApi,
  name: Uint8Array,
  signal: AbortSignal,
  send: ObserveSend,
): Promise<never> {
  const prefix = prefixOf(name);
  for (;;) {
    const { header, response } = await api.range(firstCreated(prefix), { signal });
    let leader: KeyValue | undefined = response.kvs[0];
    let revision = header.revision;
    if (leader === undefined) {
      leader = await firstCandidate(api, prefix, header.revision + 1, signal);
      if (leader === undefined) continue;
      revision = leader.modRevision;
    }
    await send(revision, leader);
    await followLeader(api, leader.key, revision + 1, signal, send);
  }
}

/** The first key put under `prefix` from `revision` on; undefined if that was compacted. */
async function firstCandidate(
  api: ConcordApi,
  prefix: Uint8Array,
  revision: number,
  signal: AbortSignal,
): Promise<KeyValue | undefined> {
  const watch = new ApiWatch(
    api,
    { key: prefix, rangeEnd: prefixEnd(prefix), startRevision: revision, noDelete: true },
    signal,
  );
  try {
    for (;;) {
      const batch = await watch.next();
      if (batch.kind === 'compacted') return undefined;
      const put = batch.events.find((event) => event.type === 'PUT');
      if (put !== undefined) return put.kv;
    }
  } finally {
    watch.close();
  }
}

/** Sends the leader's new values from `revision` on; returns once its key is deleted. */
async function followLeader(
  api: ConcordApi,
  key: Uint8Array,
  revision: number,
  signal: AbortSignal,
  send: ObserveSend,
): Promise<void> {
  const watch = new ApiWatch(api, { key, startRevision: revision }, signal);
  try {
    for (;;) {
      const batch = await watch.next();
      if (batch.kind === 'compacted') return;
      for (const event of batch.events) {
        if (event.type === 'DELETE') return;
        await send(batch.revision, event.kv);
      }
    }
  } finally {
    watch.close();
  }
}
