/**
 * The peer port against strangers, through a real member: hellos naming our cluster but sender
 * IDs nobody added, each followed by garbage and a close. The member keeps running, and keeps
 * no link (nor a metrics label) for any of them once its connection is gone: before the fix
 * each new sender ID left a link behind for good. A stranger's snapshot connection is cut at
 * its hello (it used to be buffered, up to snapshotBytesMax, for nothing).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Prng } from '../../src/base/prng.js';
import { encodeFrame, encodeHello, FrameKind } from '../../src/transport/frame.js';
import { freePort } from '../helpers/free-port.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually } from '../helpers/wait.js';
import { clusterId } from './harness.js';
import { alive, healthy } from './oracle.js';
import { randomBytes } from './generators.js';
import { sendPeer } from './peer-fuzz.js';

describe('peer port: strangers leave nothing behind', () => {
  let member: MemberProcess;
  let peerPort: number;

  before(async () => {
    peerPort = await freePort();
    member = await MemberProcess.start({
      args: ['--listen-peer-urls', `http://127.0.0.1:${peerPort}`],
    });
  });
  after(() => MemberProcess.destroyAll());

  it('100 hellos from unknown senders, then garbage: no links kept, the member serves', async () => {
    const target = {
      host: '127.0.0.1',
      port: peerPort,
      clusterId: await clusterId(member.endpoint),
    };
    const prng = new Prng(5);
    for (let i = 0; i < 100; i++) {
      const hello = encodeFrame(
        FrameKind.hello,
        encodeHello(target.clusterId, 0xbad0_0000n + BigInt(i), 'link'),
      );
      const garbage = encodeFrame(FrameKind.messages, randomBytes(prng, 1 + prng.int(64)));
      await sendPeer(target, Buffer.concat([hello, garbage]), 20);
    }
    assert.ok(alive(member.pid ?? 0), member.describe());
    assert.ok(await healthy(member.url), member.describe());
    const labels = await eventually(
      'the strangers’ links to be gone from /metrics',
      async () => {
        const text = await (await fetch(`${member.url}/metrics`)).text();
        return text
          .split('\n')
          .filter((line) => line.startsWith('etcd_network_peer_received_bytes_total{'));
      },
      (lines) => lines.length === 0,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    assert.deepEqual(labels, []);
  });

  it("cuts a stranger's snapshot connection at its hello", async () => {
    const id = await clusterId(member.endpoint);
    const socket = connect(peerPort, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {}); // a reset is as good as a close here
    socket.write(encodeFrame(FrameKind.hello, encodeHello(id, 0xbad1_0000n, 'snapshot')));
    socket.write(encodeFrame(FrameKind.snapshotChunk, new Uint8Array(1024)));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 5_000);
    });
    const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    socket.destroy();
    assert.equal(outcome, 'closed', 'the member closes a snapshot connection from a stranger');
    assert.ok(await healthy(member.url), member.describe());
  });
});
