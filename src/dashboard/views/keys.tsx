/**
 * Keys: browse by prefix as a tree, open a key to see its value, its metadata and its history
 * across revisions (MVCC keeps them until compaction), edit or delete it (with confirmation),
 * add keys, and watch the prefix live through /v3/watch.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { KeyValue, RangeResponse, WatchEvent } from '../api.js';
import { call, watch } from '../api.js';
import { b64, leaseHex, prefixRange, text } from '../bytes.js';
import { Card, Confirm, Empty, ErrorNote, PrefixForm } from '../common.js';
import { usePoll } from '../use-poll.js';
import { KeyHistory } from './key-history.js';
import { KeyTree } from './key-tree.js';

const keysMax = 2000;
const eventsMax = 100;

interface SeenEvent {
  readonly id: number;
  readonly type: 'PUT' | 'DELETE';
  readonly key: string;
  readonly value: string;
  readonly revision: string;
}

export function KeysView() {
  const [prefix, setPrefix] = useState(initialPrefix());
  const [draft, setDraft] = useState(prefix);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const keys = usePoll(
    () =>
      call<RangeResponse>('/v3/kv/range', {
        ...prefixRange(prefix),
        keys_only: true,
        limit: keysMax,
        sort_order: 'ASCEND',
        sort_target: 'KEY',
      }),
    5000,
    [prefix],
  );
  const kvs = keys.data?.kvs ?? [];
  return (
    <div class="split">
      <div class="stack">
        <Card title="Browse" class="browse">
          <PrefixForm
            value={draft}
            onInput={setDraft}
            onApply={() => {
              setPrefix(draft);
              location.hash = `#/keys?prefix=${encodeURIComponent(draft)}`;
            }}
            button="Go"
            smallButton={false}
            placeholder="prefix, e.g. /config/"
            testid="prefix-input"
          />
          <ErrorNote error={keys.error} />
          {keys.data !== undefined && (
            <p class="muted small">
              {keys.data.count ?? '0'} key{keys.data.count === '1' ? '' : 's'} under “{prefix}” at
              revision {keys.data.header.revision}
              {keys.data.more === true && ` (showing the first ${keysMax})`}
            </p>
          )}
          {kvs.length === 0 && keys.data !== undefined ? (
            <Empty>No keys here.</Empty>
          ) : (
            <KeyTree kvs={kvs} prefix={prefix} selected={selected} onSelect={setSelected} />
          )}
        </Card>
        <NewKey
          prefix={prefix}
          onDone={(key) => {
            keys.refresh();
            setSelected(key);
          }}
        />
      </div>
      <div class="stack">
        {selected !== undefined ? (
          <KeyDetail
            key={selected}
            keyName={selected}
            onChanged={keys.refresh}
            onDeleted={() => {
              setSelected(undefined);
              keys.refresh();
            }}
          />
        ) : (
          <Card title="Key" class="detail">
            <Empty>Pick a key in the tree.</Empty>
          </Card>
        )}
        <PrefixWatch prefix={prefix} onEvent={keys.refresh} />
      </div>
    </div>
  );
}

function initialPrefix(): string {
  const query = location.hash.split('?')[1];
  return new URLSearchParams(query ?? '').get('prefix') ?? '';
}

function KeyDetail({
  keyName,
  onChanged,
  onDeleted,
}: {
  keyName: string;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const current = usePoll(() => call<RangeResponse>('/v3/kv/range', { key: b64(keyName) }), 5000, [
    keyName,
  ]);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const kv: KeyValue | undefined = current.data?.kvs?.[0];
  const save = async (): Promise<void> => {
    try {
      // ignore_lease keeps the key's lease (a plain put would detach it).
      const keepLease = kv?.lease !== undefined && kv.lease !== '0';
      await call('/v3/kv/put', {
        key: b64(keyName),
        value: b64(editing ?? ''),
        ignore_lease: keepLease,
      });
      setEditing(undefined);
      current.refresh();
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async (): Promise<void> => {
    setConfirming(false);
    try {
      await call('/v3/kv/deleterange', { key: b64(keyName) });
      onDeleted();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card
      title={<span class="mono">{keyName}</span>}
      testid="key-detail"
      class="detail"
      actions={
        kv !== undefined &&
        editing === undefined && (
          <>
            <button
              type="button"
              class="secondary small"
              data-testid="edit"
              onClick={() => setEditing(text(kv.value))}
            >
              Edit
            </button>
            <button
              type="button"
              class="danger small"
              data-testid="delete"
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          </>
        )
      }
    >
      <ErrorNote error={current.error ?? error} />
      {current.data !== undefined && kv === undefined && (
        <Empty>This key does not exist (any more).</Empty>
      )}
      {kv !== undefined && editing === undefined && (
        <>
          <pre class="value" data-testid="value">
            {text(kv.value)}
          </pre>
          <dl class="meta">
            <dt>Version</dt>
            <dd>{kv.version}</dd>
            <dt>Created at</dt>
            <dd>revision {kv.create_revision}</dd>
            <dt>Modified at</dt>
            <dd>revision {kv.mod_revision}</dd>
            <dt>Lease</dt>
            <dd class="mono">{kv.lease === undefined ? 'none' : leaseHex(kv.lease)}</dd>
          </dl>
          <KeyHistory keyName={keyName} kv={kv} />
        </>
      )}
      {editing !== undefined && (
        <div class="stack">
          <textarea
            rows={6}
            value={editing}
            data-testid="edit-value"
            onInput={(e) => setEditing(e.currentTarget.value)}
          />
          <div class="row">
            <button type="button" data-testid="save" onClick={() => void save()}>
              Save
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {confirming && (
        <Confirm
          message={
            <>
              Delete <strong class="mono">{keyName}</strong>? Its history stays readable until the
              next compaction.
            </>
          }
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </Card>
  );
}

function NewKey({ prefix, onDone }: { prefix: string; onDone: (key: string) => void }) {
  const [key, setKey] = useState(prefix);
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  useEffect(() => setKey(prefix), [prefix]);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      const answer = await call<{ header: { revision?: string } }>('/v3/kv/put', {
        key: b64(key),
        value: b64(value),
      });
      setError(undefined);
      setDone(`Stored at revision ${answer.header.revision ?? '?'}`);
      setValue('');
      onDone(key);
    } catch (failure) {
      setDone(undefined);
      setError(failure);
    }
  };
  return (
    <Card title="Put a key" class="put-card">
      <form class="stack" onSubmit={submit}>
        <input
          placeholder="key"
          value={key}
          data-testid="new-key"
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <textarea
          rows={3}
          placeholder="value"
          value={value}
          data-testid="new-value"
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <div class="row">
          <button type="submit" data-testid="put" disabled={key === ''}>
            Put
          </button>
          {done !== undefined && (
            <span class="muted small" data-testid="put-result">
              {done}
            </span>
          )}
        </div>
        <ErrorNote error={error} />
      </form>
    </Card>
  );
}

function PrefixWatch({ prefix, onEvent }: { prefix: string; onEvent: () => void }) {
  const [watching, setWatching] = useState(false);
  const [events, setEvents] = useState<SeenEvent[]>([]);
  const [state, setState] = useState<string>('');
  const nextId = useRef(0);
  useEffect(() => {
    if (!watching) return;
    setState('connecting');
    const stop = watch(
      { ...prefixRange(prefix), prev_kv: true },
      (result) => {
        if (result.created === true)
          setState(`watching from revision ${result.header.revision ?? '?'}`);
        if (result.canceled === true) setState(`canceled: ${result.cancel_reason ?? 'compacted'}`);
        const seen = (result.events ?? []).map((event: WatchEvent): SeenEvent => ({
          id: nextId.current++,
          type: event.type ?? 'PUT',
          key: text(event.kv.key),
          value: text(event.kv.value),
          revision: event.kv.mod_revision ?? result.header.revision ?? '?',
        }));
        if (seen.length > 0) {
          setEvents((list) => [...seen.reverse(), ...list].slice(0, eventsMax));
          onEvent();
        }
      },
      (reason) => setState(`stopped: ${reason}`),
    );
    return stop;
  }, [watching, prefix]);
  return (
    <Card
      title={`Watch “${prefix === '' ? 'all keys' : prefix}”`}
      testid="watch"
      class="watch-card"
      actions={
        <button
          type="button"
          class={watching ? 'secondary small' : 'small'}
          data-testid="watch-toggle"
          onClick={() => setWatching(!watching)}
        >
          {watching ? 'Stop' : 'Watch'}
        </button>
      }
    >
      {watching && (
        <p class="muted small" data-testid="watch-state">
          <span class="dot live" /> {state}
        </p>
      )}
      {events.length === 0 ? (
        <Empty>
          {watching ? 'Waiting for changes…' : 'Start watching to see changes as they commit.'}
        </Empty>
      ) : (
        <ul class="events" data-testid="watch-events">
          {events.map((event) => (
            <li key={event.id}>
              <span class={`badge ${event.type === 'PUT' ? 'put' : 'delete'}`}>{event.type}</span>{' '}
              <span class="mono">{event.key}</span>
              {event.type === 'PUT' && <span class="muted"> = {event.value}</span>}{' '}
              <span class="muted small">rev {event.revision}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
