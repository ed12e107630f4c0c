import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Message, NodeId } from '../../src/raft/types.js';
import { Transport } from '../../src/transport/transport.js';
import { eventually, waitFor } from '../helpers/wait.js';

const clusterId = 7n;

/** Each batch of messages a transport received, and a way to wait for the next. */
interface Inbox {
  readonly batches: Message[][];
  notify?: () => void;
}

/** A transport on a loopback port that records each batch of messages it receives. */
async function member(selfId: NodeId, inbox: Inbox): Promise<Transport> {
  return Transport.listen({
    selfId,
    clusterId,
    listen: [new URL('http://127.0.0.1:0')],
    onMessages: (messages) => {
      inbox.batches.push(messages);
      inbox.notify?.();
    },
    onSnapshotStatus: () => undefined,
    onUnreachable: () => undefined,
    onRpc: () => Promise.resolve(new Uint8Array()),
  });
}

function heartbeat(from: NodeId, to: NodeId, commit: number): Message {
  return {
    type: 'MsgHeartbeat',
    from,
    to,
    term: 1,
    logTerm: 0,
    index: 0,
    commit,
    entries: [],
    reject: false,
    rejectHint: 0,
  };
}

describe('transport send', () => {
  const inboxes = new Map<NodeId, Inbox>([
    [2n, { batches: [] }],
    [3n, { batches: [] }],
  ]);
  let sender: Transport;
  let peers: Transport[];

  before(async () => {
    sender = await member(1n, { batches: [] });
    peers = [await member(2n, inboxes.get(2n)!), await member(3n, inboxes.get(3n)!)];
    for (const peer of peers) {
      const id = peer === peers[0] ? 2n : 3n;
      sender.addPeer(id, [peer.urls[0]!.href]);
      peer.addPeer(1n, [sender.urls[0]!.href]);
    }
    await eventually(
      'the sender connected to both peers',
      () => sender.isConnected(2n) && sender.isConnected(3n),
      (connected) => connected,
    );
  });

  after(async () => {
    await sender.close();
    for (const peer of peers) await peer.close();
  });

  it('writes what one call sends to each peer before it returns, as one frame per peer', async () => {
    const sentBefore = sentBytes(sender);
    sender.send([heartbeat(1n, 2n, 1), heartbeat(1n, 3n, 1), heartbeat(1n, 2n, 2)]);
    // Synchronously: a caller's next step (an apply, a WAL write) comes after these bytes.
    const sentNow = sentBytes(sender);
    assert.ok(sentNow.get(2n)! > sentBefore.get(2n)!, 'bytes to member 2 written in the call');
    assert.ok(sentNow.get(3n)! > sentBefore.get(3n)!, 'bytes to member 3 written in the call');

    const commits = (id: NodeId): number[][] =>
      inboxes.get(id)!.batches.map((batch) => batch.map((m) => m.commit));
    for (const [id, want] of [
      [2n, 2],
      [3n, 1],
    ] as const) {
      const inbox = inboxes.get(id)!;
      await waitFor<void>(`member ${id} to receive ${want} messages`, (done) => {
        inbox.notify = () => {
          if (inbox.batches.flat().length >= want) done();
        };
        inbox.notify();
      });
    }
    assert.deepEqual(commits(2n), [[1, 2]], 'member 2 got its two messages in one frame, in order');
    assert.deepEqual(commits(3n), [[1]]);
  });
});

function sentBytes(transport: Transport): Map<NodeId, number> {
  return new Map(transport.peerStats().map((s) => [s.id, s.sentBytes]));
}
