/**
 * The fault proxy on its own, with real sockets on loopback: it forwards a connection that
 * opens with a transport hello, learns the sender from it, cuts that sender's connections
 * (and blackholes new ones) while the link is cut, and lets them reconnect once healed.
 * (serializable-reads.test.ts shows it partitioning real members.)
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeFrame, encodeHello, FrameKind } from '../../../src/transport/frame.js';
import { freePort } from '../../helpers/free-port.js';
import { eventually, waitFor } from '../../helpers/wait.js';
import { FaultProxy } from './fault-proxy.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('FaultProxy', () => {
  // The "member": echoes everything back, counts connections.
  let upstreamConnections = 0;
  const echo = createServer((socket) => {
    upstreamConnections++;
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  let proxy: FaultProxy;
  const sockets: Socket[] = [];

  before(async () => {
    const target = await listen(echo);
    proxy = new FaultProxy(await freePort(), target);
    await proxy.start();
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  /** Dials the proxy as member `from` and says hello (plus `extra` bytes). */
  async function dial(
    from: bigint,
    extra: string,
  ): Promise<{ socket: Socket; received: () => string }> {
    const socket = connect({ host: '127.0.0.1', port: proxy.listenPort });
    sockets.push(socket);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    await waitFor<void>('the proxy to accept', (done) => socket.once('connect', () => done()));
    const hello = Buffer.from(encodeFrame(FrameKind.hello, encodeHello(1n, from, 'link')));
    socket.write(Buffer.concat([hello, Buffer.from(extra)]));
    return { socket, received: () => received };
  }

  const closed = (socket: Socket, what: string): Promise<void> =>
    waitFor<void>(what, (done) => {
      if (socket.destroyed) done();
      socket.once('close', () => done());
    });

  it('forwards a connection, hello and all', async () => {
    const { received } = await dial(7n, 'ping');
    await eventually('the echo of hello + ping', received, (r) => r.endsWith('ping'));
    assert.equal(received().length, 23 + 4, 'the hello frame went through untouched');
  });

  it("cuts the sender's connections, blackholes new ones, and lets them back after heal", async () => {
    const other = await dial(9n, 'other');
    const victim = await dial(7n, 'before');
    await eventually('the echo before the cut', victim.received, (r) => r.endsWith('before'));
    proxy.setCut(7n, true);
    await closed(victim.socket, "the cut to close member 7's connection");
    const flowsBefore = proxy.flows;

    const connectionsBefore = upstreamConnections;
    const held = await dial(7n, 'during');
    await eventually(
      'the proxy to hold the new connection',
      () => proxy.flows,
      (n) => n > flowsBefore,
    );
    assert.equal(upstreamConnections, connectionsBefore, 'a cut link reaches nothing');
    assert.equal(held.received(), '', 'and nothing comes back');
    assert.equal(other.socket.destroyed, false, "member 9's link is untouched");

    proxy.setCut(7n, false);
    await closed(held.socket, 'the heal to drop the held connection (so the dialer reconnects)');
    const again = await dial(7n, 'after');
    await eventually('the echo after the heal', again.received, (r) => r.endsWith('after'));
  });

  it('refuses a connection that does not open with a hello', async () => {
    const socket = connect({ host: '127.0.0.1', port: proxy.listenPort });
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write(Buffer.alloc(30, 0x41));
    await closed(socket, 'the proxy to close a connection without a hello');
    assert.equal(proxy.unknownConnections, 1);
  });
});
