/**
 * Cluster: every member with its role, term, commit and applied index and how far it lags
 * the leader, health, DB size, alarms; polled each second from /ui/api/cluster (the serving
 * member asks every member's gateway for its status). A change of leader is shown as it
 * happens, with the term it happened in.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClusterView, MemberView } from '../api.js';
import { getJson } from '../api.js';
import { Card, Empty, ErrorNote } from '../common.js';
import { hexId, humanBytes } from '../bytes.js';
import { usePoll } from '../use-poll.js';

interface LeaderChange {
  readonly at: Date;
  readonly from: string;
  readonly to: string;
  readonly term: string;
}

/** The leader most members agree on (each member reports whom it follows). */
function leaderOf(view: ClusterView): { id: string; term: string } | undefined {
  const votes = new Map<string, { count: number; term: string }>();
  for (const member of view.members) {
    const leader = member.status?.leader;
    if (leader === undefined || leader === '0') continue;
    const seen = votes.get(leader) ?? { count: 0, term: member.status?.raftTerm ?? '0' };
    seen.count++;
    votes.set(leader, seen);
  }
  let best: { id: string; term: string; count: number } | undefined;
  for (const [id, seen] of votes)
    if (best === undefined || seen.count > best.count) best = { id, ...seen };
  return best;
}

function nameOf(view: ClusterView, id: string): string {
  const member = view.members.find((m) => m.ID === id);
  return member === undefined || member.name === '' ? hexId(id) : member.name;
}

export function ClusterPage() {
  const { data, error } = usePoll(() => getJson<ClusterView>('/ui/api/cluster'), 1000);
  const [changes, setChanges] = useState<LeaderChange[]>([]);
  const lastLeader = useRef<string | undefined>(undefined);
  const leader = data === undefined ? undefined : leaderOf(data);
  useEffect(() => {
    if (data === undefined) return;
    const now = leader?.id ?? '0';
    const before = lastLeader.current;
    if (before !== undefined && before !== now) {
      const change = {
        at: new Date(),
        from: before === '0' ? 'none' : nameOf(data, before),
        to: now === '0' ? 'none' : nameOf(data, now),
        term: leader?.term ?? '-',
      };
      setChanges((list) => [change, ...list].slice(0, 10));
    }
    lastLeader.current = now;
  }, [data, leader?.id]);

  if (data === undefined) {
    return error !== undefined ? <ErrorNote error={error} /> : <Empty>Loading the cluster…</Empty>;
  }
  const leaderStatus = data.members.find((m) => m.ID === leader?.id)?.status;
  const leaderIndex = Number(leaderStatus?.raftIndex ?? 0);
  const healthy = data.members.filter((m) => m.health?.health === 'true').length;
  return (
    <div class="stack">
      <div class="summary" data-testid="cluster-summary">
        <Stat label="Members" value={String(data.members.length)} testid="member-count" />
        <Stat
          label="Leader"
          value={leader === undefined ? 'none' : nameOf(data, leader.id)}
          testid="leader-name"
          tone={leader === undefined ? 'bad' : 'good'}
        />
        <Stat label="Term" value={leader?.term ?? '-'} testid="term" />
        <Stat label="Revision" value={leaderStatus?.header.revision ?? '-'} />
        <Stat
          label="Healthy"
          value={`${healthy} / ${data.members.length}`}
          tone={
            healthy === data.members.length
              ? 'good'
              : healthy * 2 > data.members.length
                ? 'warn'
                : 'bad'
          }
        />
        <Stat label="Cluster ID" value={hexId(data.header.cluster_id)} tone="id" />
      </div>
      {data.alarms.length > 0 && (
        <p class="note error" data-testid="alarms">
          Alarms: {data.alarms.map((a) => `${a.alarm} on ${nameOf(data, a.memberID)}`).join(', ')}
        </p>
      )}
      <Card title="Members">
        <div class="table-wrap">
          <table class="members" data-testid="members">
            <thead>
              <tr>
                <th>Name</th>
                <th>ID</th>
                <th>Role</th>
                <th>Health</th>
                <th class="num">Term</th>
                <th class="num">Commit</th>
                <th class="num">Applied</th>
                <th class="num">Lag</th>
                <th class="num">DB size</th>
                <th>Client URL</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((member) => (
                <MemberRow
                  key={member.ID}
                  member={member}
                  leaderId={leader?.id}
                  leaderIndex={leaderIndex}
                />
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Leader changes" testid="leader-changes">
        {changes.length === 0 ? (
          <Empty>No change of leader since this page opened.</Empty>
        ) : (
          <ul class="events">
            {changes.map((c) => (
              <li key={c.at.getTime()}>
                <time>{c.at.toLocaleTimeString()}</time> {c.from} → <strong>{c.to}</strong>{' '}
                <span class="muted">term {c.term}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function MemberRow({
  member,
  leaderId,
  leaderIndex,
}: {
  member: MemberView;
  leaderId: string | undefined;
  leaderIndex: number;
}) {
  const status = member.status;
  const isLeader = member.ID === leaderId;
  const role =
    status === null
      ? 'unreachable'
      : member.isLearner
        ? 'learner'
        : isLeader
          ? 'leader'
          : 'follower';
  const healthy = member.health?.health === 'true';
  const lag =
    status === null ? '-' : String(Math.max(0, leaderIndex - Number(status.raftAppliedIndex ?? 0)));
  return (
    <tr
      data-testid={`member-${member.name}`}
      data-role={role}
      class={status === null ? 'down' : ''}
    >
      <td data-label="Name">
        <strong>{member.name === '' ? '(unstarted)' : member.name}</strong>
      </td>
      <td data-label="ID" class="mono">
        {hexId(member.ID)}
      </td>
      <td data-label="Role">
        <span class={`badge ${role}`}>{role}</span>
      </td>
      <td data-label="Health">
        <span>
          <span class={`dot ${healthy ? 'good' : 'bad'}`} />
          {healthy ? 'healthy' : member.health?.reason || member.error || 'unknown'}
          {status !== null && (status.errors?.length ?? 0) > 0 && (
            <span class="muted"> ({status.errors?.join(', ')})</span>
          )}
        </span>
      </td>
      <td data-label="Term" class="num">
        {status?.raftTerm ?? '-'}
      </td>
      <td data-label="Commit" class="num">
        {status?.raftIndex ?? '-'}
      </td>
      <td data-label="Applied" class="num">
        {status?.raftAppliedIndex ?? '-'}
      </td>
      <td data-label="Lag" class={`num ${Number(lag) > 100 ? 'warn' : ''}`}>
        {lag}
      </td>
      <td data-label="DB size" class="num">
        {status === null ? '-' : humanBytes(status.dbSize)}
      </td>
      <td data-label="Client URL" class="mono small">
        {member.clientURLs[0] ?? '-'}
      </td>
    </tr>
  );
}

function Stat({
  label,
  value,
  tone,
  testid,
}: {
  label: string;
  value: string;
  tone?: 'good' | 'warn' | 'bad' | 'id';
  testid?: string;
}) {
  return (
    <div class={`stat ${tone ?? ''}`}>
      <span class="label">{label}</span>
      <span class="value" data-testid={testid}>
        {value}
      </span>
    </div>
  );
}
