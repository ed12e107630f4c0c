/**
 * `concord watch KEY [RANGE_END]`: etcdctl's watch. Prints each event as it comes (PUT or
 * DELETE, then the key and value) until SIGINT or SIGTERM, which end it with exit code 0.
 * The client resumes the watch on another member when one fails, from the next revision:
 * no event is lost or printed twice.
 */
import { toBuffer, type KeyValue, type WatchBatch } from '../../client/index.js';
import type { WireKeyValue } from '../../client/proto.js';
import { intFlag } from '../args.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { kvJson, kvLines } from '../output/kv.js';
import { parseCommand, positionals, runClientCommand } from './context.js';
import { untilSignal } from './signals.js';

export const watchUsage = `usage: concord watch KEY [RANGE_END] [flags]
  print the events on a key or range as they happen, until interrupted (Ctrl-C: exit 0)
  --prefix       every key starting with KEY
  --from-key     KEY and every key after it
  --rev N        start at revision N (earlier events are replayed)
  --prev-kv      print each event's previous key and value too
`;

const flags = {
  prefix: { type: 'boolean' },
  'from-key': { type: 'boolean' },
  rev: { type: 'string' },
  'prev-kv': { type: 'boolean' },
} as const;

export function watch(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord watch', watchUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags, ['simple', 'json']);
    const [key, rangeEnd] = positionals(args, ['KEY'], ['RANGE_END']);
    const prefix = args.values.prefix === true;
    const fromKey = args.values['from-key'] === true;
    if ((prefix || fromKey) && rangeEnd !== undefined) {
      throw new UsageError('RANGE_END cannot go with --prefix or --from-key');
    }
    const rev = intFlag(args, 'rev', 0);
    const stop = untilSignal();
    try {
      const watcher = context.client().watch(toBuffer(key!), {
        prefix,
        fromKey,
        ...(rangeEnd !== undefined && { rangeEnd }),
        ...(rev > 0 && { startRevision: rev }),
        prevKv: args.values['prev-kv'] === true,
      });
      stop.signal.addEventListener('abort', () => void watcher.close(), { once: true });
      for await (const batch of watcher) {
        process.stdout.write(
          context.format === 'json' ? `${jsonText(batchJson(batch))}\n` : batchText(batch),
        );
      }
      if (!stop.signal.aborted) throw new Error('the watch ended: the client was closed');
      return 0;
    } finally {
      stop.dispose();
    }
  });
}

/** A client KeyValue back in wire shape, for the printers etcdctl's output shares. */
export function wireKv(kv: KeyValue): WireKeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: String(kv.createRevision),
    modRevision: String(kv.modRevision),
    version: String(kv.version),
    lease: kv.lease.toString(),
  };
}

function batchText(batch: WatchBatch): string {
  let text = '';
  for (const event of batch.events) {
    text += event.type === 'put' ? 'PUT\n' : 'DELETE\n';
    if (event.prevKv !== undefined) text += kvLines(wireKv(event.prevKv));
    text += kvLines(wireKv(event.kv));
  }
  return text;
}

/** clientv3's WatchResponse as etcdctl -w json prints it (Go field names; PUT is type 0). */
function batchJson(batch: WatchBatch): object {
  return {
    Header: { revision: batch.revision },
    Events: batch.events.map((e) => ({
      type: e.type === 'delete' ? 1 : undefined,
      kv: kvJson(wireKv(e.kv)),
      prev_kv: e.prevKv === undefined ? undefined : kvJson(wireKv(e.prevKv)),
    })),
    CompactRevision: 0,
    Canceled: false,
    Created: false,
  };
}
