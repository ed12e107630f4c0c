import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheus, quantileBetween, total } from '../../src/dashboard/prometheus.js';

const before = parsePrometheus(`# HELP x
# TYPE etcd_disk_wal_fsync_duration_seconds histogram
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 10
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 10
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 10
etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 10
grpc_server_handled_total{grpc_method="Range",grpc_code="OK"} 5
grpc_server_handled_total{grpc_method="Put",grpc_code="OK"} 7
`);
const after = parsePrometheus(`etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 10
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 60
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 110
etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 110
grpc_server_handled_total{grpc_method="Range",grpc_code="OK"} 15
grpc_server_handled_total{grpc_method="Put",grpc_code="OK"} 7
`);

describe('the dashboard’s Prometheus text reader', () => {
  it('sums series, optionally by label', () => {
    assert.equal(total(after, 'grpc_server_handled_total'), 22);
    assert.equal(total(after, 'grpc_server_handled_total', { grpc_method: 'Put' }), 7);
    assert.equal(total(after, 'absent'), undefined);
  });

  it('interpolates quantiles of what was observed between two scrapes', () => {
    // 100 new observations: 50 in (1 ms, 2 ms], 50 in (2 ms, 4 ms].
    const name = 'etcd_disk_wal_fsync_duration_seconds';
    assert.equal(quantileBetween(before, after, name, 0.5), 0.002);
    assert.equal(quantileBetween(before, after, name, 0.25), 0.0015);
    assert.equal(quantileBetween(before, after, name, 0.75), 0.003);
    assert.equal(quantileBetween(after, after, name, 0.5), undefined, 'nothing new: no quantile');
  });
});
