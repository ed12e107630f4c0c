/**
 * Splits a large watch response into fragments for a watcher that asked for them, as etcd's
 * sendFragments does: a response below `maxBytes` or with a single event goes whole;
 * otherwise each part takes events while it stays below `maxBytes` (always at least one), and
 * every part but the last carries fragment = true. A revision's events stay in order; the
 * client joins the parts before it hands them on.
 */
import { eventFieldSize, watchResponseBaseSize } from '../convert/wire-size.js';
import type { WireEvent } from '../wire/common.js';
import type { WatchResponseOut } from '../wire/watch.js';

export function fragmentWatchResponse(
  response: WatchResponseOut,
  maxBytes: number,
): WatchResponseOut[] {
  const events = response.events ?? [];
  const sizes = events.map(eventFieldSize);
  const total = sizes.reduce((sum, size) => sum + size, watchResponseBaseSize(response));
  if (total < maxBytes || events.length < 2) return [response];
  // Every part carries a fragment flag (true or false); count it so no part reaches maxBytes.
  const base = watchResponseBaseSize({ ...response, fragment: true });

  const parts: WatchResponseOut[] = [];
  let start = 0;
  while (start < events.length) {
    let size = base + (sizes[start] as number);
    let end = start + 1;
    while (end < events.length && size + (sizes[end] as number) < maxBytes) {
      size += sizes[end] as number;
      end++;
    }
    const slice: WireEvent[] = events.slice(start, end);
    parts.push({ ...response, events: slice, fragment: end < events.length });
    start = end;
  }
  return parts;
}
