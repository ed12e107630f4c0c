/**
 * Taking one item off a queue directory (shared by Queue and PriorityQueue): a Txn deletes
 * the item only if it is still the very version that was read, so of all the consumers that
 * read the same head, exactly one deletes it and gets it; the others read again. This is
 * etcd's recipes' claimFirstKey.
 */
import type { Client } from '../client.js';
import type { CallOptions } from '../connection.js';
import type { KeyValue } from '../key-value.js';
import { compare, op, type GetOptions } from '../ops.js';
import { waitEvent, waitOrReread } from './barrier-events.js';

/** Deletes `kv` if unchanged since it was read; true if this caller got it. */
export async function claim(client: Client, kv: KeyValue, options: CallOptions): Promise<boolean> {
  const result = await client
    .txn()
    .if(compare.modRevision(kv.key, '=', kv.modRevision))
    .then(op.delete(kv.key))
    .commit(options);
  return result.succeeded;
}

/**
 * Claims the head of `dir` (the first key by `order`), waiting for an item when the
 * directory is empty; resolves with the claimed item.
 */
export async function claimHead(
  client: Client,
  dir: string,
  order: GetOptions['sort'],
  options: CallOptions & { readonly wait: boolean },
): Promise<KeyValue | undefined> {
  const { wait, ...call } = options;
  for (;;) {
    const head = await client.range(dir, { prefix: true, sort: order, limit: 1, ...call });
    const kv = head.kvs[0];
    if (kv !== undefined) {
      if (await claim(client, kv, call)) return kv;
      continue;
    }
    if (!wait) return undefined;
    await waitOrReread(
      waitEvent(client, dir, {
        prefix: true,
        startRevision: head.revision + 1,
        type: 'put',
        ...(call.signal === undefined ? {} : { signal: call.signal }),
      }),
    );
  }
}
