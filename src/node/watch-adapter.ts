import type { StateMachine } from '../mvcc/state-machine.js';
import type { WatchCreate, WatchHandle, WatchSink } from './api.js';

/**
 * Connects a front door's watcher to the store's watch hub: the hub's responses become
 * events or a compaction cancel on the sink, and the handle cancels and reports progress.
 */
export function watchStore(
  stateMachine: StateMachine,
  create: WatchCreate,
  sink: WatchSink,
  /** Asks for a catch-up pass soon (the member's background step). */
  catchUp: () => void = () => undefined,
): WatchHandle {
  const hub = stateMachine.watches;
  let canceled = false;
  const id = hub.watch({
    key: create.key,
    rangeEnd: create.rangeEnd,
    startRevision: create.startRevision,
    noPut: create.noPut,
    noDelete: create.noDelete,
    prevKv: create.prevKv,
    sink: (response) => {
      if (canceled) return true;
      if (response.compactRevision !== undefined) {
        canceled = true;
        sink.canceled({
          compactRevision: response.compactRevision,
          message: 'mvcc: required revision has been compacted',
        });
        return true;
      }
      return sink.events(response.events, response.revision);
    },
  });
  return {
    cancel: () => {
      canceled = true;
      hub.cancel(id);
    },
    progressRevision: () => hub.progress(id) ?? stateMachine.currentRevision,
    synced: () => hub.progress(id) === stateMachine.currentRevision,
    resume: catchUp,
  };
}
