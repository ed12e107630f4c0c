/**
 * The histograms a member fills as things happen (a WAL fdatasync, a backend commit, a peer
 * ping answered), with etcd's names, help texts and buckets, behind the node's
 * MemberObserver port.
 */
import { Histogram, type Registry } from 'prom-client';
import type { MemberObserver } from '../../node/member-metrics.js';
import { exponentialBuckets } from './buckets.js';
import { CountedHistogram } from './counted-histogram.js';

export function observedMetrics(registry: Registry): MemberObserver {
  const registers = [registry];
  // Every write's fsync, on every member: counted without prom-client's per-call label
  // hashing (counted-histogram.ts), which was 0.7% of a 1-client put leader's busy time.
  const walFsync = new CountedHistogram(
    'etcd_disk_wal_fsync_duration_seconds',
    'The latency distributions of fsync called by WAL.',
    [],
    // 1 ms up to 8.192 s, as etcd's.
    exponentialBuckets(0.001, 2, 14),
    registry,
  ).child();
  const backendCommit = new Histogram({
    name: 'etcd_disk_backend_commit_duration_seconds',
    help: 'The latency distributions of commit called by backend.',
    buckets: exponentialBuckets(0.001, 2, 14),
    registers,
  });
  const roundTrip = new Histogram({
    name: 'etcd_network_peer_round_trip_time_seconds',
    help: 'Round-Trip-Time histogram between peers',
    labelNames: ['To'],
    // 0.1 ms up to 3.2768 s, as etcd's.
    buckets: exponentialBuckets(0.0001, 2, 16),
    registers,
  });
  // A member has a handful of peers: their label children are kept, not looked up per ping.
  const toPeer = new Map<bigint, Histogram.Internal<'To'>>();
  return {
    walFsync: (seconds) => walFsync.observe(seconds),
    backendCommit: (seconds) => backendCommit.observe(seconds),
    peerRoundTrip: (peer, seconds) => {
      let child = toPeer.get(peer);
      if (child === undefined) {
        child = roundTrip.labels(peer.toString(16));
        toPeer.set(peer, child);
      }
      child.observe(seconds);
    },
  };
}
