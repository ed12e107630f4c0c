/**
 * Charts from a member's Prometheus /metrics (etcd's metric names): throughput (proposals
 * committed and gRPC requests handled per second), request latency percentiles, WAL fsync
 * percentiles, leader changes. Scraped every 2 s through /ui/api/metrics?member=ID, kept for
 * the last few minutes in the page. A member without /metrics shows a note instead.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClusterView } from '../api.js';
import { getJson, getText } from '../api.js';
import { Card, Empty, ErrorNote } from '../common.js';
import type { Scrape } from '../prometheus.js';
import { parsePrometheus, quantileBetween, total } from '../prometheus.js';
import { LineChart } from './line-chart.js';

const intervalMs = 2000;
const pointsMax = 90;

interface Point {
  readonly at: number;
  readonly writes?: number;
  readonly requests?: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p99?: number;
  readonly fsync50?: number;
  readonly fsync99?: number;
  readonly leaderChanges?: number;
  readonly hasLeader?: number;
}

function point(before: Scrape, after: Scrape, seconds: number): Point {
  const rate = (name: string): number | undefined => {
    const a = total(before, name);
    const b = total(after, name);
    return a === undefined || b === undefined ? undefined : Math.max(0, (b - a) / seconds);
  };
  const unary = { grpc_type: 'unary' };
  return {
    at: Date.now(),
    writes: rate('etcd_server_proposals_committed_total'),
    requests: rate('grpc_server_handled_total'),
    p50: quantileBetween(before, after, 'grpc_server_handling_seconds', 0.5, unary),
    p90: quantileBetween(before, after, 'grpc_server_handling_seconds', 0.9, unary),
    p99: quantileBetween(before, after, 'grpc_server_handling_seconds', 0.99, unary),
    fsync50: quantileBetween(before, after, 'etcd_disk_wal_fsync_duration_seconds', 0.5),
    fsync99: quantileBetween(before, after, 'etcd_disk_wal_fsync_duration_seconds', 0.99),
    leaderChanges: total(after, 'etcd_server_leader_changes_seen_total'),
    hasLeader: total(after, 'etcd_server_has_leader'),
  };
}

const ms = (seconds: number): string =>
  seconds >= 1
    ? `${seconds.toFixed(2)} s`
    : `${(seconds * 1000).toFixed(seconds < 0.001 ? 2 : 1)} ms`;
const perSecond = (value: number): string => `${value.toFixed(value < 10 ? 1 : 0)}/s`;

export function ChartsView() {
  const [members, setMembers] = useState<ClusterView['members']>([]);
  const [member, setMember] = useState<string>('');
  const [points, setPoints] = useState<Point[]>([]);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const last = useRef<{ scrape: Scrape; at: number } | undefined>(undefined);

  useEffect(() => {
    getJson<ClusterView>('/ui/api/cluster')
      .then((view) => {
        setMembers(view.members);
        setMember((current) => (current === '' ? (view.header.member_id ?? '') : current));
      })
      .catch(setError);
  }, []);

  useEffect(() => {
    if (member === '') return;
    last.current = undefined;
    setPoints([]);
    let live = true;
    const scrape = async (): Promise<void> => {
      try {
        const answer = await getText(`/ui/api/metrics?member=${member}`);
        if (!live) return;
        if (answer.status === 404) {
          setMissing(true);
          return;
        }
        if (answer.status !== 200) throw new Error(answer.text.trim());
        setMissing(false);
        setError(undefined);
        const scraped = parsePrometheus(answer.text);
        const now = Date.now();
        const before = last.current;
        last.current = { scrape: scraped, at: now };
        if (before !== undefined) {
          const next = point(before.scrape, scraped, (now - before.at) / 1000);
          setPoints((list) => [...list, next].slice(-pointsMax));
        }
      } catch (failure) {
        if (live) setError(failure);
      }
    };
    void scrape();
    const timer = window.setInterval(() => void scrape(), intervalMs);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [member]);

  const series = (pick: (p: Point) => number | undefined): (number | undefined)[] =>
    points.map(pick);
  const latest = points[points.length - 1];
  return (
    <div class="stack">
      <div class="row">
        <label class="row">
          Member
          <select value={member} onChange={(e) => setMember(e.currentTarget.value)}>
            {members.map((m) => (
              <option key={m.ID} value={m.ID}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <span class="muted small">
          every {intervalMs / 1000} s · last {Math.round((pointsMax * intervalMs) / 60000)} min
        </span>
      </div>
      <ErrorNote error={error} />
      {missing ? (
        <Card title="Charts">
          <Empty>This member serves no /metrics (yet): nothing to chart.</Empty>
        </Card>
      ) : points.length === 0 ? (
        <Empty>Collecting the first samples…</Empty>
      ) : (
        <div class="grid charts" data-testid="charts">
          <Card title="Throughput">
            <LineChart
              testid="chart-throughput"
              format={perSecond}
              series={[
                {
                  label: 'writes committed',
                  color: 'var(--accent)',
                  values: series((p) => p.writes),
                },
                {
                  label: 'gRPC requests',
                  color: 'var(--accent-2)',
                  values: series((p) => p.requests),
                },
              ]}
            />
          </Card>
          <Card title="Request latency (unary gRPC)">
            <LineChart
              format={ms}
              series={[
                { label: 'p50', color: 'var(--accent)', values: series((p) => p.p50) },
                { label: 'p90', color: 'var(--accent-2)', values: series((p) => p.p90) },
                { label: 'p99', color: 'var(--warn)', values: series((p) => p.p99) },
              ]}
            />
          </Card>
          <Card title="WAL fsync">
            <LineChart
              format={ms}
              series={[
                { label: 'p50', color: 'var(--accent)', values: series((p) => p.fsync50) },
                { label: 'p99', color: 'var(--warn)', values: series((p) => p.fsync99) },
              ]}
            />
          </Card>
          <Card title="Leader changes">
            <LineChart
              format={(v) => v.toFixed(0)}
              series={[
                {
                  label: 'seen (total)',
                  color: 'var(--accent-2)',
                  values: series((p) => p.leaderChanges),
                },
              ]}
            />
            <p class="muted small">
              {latest?.hasLeader === 0
                ? 'This member has no leader now.'
                : 'This member has a leader.'}
            </p>
          </Card>
        </div>
      )}
    </div>
  );
}
