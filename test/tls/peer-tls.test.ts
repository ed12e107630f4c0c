/**
 * Peer TLS on a real 3-member cluster: https:// peer URLs, one CA, --peer-client-cert-auth.
 * The members replicate over TLS; a raw TCP connection, a TLS connection without a
 * certificate and one with a certificate from another CA are all cut off at the peer port
 * (and logged); a member started without a peer certificate is added but cannot join; and
 * through all of it the cluster keeps serving.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { encodeFrame, encodeHello, FrameKind } from '../../src/transport/frame.js';
import { snapshotFlags } from '../helpers/cluster-process.js';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { freePort } from '../helpers/free-port.js';
import { MemberProcess } from '../helpers/member-process.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';
import { eventually, waitFor } from '../helpers/wait.js';

const token = `peer-tls-${process.pid}`;

describe('peer TLS with --peer-client-cert-auth', { skip: etcdctlSkip }, () => {
  let certs: TlsFixtures;
  let members: MemberProcess[] = [];
  const peerPorts: number[] = [];
  const peerUrl = (i: number): string => `https://127.0.0.1:${peerPorts[i]}`;
  const ctl = (member: MemberProcess): Etcdctl => new Etcdctl(() => member.endpoint);
  const everyone = (): Etcdctl =>
    new Etcdctl(() => members.map((member) => member.endpoint).join(','));

  before(async () => {
    certs = createTlsFixtures();
    for (let i = 0; i < 3; i++) peerPorts.push(await freePort());
    const initialCluster = [0, 1, 2].map((i) => `m${i + 1}=${peerUrl(i)}`).join(',');
    members = await Promise.all(
      [0, 1, 2].map((i) =>
        MemberProcess.start({
          name: `m${i + 1}`,
          readyTimeoutMs: 60_000,
          args: [
            ...['--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i)],
            ...['--initial-cluster', initialCluster, '--initial-cluster-token', token],
            ...['--heartbeat-interval', '50', '--election-timeout', '500'],
            ...['--peer-cert-file', certs.server.cert, '--peer-key-file', certs.server.key],
            ...['--peer-trusted-ca-file', certs.ca.cert, '--peer-client-cert-auth'],
            // A member that falls behind catches up by snapshot (its own connection).
            ...snapshotFlags(20, 5),
          ],
        }),
      ),
    );
  });
  after(async () => {
    await MemberProcess.destroyAll();
    certs.remove();
  });

  it('elects a leader and replicates writes to every member over TLS', async () => {
    await eventually(
      'a write through the cluster',
      () => everyone().run(['put', 'replicated', 'over-tls']),
      (run) => run.code === 0,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    for (const member of members) {
      await eventually(
        `member ${member.endpoint} to have the write (serializable read)`,
        () => ctl(member).run(['get', 'replicated', '--consistency=s', '--print-value-only']),
        (run) => run.stdout.trim() === 'over-tls',
        { timeoutMs: 10_000, intervalMs: 100 },
      );
    }
  });

  it('catches a member that fell behind up by a snapshot streamed over TLS', async () => {
    const behind = members[2] as MemberProcess;
    await behind.stop();
    const survivors = new Etcd3({
      hosts: members.slice(0, 2).map((member) => member.url),
      faultHandling: { host: () => noop, global: noop },
    });
    try {
      // The stopped member may have led: wait for the survivors to agree on a leader.
      await eventually(
        'the two survivors to accept a write',
        () =>
          survivors
            .put('snap/ready')
            .value('1')
            .then(
              () => true,
              () => false,
            ),
        (accepted) => accepted,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      // 30 entries: past --snapshot-count 20 with 5 kept, so the log it needs is gone.
      for (let i = 0; i < 30; i++) await survivors.put(`snap/${i}`).value(String(i));
    } finally {
      survivors.close();
    }
    await behind.restart();
    await eventually(
      'the restarted member to have the last write',
      () => ctl(behind).run(['get', 'snap/29', '--consistency=s', '--print-value-only']),
      (run) => run.stdout.trim() === '29',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    assert.match(behind.stderr, /installed a snapshot from the leader/);
  });

  it('cuts off a raw TCP connection to the peer port, even one that says hello', async () => {
    const port = peerPorts[0] as number;
    const socket = connectTcp({ host: '127.0.0.1', port });
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(encodeFrame(FrameKind.hello, encodeHello(0n, 1n, 'link')));
    });
    await waitFor<void>('the member to close the plain connection', (done) =>
      socket.once('close', () => done()),
    );
    // Whatever came back is a TLS alert, never a frame: a frame starts with a 4-byte length.
    assert.ok(received < 16, `the member answered a plain peer with ${received} bytes`);
    await logged(members[0] as MemberProcess, 'rejected a peer connection');
  });

  it('refuses a TLS peer without a certificate, and one with a certificate from another CA', async () => {
    const port = peerPorts[1] as number;
    const attempts = [
      { name: 'no certificate', cert: undefined, key: undefined },
      { name: 'another CA', cert: certs.otherServer.cert, key: certs.otherServer.key },
    ];
    for (const attempt of attempts) {
      const socket = connectTls({
        host: '127.0.0.1',
        port,
        ca: readFileSync(certs.ca.cert),
        ...(attempt.cert === undefined
          ? {}
          : { cert: readFileSync(attempt.cert), key: readFileSync(attempt.key as string) }),
      });
      let data = 0;
      socket.on('data', (chunk: Buffer) => (data += chunk.length));
      socket.on('error', () => undefined);
      socket.once('secureConnect', () => {
        socket.write(encodeFrame(FrameKind.hello, encodeHello(0n, 1n, 'link')));
      });
      await waitFor<void>(`the member to cut off a TLS peer with ${attempt.name}`, (done) =>
        socket.once('close', () => done()),
      );
      assert.equal(data, 0, `${attempt.name}: the member answered`);
    }
    await logged(members[1] as MemberProcess, 'rejected a peer connection');
    await logged(members[1] as MemberProcess, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('does not let a member without a peer certificate join, and keeps serving', async () => {
    const port = await freePort();
    const plainPeerUrl = `http://127.0.0.1:${port}`;
    const added = await everyone().run(['member', 'add', 'm4', `--peer-urls=${plainPeerUrl}`]);
    assert.equal(added.code, 0, added.stderr);
    const initialCluster = [
      ...[0, 1, 2].map((i) => `m${i + 1}=${peerUrl(i)}`),
      `m4=${plainPeerUrl}`,
    ].join(',');
    // Rejections logged before the newcomer (the raw connections above) do not count.
    const rejectionsBefore = members.map((member) => rejections(member));
    const newcomer = await MemberProcess.start({
      name: 'm4',
      readyTimeoutMs: 60_000,
      args: [
        ...['--listen-peer-urls', plainPeerUrl, '--initial-advertise-peer-urls', plainPeerUrl],
        ...['--initial-cluster', initialCluster, '--initial-cluster-token', token],
        ...['--initial-cluster-state', 'existing'],
        ...['--heartbeat-interval', '50', '--election-timeout', '500'],
      ],
    });
    // Each pair has one dialer (the lower ID): either a member refuses to dial the plain URL,
    // or the newcomer's TLS dial fails (it cannot verify the member, nor show a certificate).
    for (const [i, member] of members.entries()) {
      await eventually(
        `member ${member.endpoint} and the newcomer to fail to connect`,
        () => ({
          refused: member.stderr.includes('refusing to dial a plain-text peer URL'),
          rejected: rejections(member) > (rejectionsBefore[i] as number),
          failed: newcomer.stderr.includes('peer TLS connection failed'),
        }),
        (seen) => seen.refused || (seen.rejected && seen.failed),
        { timeoutMs: 20_000, intervalMs: 100 },
      );
    }
    // Writes still commit (3 of 4 voters), and the newcomer has none of them.
    await everyone().ok('put', 'after-join-attempt', 'still-serving');
    assert.equal(
      (await everyone().ok('get', 'after-join-attempt', '--print-value-only')).trim(),
      'still-serving',
    );
    const seen = await ctl(newcomer).run(['get', 'after-join-attempt', '--consistency=s']);
    assert.equal(seen.stdout.trim(), '', 'the newcomer must not have joined');
    const members4 = await everyone().ok('member', 'list');
    assert.match(members4, /unstarted/, `the newcomer never started:\n${members4}`);
  });
});

function rejections(member: MemberProcess): number {
  return member.stderr.split('rejected a peer connection').length - 1;
}

async function logged(member: MemberProcess, text: string): Promise<void> {
  await eventually(
    `member ${member.endpoint} to log "${text}"`,
    () => member.stderr,
    (stderr) => stderr.includes(text),
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}
