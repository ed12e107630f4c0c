/**
 * Loopback TCP ports free at the moment of asking, for listeners that must be named before
 * the process that binds them starts (peer URLs, --listen-metrics-urls, a dead endpoint,
 * `concord cluster --base-port`).
 *
 * Ports are drawn at random from just below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range), never from inside it: the kernel hands ports in
 * that range to every listener on port 0 and every outgoing connection, and a port asked for
 * by binding port 0 and closing it was once handed, in between, to a member of another test
 * running at the same time (EADDRINUSE in CI). Ports below the range are only ever taken by
 * name, so only another caller of this module could take one.
 *
 * A port is handed out at most once per process. A cluster's ports are all drawn before any
 * member binds one, so a second draw of a port still unbound would find it free and hand it
 * out again: two members of one cluster on one port (EADDRINUSE in CI, 6 ports drawn from
 * 10,000 collide about once in 700 clusters). Across processes (test files run side by side)
 * only the random draw keeps callers apart.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const span = 10_000;

/** [first, last] of the ports to draw from: the `span` ports below the ephemeral range. */
function drawRange(): [number, number] {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    if (Number.isInteger(low) && low - span >= 1024) return [low - span, low - 1];
  } catch {
    // Not Linux: fall through to a range below the IANA ephemeral range (49152-65535).
  }
  return [49152 - span, 49151];
}

const [first, last] = drawRange();
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port with `count` consecutive ports above it, all free and never handed out. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = first + Math.floor(Math.random() * (last - first + 2 - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) {
      free = !handedOut.has(port) && (await bindable(port));
    }
    // Checked again after the awaits: a concurrent caller may have taken one meanwhile.
    for (let port = base; port < base + count && free; port++) free = !handedOut.has(port);
    if (free) {
      for (let port = base; port < base + count; port++) handedOut.add(port);
      return base;
    }
  }
  throw new Error(`no ${count} consecutive free loopback ports in ${first}-${last} after 50 draws`);
}

/** One free loopback port, never handed out before by this process. */
export function freePort(): Promise<number> {
  return freePortRange(1);
}
