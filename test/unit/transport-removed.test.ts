import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { NodeId } from '../../src/raft/types.js';
import { createConnection } from 'node:net';
import { encodeFrame, encodeHello, FrameDecoder, FrameKind } from '../../src/transport/frame.js';
import { Transport, type TransportOptions } from '../../src/transport/transport.js';
import { waitFor } from '../helpers/wait.js';

const clusterId = 7n;

type MemberOptions = Partial<TransportOptions> & { readonly removed?: ReadonlySet<NodeId> };

/**
 * A transport on a loopback port. `removed` is its cluster's list of removed members;
 * `onRemoved` hears when a peer refuses this one as removed.
 */
function member(
  selfId: NodeId,
  { removed = new Set<NodeId>(), ...options }: MemberOptions = {},
): Promise<Transport> {
  return Transport.listen({
    selfId,
    clusterId,
    listen: [new URL('http://127.0.0.1:0')],
    onMessages: () => undefined,
    onSnapshotStatus: () => undefined,
    onUnreachable: () => undefined,
    onRpc: () => Promise.resolve(new Uint8Array()),
    isRemoved: (id) => removed.has(id),
    ...options,
  });
}

/** Says a probe hello to `peer` as `from`; resolves with the kinds of the frames it answers. */
function probe(peer: Transport, from: NodeId): Promise<number[]> {
  const url = peer.urls[0]!;
  return waitFor(`the peer to answer ${from}'s probe and close`, (done, fail) => {
    const kinds: number[] = [];
    const decoder = new FrameDecoder();
    const socket = createConnection({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(encodeFrame(FrameKind.hello, encodeHello(clusterId, from, 'probe')));
    });
    socket.on('data', (chunk) => decoder.push(chunk, (frame) => kinds.push(frame.kind)));
    socket.on('error', fail);
    socket.on('close', () => done(kinds));
  });
}

describe('transport: a removed member is told so', () => {
  const open: Transport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('a removed member that dials a peer is answered `removed`, and the peer keeps no link', async () => {
    const peer = await member(2n, { removed: new Set([1n]) });
    open.push(peer);
    await waitFor<void>('the dialing member to hear it was removed', (done) => {
      void member(1n, { onRemoved: done }).then((t) => {
        open.push(t);
        t.addPeer(2n, [peer.urls[0]!.href]); // the lower ID dials
      });
    });
    assert.equal(peer.isConnected(1n), false, 'the peer attached no link for the removed member');
    assert.deepEqual(peer.peers(), [], 'nor made one');
  });

  it('a removed member with the highest ID probes the peers that no longer dial it', async () => {
    const peer = await member(1n, { removed: new Set([9n]) });
    open.push(peer);
    // The peer (lower ID) would dial 9, but it dropped 9 when 9 was removed: only 9's probe
    // can tell it.
    await waitFor<void>('the removed member to hear so through a probe', (done) => {
      void member(9n, { probeIntervalMs: 50, onRemoved: done }).then((t) => {
        open.push(t);
        t.addPeer(1n, [peer.urls[0]!.href]);
      });
    });
  });

  it('a probe is answered with a hello for a member and `removed` for a removed one', async () => {
    const peer = await member(1n, { removed: new Set([8n]) });
    open.push(peer);
    assert.deepEqual(await probe(peer, 9n), [FrameKind.hello], 'a member: hello, then close');
    assert.deepEqual(await probe(peer, 8n), [FrameKind.removed], 'removed: removed, then close');
    assert.equal(peer.isConnected(9n), false, 'a probe leaves no link behind');
  });
});
