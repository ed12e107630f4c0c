/**
 * A key's history: read the key at its mod revision, then at one less than each version's mod
 * revision, back to the revision it was created at (this generation), or until compaction
 * has removed older versions.
 */
import { useState } from 'preact/hooks';
import type { KeyValue, RangeResponse } from '../api.js';
import { call, GatewayError } from '../api.js';
import { b64, text } from '../bytes.js';
import { ErrorNote } from '../common.js';

const versionsMax = 50;

interface Version {
  readonly revision: string;
  readonly version: string;
  readonly value: string;
}

export function KeyHistory({ keyName, kv }: { keyName: string; kv: KeyValue }) {
  const [versions, setVersions] = useState<Version[] | undefined>(undefined);
  const [note, setNote] = useState<string>('');
  const [error, setError] = useState<unknown>(undefined);
  const load = async (): Promise<void> => {
    const found: Version[] = [];
    const created = Number(kv.create_revision ?? 0);
    let revision = Number(kv.mod_revision ?? 0);
    setError(undefined);
    setNote('');
    try {
      while (revision >= created && found.length < versionsMax) {
        const answer = await call<RangeResponse>('/v3/kv/range', {
          key: b64(keyName),
          revision: String(revision),
        });
        const at = answer.kvs?.[0];
        if (at === undefined) break;
        found.push({
          revision: at.mod_revision ?? '?',
          version: at.version ?? '?',
          value: text(at.value),
        });
        revision = Number(at.mod_revision) - 1;
      }
      if (found.length === versionsMax) setNote(`The latest ${versionsMax} versions.`);
    } catch (failure) {
      if (failure instanceof GatewayError && /compacted/.test(failure.message)) {
        setNote('Older versions were compacted away.');
      } else {
        setError(failure);
      }
    }
    setVersions(found);
  };
  if (versions === undefined) {
    return (
      <button
        type="button"
        class="secondary small"
        data-testid="history"
        onClick={() => void load()}
      >
        Show history
      </button>
    );
  }
  return (
    <div class="history" data-testid="history-list">
      <h3>History</h3>
      <ErrorNote error={error} />
      <table>
        <thead>
          <tr>
            <th class="num">Revision</th>
            <th class="num">Version</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.revision}>
              <td class="num">{v.revision}</td>
              <td class="num">{v.version}</td>
              <td class="mono">{v.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {note !== '' && <p class="muted small">{note}</p>}
    </div>
  );
}
