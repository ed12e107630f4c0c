/**
 * A loopback TCP port free at the moment of asking, for a listener that must be named before
 * the process that binds it starts (peer URLs, --listen-metrics-urls, a dead endpoint).
 *
 * The port is drawn at random from just below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range), never from inside it: the kernel hands ports in
 * that range to every listener on port 0 and every outgoing connection, and a port asked for
 * by binding port 0 and closing it was once handed, in between, to a member of another test
 * running at the same time (EADDRINUSE in CI). Ports below the range are only ever taken by
 * name, so only another freePort caller could take it, and the random draw makes that rare.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const span = 10_000;

/** [first, last] of the ports to draw from: the `span` ports below the ephemeral range. */
function drawRange(): [number, number] | undefined {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    if (!Number.isInteger(low) || low - span < 1024) return undefined;
    return [low - span, low - 1];
  } catch {
    return undefined;
  }
}

const range = drawRange();

function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(address !== null && typeof address === 'object' ? address.port : undefined),
      );
    });
  });
}

export async function freePort(): Promise<number> {
  if (range !== undefined) {
    const [first, last] = range;
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await bindable(first + Math.floor(Math.random() * (last - first + 1)));
      if (port !== undefined) return port;
    }
  }
  // No range to draw from (not Linux) or all draws taken: any port the kernel gives.
  const port = await bindable(0);
  if (port === undefined) throw new Error('no free loopback port');
  return port;
}
