/**
 * Metrics read from the member when /metrics is scraped (a MemberMetrics snapshot taken once
 * per scrape), with etcd's names, types and help texts where etcd has the metric, and
 * Concord's own under `concord_`. Nothing here runs on the request path.
 *
 * etcd's proposals_committed_total and proposals_applied_total are gauges holding the
 * commit and applied index; so are these.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MemberMetrics } from '../../node/member-metrics.js';
import { etcdApiVersion } from '../http/version.js';

type Read = (m: MemberMetrics) => number;

/** Holds the snapshot of the scrape in progress. */
export class MemberSnapshot {
  current: MemberMetrics | undefined;
}

export function memberGauges(registry: Registry, snapshot: MemberSnapshot): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: Read): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (snapshot.current !== undefined) this.set(read(snapshot.current));
      },
    });
  };
  // A count the member keeps itself: the exposition shows it as a counter.
  const counter = (name: string, help: string, read: Read): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        if (snapshot.current === undefined) return;
        this.reset();
        this.inc(read(snapshot.current));
      },
    });
  };

  gauge(
    'etcd_server_has_leader',
    'Whether or not a leader exists. 1 is existence, 0 is not.',
    (m) => (m.leader === 0n ? 0 : 1),
  );
  gauge(
    'etcd_server_is_leader',
    'Whether or not this member is a leader. 1 if is, 0 otherwise.',
    (m) => (m.leader !== 0n && m.leader === m.memberId ? 1 : 0),
  );
  gauge(
    'etcd_server_is_learner',
    'Whether or not this member is a learner. 1 if is, 0 otherwise.',
    (m) => (m.isLearner ? 1 : 0),
  );
  counter(
    'etcd_server_leader_changes_seen_total',
    'The number of leader changes seen.',
    (m) => m.counters.leaderChangesSeen,
  );
  gauge(
    'etcd_server_proposals_committed_total',
    'The total number of consensus proposals committed.',
    (m) => m.commitIndex,
  );
  gauge(
    'etcd_server_proposals_applied_total',
    'The total number of consensus proposals applied.',
    (m) => m.appliedIndex,
  );
  gauge(
    'etcd_server_proposals_pending',
    'The current number of pending proposals to commit.',
    (m) => m.proposalsPending,
  );
  counter(
    'etcd_server_proposals_failed_total',
    'The total number of failed proposals seen.',
    (m) => m.counters.proposalsFailed,
  );
  counter(
    'etcd_server_slow_apply_total',
    'The total number of slow apply requests (likely overloaded from slow disk).',
    (m) => m.counters.slowApplies,
  );
  gauge(
    'etcd_server_quota_backend_bytes',
    'Current backend storage quota size in bytes.',
    (m) => m.quotaBackendBytes,
  );
  infoGauges(registry, snapshot);

  gauge(
    'etcd_mvcc_db_total_size_in_bytes',
    'Total size of the underlying database physically allocated in bytes.',
    (m) => m.dbSizeBytes,
  );
  gauge(
    'etcd_mvcc_db_total_size_in_use_in_bytes',
    'Total size of the underlying database logically in use in bytes.',
    (m) => m.dbSizeInUseBytes,
  );
  gauge(
    'etcd_debugging_mvcc_current_revision',
    'The current revision of store.',
    (m) => m.currentRevision,
  );
  gauge(
    'etcd_debugging_mvcc_compact_revision',
    'The revision of the last compaction in store.',
    (m) => m.compactRevision,
  );
  gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', (m) => m.watchers);

  counter(
    'etcd_debugging_lease_granted_total',
    'The total number of granted leases.',
    (m) => m.counters.leasesGranted,
  );
  counter(
    'etcd_debugging_lease_revoked_total',
    'The total number of revoked leases.',
    (m) => m.counters.leasesRevoked,
  );
  counter(
    'etcd_debugging_lease_renewed_total',
    'The number of renewed leases seen by the leader.',
    (m) => m.counters.leasesRenewed,
  );
  counter(
    'etcd_debugging_server_lease_expired_total',
    'The total number of expired leases.',
    (m) => m.counters.leasesExpired,
  );

  gauge('concord_raft_term', 'The current Raft term of this member.', (m) => m.term);
  gauge(
    'concord_raft_commit_index',
    'The highest log index this member knows to be committed.',
    (m) => m.commitIndex,
  );
  gauge(
    'concord_raft_applied_index',
    'The highest log index applied to the state machine of this member.',
    (m) => m.appliedIndex,
  );
  gauge('concord_leases', 'The number of leases alive.', (m) => m.leases);
  counter(
    'concord_at_most_once_duplicates_total',
    'Retried writes answered from the at-most-once session table without being applied again.',
    (m) => m.counters.atMostOnceDuplicates,
  );
  peerCounters(registry, snapshot);
}

/** etcd's "1 with a label" gauges: the member's ID and the version it speaks. */
function infoGauges(registry: Registry, snapshot: MemberSnapshot): void {
  const registers = [registry];
  const info = (name: string, help: string, label: string, read: (m: MemberMetrics) => string) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        if (snapshot.current === undefined) return;
        this.reset();
        this.set({ [label]: read(snapshot.current) }, 1);
      },
    });
  info(
    'etcd_server_id',
    "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
    'server_id',
    (m) => m.memberId.toString(16),
  );
  info(
    'etcd_server_version',
    "Which version is running. 1 for 'server_version' label with current version.",
    'server_version',
    () => etcdApiVersion,
  );
  info(
    'concord_server_version',
    "Which Concord version is running. 1 for 'server_version' label with current version.",
    'server_version',
    (m) => m.version,
  );
}

function peerCounters(registry: Registry, snapshot: MemberSnapshot): void {
  const registers = [registry];
  const perPeer = (
    name: string,
    help: string,
    label: 'To' | 'From',
    read: (p: MemberMetrics['peers'][number]) => number,
  ) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers,
      collect() {
        if (snapshot.current === undefined) return;
        this.reset();
        for (const peer of snapshot.current.peers) {
          this.inc({ [label]: peer.id.toString(16) }, read(peer));
        }
      },
    });
  perPeer(
    'etcd_network_peer_sent_bytes_total',
    'The total number of bytes sent to peers.',
    'To',
    (p) => p.sentBytes,
  );
  perPeer(
    'etcd_network_peer_received_bytes_total',
    'The total number of bytes received from peers.',
    'From',
    (p) => p.receivedBytes,
  );
  new Gauge({
    name: 'etcd_network_active_peers',
    help: 'The current number of active peer connections.',
    labelNames: ['Local', 'Remote'],
    registers,
    collect() {
      const current = snapshot.current;
      if (current === undefined) return;
      this.reset();
      for (const peer of current.peers) {
        if (!peer.connected) continue;
        this.set({ Local: current.memberId.toString(16), Remote: peer.id.toString(16) }, 1);
      }
    },
  });
}
