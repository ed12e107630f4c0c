import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../../src/base/prng.js';
import {
  MemoryStorage,
  RawNode,
  message,
  type Message,
  type ReadState,
} from '../../../src/raft/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

/** Three RawNodes with in-memory storage; messages wait in `inFlight` until delivered. */
class Trio {
  readonly nodes = new Map<bigint, { raw: RawNode; storage: MemoryStorage }>();
  inFlight: Message[] = [];
  readonly readStates: ReadState[] = [];

  constructor() {
    for (const id of [1n, 2n, 3n]) {
      const storage = new MemoryStorage({ voters: [1n, 2n, 3n], learners: [] });
      const raw = new RawNode({ id, storage, prng: new Prng(Number(id)) });
      this.nodes.set(id, { raw, storage });
    }
  }

  raw(id: bigint): RawNode {
    return this.nodes.get(id)!.raw;
  }

  /** One Ready of `id`: persist, queue its messages, advance. */
  processReady(id: bigint): Message[] {
    const { raw, storage } = this.nodes.get(id)!;
    const rd = raw.ready();
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    this.inFlight.push(...rd.messages);
    if (id === 1n) this.readStates.push(...rd.readStates);
    raw.advance();
    return [...rd.messages];
  }

  /** Delivers the queued messages matching `match` to their destinations. */
  deliver(match: (m: Message) => boolean = () => true): void {
    const now = this.inFlight.filter(match);
    this.inFlight = this.inFlight.filter((m) => !match(m));
    for (const m of now) this.raw(m.to).step(m);
  }

  stabilize(): void {
    for (let round = 0; round < 100; round++) {
      let busy = false;
      for (const id of this.nodes.keys()) {
        if (this.raw(id).hasReady()) {
          this.processReady(id);
          busy = true;
        }
      }
      if (this.inFlight.length > 0) {
        this.deliver();
        busy = true;
      }
      if (!busy) return;
    }
    throw new Error('stabilize: no fixed point after 100 rounds');
  }
}

function electedTrio(): Trio {
  const trio = new Trio();
  trio.raw(1n).campaign();
  trio.stabilize();
  assert.equal(trio.raw(1n).raft.state, 'Leader');
  return trio;
}

const heartbeats = (ms: readonly Message[]): Message[] =>
  ms.filter((m) => m.type === 'MsgHeartbeat');

describe('ReadIndex heartbeat rounds (dissertation 6.4, batched)', () => {
  it('sends one round for requests stepped before a Ready, answering all once a quorum acks', () => {
    const trio = electedTrio();
    const leader = trio.raw(1n);
    leader.readIndex(text('a'));
    // A follower's forwarded request arrives in the same turn.
    leader.step(message({ type: 'MsgReadIndex', to: 1n, from: 2n, context: text('b') }));
    assert.equal(leader.hasReady(), true, 'a due heartbeat round makes a Ready');
    const sent = heartbeats(trio.processReady(1n));
    assert.deepEqual(
      sent.map((m) => [m.to, str(m.context)]),
      [
        [2n, 'b'],
        [3n, 'b'],
      ],
      'one heartbeat per follower, carrying the newest context',
    );
    assert.equal(leader.hasReady(), false, 'the round is not sent twice');
    // One follower's ack makes a quorum (with the leader itself): both reads are served.
    trio.deliver((m) => m.to === 2n);
    trio.processReady(2n);
    trio.deliver((m) => m.type === 'MsgHeartbeatResp');
    const rd = trio.processReady(1n);
    assert.deepEqual(
      trio.readStates.map((s) => str(s.context)),
      ['a'],
      'the leader own request is answered as a ReadState',
    );
    assert.deepEqual(
      rd.filter((m) => m.type === 'MsgReadIndexResp').map((m) => [m.to, str(m.context)]),
      [[2n, 'b']],
      "the follower's request is answered to it",
    );
  });

  it('gives a request that arrives after the round its own round, never the earlier acks', () => {
    const trio = electedTrio();
    const leader = trio.raw(1n);
    leader.readIndex(text('early'));
    const first = heartbeats(trio.processReady(1n));
    assert.deepEqual(
      first.map((m) => str(m.context)),
      ['early', 'early'],
    );
    // Arrives after the first round left: that round's acks prove nothing about it.
    leader.readIndex(text('late'));
    trio.deliver((m) => m.to === 2n || m.to === 3n);
    trio.processReady(2n);
    trio.processReady(3n);
    // The first round's acks arrive before the leader's next Ready.
    trio.deliver((m) => m.type === 'MsgHeartbeatResp');
    const second = heartbeats(trio.processReady(1n));
    assert.deepEqual(
      trio.readStates.map((s) => str(s.context)),
      ['early'],
      'only the request that arrived before the first round is served by its acks',
    );
    assert.deepEqual(
      second.map((m) => [m.to, str(m.context)]),
      [
        [2n, 'late'],
        [3n, 'late'],
      ],
      'the late request gets a round of its own',
    );
    trio.stabilize();
    assert.deepEqual(
      trio.readStates.map((s) => str(s.context)),
      ['early', 'late'],
    );
  });

  it('lets a tick heartbeat (which carries the newest context) stand in for a due round', () => {
    const trio = electedTrio();
    const leader = trio.raw(1n);
    leader.readIndex(text('r'));
    for (let i = 0; i < leader.raft.config.heartbeatTicks; i++) leader.tick();
    const sent = heartbeats(trio.processReady(1n));
    assert.deepEqual(
      sent.map((m) => [m.to, str(m.context)]),
      [
        [2n, 'r'],
        [3n, 'r'],
      ],
      'one round in all, not the tick round plus the due one',
    );
    trio.stabilize();
    assert.deepEqual(
      trio.readStates.map((s) => str(s.context)),
      ['r'],
    );
  });

  it('drops a due round when the leader steps down before sending it', () => {
    const trio = electedTrio();
    const leader = trio.raw(1n);
    leader.readIndex(text('r'));
    // A higher term from a peer deposes it before its next Ready.
    leader.step(message({ type: 'MsgHeartbeat', to: 1n, from: 2n, term: leader.raft.term + 1 }));
    assert.equal(leader.raft.state, 'Follower');
    const sent = trio.processReady(1n);
    assert.deepEqual(heartbeats(sent), [], 'a follower sends no heartbeats');
  });
});
