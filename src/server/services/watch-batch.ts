/**
 * One watcher's events waiting in its stream's outbox, as one WatchResponse. While it waits
 * (the client reads slower than the member commits), the watcher's next revisions join it
 * instead of queuing responses of their own, as etcd joins a lagging watcher's revisions in
 * one response: the client gets the same events in the same order, in fewer messages, and a
 * slow stream's backlog shrinks instead of growing one message per revision.
 *
 * A batch stops taking events once it has been handed to the call (`encode`), once any
 * control response (created, canceled, progress) was queued after it, so nothing moves ahead
 * of a response the client must see first, and past `mergeBytesMax`. The header is the one of
 * the last revision joined, which every event of the batch is at or below.
 */
import type { Event } from '../../mvcc/types.js';
import type { ResponseHeader } from '../../node/api.js';
import type { PreEncoded } from '../wire/pre-encoded.js';
import { encodeEventsResponse, encodeHeader, eventBytes } from '../wire/watch-encoder.js';

/** Joined events stop here (bytes of encoded events); a single revision may be larger. */
export const mergeBytesMax = 256 * 1024;

export class EventBatch {
  private readonly events: Buffer[] = [];
  private bytes = 0;
  private sent = false;

  constructor(
    /** The watcher's encoded watch_id field (watch-encoder's `watchIdField`). */
    private readonly watchIdField: Buffer,
    /** The stream's control-response count when this batch was queued. */
    readonly controlSeq: number,
    private header: ResponseHeader,
    private revision: number,
    events: readonly Event[],
  ) {
    this.append(events);
  }

  /** Adds a later revision's events if this batch may still take them; false if not. */
  join(
    controlSeq: number,
    header: ResponseHeader,
    revision: number,
    events: readonly Event[],
  ): boolean {
    if (this.sent || controlSeq !== this.controlSeq || this.bytes >= mergeBytesMax) return false;
    this.header = header;
    this.revision = revision;
    this.append(events);
    return true;
  }

  /** The response's bytes; the batch takes no more events after this. */
  encode(): PreEncoded {
    this.sent = true;
    const response = encodeEventsResponse(
      encodeHeader(this.header, this.revision),
      this.watchIdField,
      this.events,
    );
    this.events.length = 0; // the watcher keeps this batch until its next one: hold no bytes
    return response;
  }

  private append(events: readonly Event[]): void {
    for (const event of events) {
      const bytes = eventBytes(event);
      this.events.push(bytes);
      this.bytes += bytes.length;
    }
  }
}
