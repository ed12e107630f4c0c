import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseServeConfig } from '../../src/cli/serve-config.js';

const noFile = (path: string): string => {
  throw new Error(`no file ${path}`);
};

describe('serve configuration', () => {
  it('defaults to a single member on loopback with ./default.concord', () => {
    const config = parseServeConfig([], {}, noFile);
    assert.equal(config.name, 'default');
    assert.equal(config.dataDir, 'default.concord');
    assert.deepEqual(config.listenClientUrls.map(String), ['http://127.0.0.1:2379/']);
    assert.deepEqual(config.initialCluster, [
      { name: 'default', peerUrls: ['http://127.0.0.1:2380'] },
    ]);
    assert.equal(config.maxTxnOps, 128);
    assert.equal(config.maxRequestBytes, 1.5 * 1024 * 1024);
  });

  it('accepts the whole single-member flag set etcd accepts', () => {
    const config = parseServeConfig(
      [
        '--name',
        'solo',
        '--data-dir',
        '/tmp/solo',
        '--listen-client-urls',
        'http://127.0.0.1:12379',
        '--advertise-client-urls',
        'http://127.0.0.1:12379',
        '--listen-peer-urls',
        'http://127.0.0.1:12380',
        '--initial-advertise-peer-urls',
        'http://127.0.0.1:12380',
        '--initial-cluster',
        'solo=http://127.0.0.1:12380',
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        'T',
      ],
      {},
      noFile,
    );
    assert.equal(config.name, 'solo');
    assert.equal(config.initialClusterToken, 'T');
    assert.deepEqual(config.initialCluster, [
      { name: 'solo', peerUrls: ['http://127.0.0.1:12380'] },
    ]);
  });

  it('takes flag over environment over config file over default', () => {
    const file = 'name: fromfile\nsnapshot-count: 7\nmax-txn-ops: 9\nlog-level: warn\n';
    const config = parseServeConfig(
      [
        '--config-file',
        'c.yaml',
        '--max-txn-ops',
        '11',
        '--initial-cluster',
        'fromenv=http://127.0.0.1:2380',
      ],
      { CONCORD_NAME: 'fromenv', CONCORD_SNAPSHOT_COUNT: '8' },
      () => file,
    );
    assert.equal(config.name, 'fromenv');
    assert.equal(config.snapshotCount, 8);
    assert.equal(config.maxTxnOps, 11);
    assert.equal(config.logLevel, 'warn');
  });

  it('takes the busy-poll window from --busy-poll-us or CONCORD_BUSY_POLL_US, 300 µs by default', () => {
    assert.equal(parseServeConfig([], {}, noFile).busyPollUs, 300);
    assert.equal(parseServeConfig(['--busy-poll-us', '0'], {}, noFile).busyPollUs, 0);
    assert.equal(parseServeConfig([], { CONCORD_BUSY_POLL_US: '50' }, noFile).busyPollUs, 50);
    assert.throws(
      () => parseServeConfig([], { CONCORD_BUSY_POLL_US: 'off' }, noFile),
      /--busy-poll-us must be an integer, got "off"/,
    );
  });

  const bad: [string, string[], RegExp][] = [
    [
      'election timeout too short',
      ['--election-timeout', '200'],
      /--election-timeout\[200ms\] should be at least as 5 times as --heartbeat-interval\[100ms\]/,
    ],
    ['unknown flag', ['--no-such-flag', 'x'], /no-such-flag/],
    ['non-integer', ['--snapshot-count', 'lots'], /--snapshot-count must be an integer/],
    [
      'bad URL',
      ['--listen-client-urls', 'localhost'],
      /--listen-client-urls: "localhost" is not a URL/,
    ],
    ['URL without port', ['--listen-client-urls', 'http://127.0.0.1'], /must name a port/],
    [
      'missing self',
      ['--initial-cluster', 'other=http://127.0.0.1:2380'],
      /no member named "default"/,
    ],
    ['bad state', ['--initial-cluster-state', 'maybe'], /--initial-cluster-state must be/],
    ['negative busy-poll window', ['--busy-poll-us=-1'], /--busy-poll-us must not be negative/],
    [
      'non-integer busy-poll window',
      ['--busy-poll-us', '1ms'],
      /--busy-poll-us must be an integer/,
    ],
  ];
  for (const [what, argv, message] of bad) {
    it(`rejects ${what} with a message that names the flag`, () => {
      assert.throws(
        () => parseServeConfig(argv, {}, noFile),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
