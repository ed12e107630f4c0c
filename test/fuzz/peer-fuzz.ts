/**
 * The peer port under hostile bytes (src/transport/frame.ts: a 4-byte length, a kind, a
 * payload; the first frame a hello naming the cluster): random bytes, frames before a hello,
 * hellos of other clusters, huge and zero lengths, truncated frames, and a valid hello
 * followed by garbage frames of every kind. The member must cut the connection or ignore the
 * frame, and keep running.
 */
import { connect, type Socket } from 'node:net';
import type { Prng } from '../../src/base/prng.js';
import {
  encodeFrame,
  encodeHello,
  FrameKind,
  type FrameKind as Kind,
} from '../../src/transport/frame.js';
import { randomBytes } from './generators.js';

export interface PeerTarget {
  readonly host: string;
  readonly port: number;
  readonly clusterId: bigint;
}

/** One connection's worth of hostile bytes. */
export function peerInput(prng: Prng, target: PeerTarget): Buffer {
  const hello = (clusterId: bigint, purpose: 'link' | 'snapshot'): Buffer =>
    Buffer.from(
      encodeFrame(
        FrameKind.hello,
        encodeHello(clusterId, 0xf00d_0000_0000_0000n + BigInt(prng.int(1 << 20)), purpose),
      ),
    );
  const garbageFrame = (): Buffer => {
    const kind = prng.chance(0.8) ? prng.range(1, 9) : prng.int(256);
    const payload = randomBytes(prng, prng.chance(0.9) ? prng.int(64) : prng.int(8192));
    const frame = Buffer.alloc(5 + payload.length);
    frame.writeUInt32BE(payload.length + 1, 0);
    frame[4] = kind;
    payload.copy(frame, 5);
    return frame;
  };
  const header = (length: number, kind: number): Buffer => {
    const out = Buffer.alloc(5);
    out.writeUInt32BE(length >>> 0, 0);
    out[4] = kind;
    return out;
  };
  switch (prng.int(8)) {
    case 0:
      return randomBytes(prng, prng.int(256));
    case 1: // frames before any hello
      return Buffer.concat([garbageFrame(), garbageFrame()]);
    case 2: // a hello of another cluster, then frames
      return Buffer.concat([hello(target.clusterId ^ 0x5555n, 'link'), garbageFrame()]);
    case 3: // lengths out of range, or far more than will come
      return header(
        prng.pick([0, 0xffff_ffff, 64 * 1024 * 1024 + 1, 64 * 1024 * 1024, 1 << 30]),
        prng.range(1, 9),
      );
    case 4: {
      // a hello, then a frame cut short
      const frame = garbageFrame();
      return Buffer.concat([
        hello(target.clusterId, 'link'),
        frame.subarray(0, prng.int(frame.length)),
      ]);
    }
    case 5: // a malformed hello (wrong size, version, purpose)
      return Buffer.concat([
        Buffer.from(
          encodeFrame(FrameKind.hello as Kind, randomBytes(prng, prng.pick([0, 17, 18, 19]))),
        ),
        garbageFrame(),
      ]);
    case 6: {
      // a snapshot connection with garbage chunks and an end
      const chunk = Buffer.from(
        encodeFrame(FrameKind.snapshotChunk, randomBytes(prng, prng.int(512))),
      );
      const end = Buffer.from(encodeFrame(FrameKind.snapshotEnd, new Uint8Array()));
      return Buffer.concat([hello(target.clusterId, 'snapshot'), chunk, end]);
    }
    default: {
      // a valid hello, then garbage frames of every kind
      const frames: Buffer[] = [hello(target.clusterId, 'link')];
      for (let i = 0, n = 1 + prng.int(6); i < n; i++) frames.push(garbageFrame());
      return Buffer.concat(frames);
    }
  }
}

/** Writes `bytes`, waits for the member to close or `lingerMs` to pass, then closes. */
export function sendPeer(target: PeerTarget, bytes: Buffer, lingerMs = 150): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect(target.port, target.host);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(finish, lingerMs + 2000);
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', () => undefined);
    socket.on('connect', () => {
      socket.write(bytes, () => setTimeout(finish, lingerMs));
    });
  });
}
