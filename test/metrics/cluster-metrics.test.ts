/**
 * /metrics, /health and the JSON logs of a real 3-member cluster (processes on loopback),
 * scraped through a failover: the leader is SIGKILLed, and two members are SIGSTOPped to cut
 * the third off from the majority. One cluster for the whole file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, type ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { eventually } from '../helpers/wait.js';
import { logLines, scrape, type Scrape } from './scrape.js';

const putLabels = {
  grpc_type: 'unary',
  grpc_service: 'etcdserverpb.KV',
  grpc_method: 'Put',
} as const;

async function scrapeAll(members: readonly ClusterMember[]): Promise<Scrape[]> {
  return Promise.all(members.map((m) => scrape(m.clientUrl)));
}

/** Every member given has a leader, and exactly one of them says it is the leader. */
function agreeOnLeader(scrapes: readonly Scrape[]): boolean {
  return (
    scrapes.every((s) => s.value('etcd_server_has_leader') === 1) &&
    scrapes.reduce((n, s) => n + s.value('etcd_server_is_leader'), 0) === 1
  );
}

async function health(
  member: ClusterMember,
  query = '',
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${member.clientUrl}/health${query}`, {
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.text()).trim() };
}

describe('metrics, health and logs of a 3-member cluster', { skip: etcdctlSkip }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({ size: 3 });
  });
  after(() => cluster?.destroy());

  it('reports one leader, with etcd names and types', async () => {
    const leader = await cluster.leader();
    const scrapes = await eventually(
      'every member to report a leader and exactly one to be it',
      () => scrapeAll(cluster.members),
      agreeOnLeader,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const own = scrapes[cluster.members.indexOf(leader)]!;
    assert.equal(own.value('etcd_server_is_leader'), 1, 'the leader etcdctl names says it leads');
    assert.equal(own.value('etcd_server_id', { server_id: leader.id }), 1);
    assert.equal(own.types.get('etcd_server_leader_changes_seen_total'), 'counter');
    assert.equal(own.types.get('etcd_disk_wal_fsync_duration_seconds'), 'histogram');
    assert.equal(own.types.get('etcd_server_proposals_committed_total'), 'gauge');
    assert.ok(own.value('etcd_mvcc_db_total_size_in_bytes') > 0);
  });

  it('moves proposals, fsync, gRPC and peer counters with writes', async () => {
    const leader = await cluster.leader();
    const before = await scrape(leader.clientUrl);
    const client = leader.client();
    const writes = 20;
    for (let i = 0; i < writes; i++) await client.put(`metrics/${i}`).value('v');
    const after = await eventually(
      'the leader to have applied what it committed',
      () => scrape(leader.clientUrl),
      (s) =>
        s.value('etcd_server_proposals_applied_total') ===
        s.value('etcd_server_proposals_committed_total'),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const committed = (s: Scrape): number => s.value('etcd_server_proposals_committed_total');
    assert.ok(committed(after) - committed(before) >= writes, 'each write is a committed entry');
    assert.equal(
      after.value('grpc_server_handled_total', { ...putLabels, grpc_code: 'OK' }) -
        before.value('grpc_server_handled_total', { ...putLabels, grpc_code: 'OK' }),
      writes,
    );
    assert.equal(
      after.value('grpc_server_started_total', putLabels) -
        before.value('grpc_server_started_total', putLabels),
      writes,
    );
    assert.ok(after.value('grpc_server_handling_seconds_count', putLabels) >= writes);
    const fsyncs = (s: Scrape): number => s.value('etcd_disk_wal_fsync_duration_seconds_count');
    assert.ok(fsyncs(after) > fsyncs(before), 'the writes were fsynced');
    assert.ok(after.value('etcd_disk_backend_commit_duration_seconds_count') > 0);
    assert.ok(after.value('etcd_debugging_mvcc_current_revision') >= writes + 1);
    assert.ok(after.value('etcd_network_peer_sent_bytes_total') > 0);
    assert.ok(after.value('etcd_network_peer_received_bytes_total') > 0);
    // One client waiting for each answer: the windows after answers catch its next put.
    assert.ok(
      after.value('concord_busy_poll_seconds_total') >
        before.value('concord_busy_poll_seconds_total'),
      'the member polled after answering puts',
    );
    const clientBytes = (s: Scrape, way: 'received' | 'sent'): number =>
      s.value(`etcd_network_client_grpc_${way}_bytes_total`);
    assert.ok(clientBytes(after, 'received') > clientBytes(before, 'received'), 'client bytes in');
    assert.ok(clientBytes(after, 'sent') > clientBytes(before, 'sent'), 'client bytes out');
    // The followers applied the same entries.
    const followers = cluster.members.filter((m) => m !== leader);
    await eventually(
      'the followers to apply the writes too',
      () => scrapeAll(followers),
      (list) =>
        list.every((s) => s.value('etcd_server_proposals_applied_total') >= committed(after)),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    // Peers are pinged every second: round trips show up per peer.
    const rtt = await eventually(
      'round-trip samples to both peers',
      () => scrape(leader.clientUrl),
      (s) => s.matching('etcd_network_peer_round_trip_time_seconds_count').length === 2,
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    for (const follower of followers) {
      assert.ok(
        rtt.value('etcd_network_peer_round_trip_time_seconds_count', { To: follower.id }) > 0,
      );
    }
  });

  it('shows a failover: leader changes counted, one leader again, logged with term and leader', async () => {
    const old = await cluster.leader();
    const survivors = cluster.members.filter((m) => m !== old);
    const before = await scrapeAll(survivors);
    const oldTerm = before[0]!.value('concord_raft_term');
    await old.kill();
    const next = await cluster.leader(survivors, 20_000);
    const afterwards = await eventually(
      'the survivors to report the new leader',
      () => scrapeAll(survivors),
      agreeOnLeader,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    for (const [i, scraped] of afterwards.entries()) {
      assert.ok(
        scraped.value('etcd_server_leader_changes_seen_total') >
          before[i]!.value('etcd_server_leader_changes_seen_total'),
        `${survivors[i]!.name} counted the leader change`,
      );
      assert.ok(scraped.value('concord_raft_term') > oldTerm, 'a new term');
    }
    assert.equal(afterwards[survivors.indexOf(next)]!.value('etcd_server_is_leader'), 1);
    for (const survivor of survivors) {
      // The last such line: the new leader may have led before, in an earlier term.
      const line = logLines(survivor.log)
        .filter((l) => l.msg === 'leader changed' && l.leader === next.id)
        .at(-1);
      assert.ok(line !== undefined, `${survivor.name} logged the change:\n${survivor.log}`);
      assert.equal(line.member, survivor.name);
      assert.equal(line.level, 'info');
      assert.ok(
        typeof line.term === 'number' && line.term > oldTerm,
        `term in ${JSON.stringify(line)}`,
      );
      assert.ok(typeof line.time === 'string');
    }
    await old.restart();
    await cluster.leader(cluster.members, 20_000);
  });

  it('/health turns unhealthy on a member cut off from the majority, and healthy after', async () => {
    const [cut, ...others] = cluster.members as [ClusterMember, ...ClusterMember[]];
    assert.deepEqual(await health(cut), { status: 200, body: '{"health":"true","reason":""}' });
    for (const other of others) process.kill(other.pid!, 'SIGSTOP');
    try {
      const unhealthy = await eventually(
        `${cut.name}'s /health to fail once it cannot reach a majority`,
        () => health(cut),
        (h) => h.status === 503,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const body = JSON.parse(unhealthy.body) as { health: string; reason: string };
      assert.equal(body.health, 'false');
      assert.match(body.reason, /^(RAFT NO LEADER|RANGE ERROR:.*)$/);
      // Alone it still serves local reads: the serializable check passes (etcd's semantics).
      assert.equal((await health(cut, '?serializable=true')).status, 200);
      const scraped = await scrape(cut.clientUrl);
      assert.ok(scraped.value('etcd_server_health_failures') >= 1);
      const warned = logLines(cut.log).find((l) => l.msg === '/health error');
      assert.ok(warned !== undefined && warned.level === 'warn', 'a failing /health is logged');
    } finally {
      for (const other of others) process.kill(other.pid!, 'SIGCONT');
    }
    await eventually(
      `${cut.name}'s /health to pass again`,
      () => health(cut),
      (h) => h.status === 200 && h.body === '{"health":"true","reason":""}',
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const scraped = await scrape(cut.clientUrl);
    assert.equal(scraped.value('etcd_server_has_leader'), 1);
  });
});
