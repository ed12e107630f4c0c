/**
 * Leases: every lease with a live countdown of its remaining TTL and the keys attached to it;
 * grant, keep alive once, revoke (with confirmation). TTLs are read every 5 s and counted down
 * locally in between.
 */
import { useEffect, useState } from 'preact/hooks';
import type { LeaseTimeToLive } from '../api.js';
import { call } from '../api.js';
import { leaseHex, text } from '../bytes.js';
import { Card, Confirm, Empty, ErrorNote } from '../common.js';
import { usePoll } from '../use-poll.js';

const leasesShownMax = 200;

interface LeaseRow extends LeaseTimeToLive {
  /** When the TTL was read (ms since the epoch). */
  readonly readAt: number;
}

async function loadLeases(): Promise<LeaseRow[]> {
  const list = await call<{ leases?: { ID: string }[] }>('/v3/lease/leases');
  const ids = (list.leases ?? []).slice(0, leasesShownMax);
  const rows = await Promise.all(
    ids.map(async ({ ID }) => {
      const ttl = await call<LeaseTimeToLive>('/v3/lease/timetolive', { ID, keys: true });
      return { ...ttl, ID, readAt: Date.now() };
    }),
  );
  return rows
    .filter((row) => row.TTL !== '-1')
    .sort((a, b) => Number(a.TTL ?? 0) - Number(b.TTL ?? 0));
}

export function LeasesView() {
  const leases = usePoll(loadLeases, 5000);
  const [now, setNow] = useState(Date.now());
  const [ttl, setTtl] = useState('60');
  const [error, setError] = useState<unknown>(undefined);
  const [revoking, setRevoking] = useState<string | undefined>(undefined);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, []);
  const act = async (path: string, body: object): Promise<void> => {
    try {
      await call(path, body);
      setError(undefined);
      leases.refresh();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div class="stack">
      <Card
        title="Leases"
        testid="leases"
        actions={
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void act('/v3/lease/grant', { TTL: ttl });
            }}
          >
            <input
              class="narrow"
              type="number"
              min="1"
              value={ttl}
              aria-label="TTL in seconds"
              onInput={(e) => setTtl(e.currentTarget.value)}
            />
            <button type="submit" class="small">
              Grant
            </button>
          </form>
        }
      >
        <ErrorNote error={leases.error ?? error} />
        {leases.data !== undefined && leases.data.length === 0 && <Empty>No leases.</Empty>}
        <ul class="leases">
          {(leases.data ?? []).map((lease) => {
            const granted = Number(lease.grantedTTL ?? 0);
            const left = Math.max(0, Number(lease.TTL ?? 0) - (now - lease.readAt) / 1000);
            const fraction = granted > 0 ? Math.min(1, left / granted) : 0;
            return (
              <li key={lease.ID} class="lease" data-testid={`lease-${leaseHex(lease.ID)}`}>
                <div class="lease-head">
                  <span class="mono">{leaseHex(lease.ID)}</span>
                  <span
                    class={`ttl ${fraction < 0.2 ? 'bad' : fraction < 0.5 ? 'warn' : ''}`}
                    data-testid="ttl"
                  >
                    {left.toFixed(0)} s
                  </span>
                  <span class="muted small">of {granted} s</span>
                  <span class="grow" />
                  <button
                    type="button"
                    class="secondary small"
                    onClick={() => void act('/v3/lease/keepalive', { ID: lease.ID })}
                  >
                    Keep alive
                  </button>
                  <button type="button" class="danger small" onClick={() => setRevoking(lease.ID)}>
                    Revoke
                  </button>
                </div>
                <div class="bar">
                  <span style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
                </div>
                {(lease.keys?.length ?? 0) > 0 ? (
                  <ul class="chips">
                    {(lease.keys ?? []).map((key) => (
                      <li key={key} class="mono small">
                        {text(key)}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="muted small">No keys attached.</p>
                )}
              </li>
            );
          })}
        </ul>
      </Card>
      {revoking !== undefined && (
        <Confirm
          message={
            <>
              Revoke lease <strong class="mono">{leaseHex(revoking)}</strong>? Every key attached to
              it is deleted.
            </>
          }
          confirmLabel="Revoke"
          onCancel={() => setRevoking(undefined)}
          onConfirm={() => {
            const id = revoking;
            setRevoking(undefined);
            void act('/v3/lease/revoke', { ID: id });
          }}
        />
      )}
    </div>
  );
}
