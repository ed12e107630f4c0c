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
 * 10,000 collide about once in 700 clusters). Across processes (test files run side by side,
 * and a whole suite may run beside another) a port is reserved by creating a file named after
 * it in a shared directory: the first process to create it owns the port until it exits, and a
 * file left by a process that died without cleaning up is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
const reservations = join(tmpdir(), 'concord-test-ports');
mkdirSync(reservations, { recursive: true });
process.on('exit', () => {
  for (const port of handedOut) {
    try {
      unlinkSync(join(reservations, String(port)));
    } catch {
      // Already gone: nothing to release.
    }
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims `port` for this process across processes; false if a live process holds it. */
function reserve(port: number): boolean {
  const file = join(reservations, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // Released between our open and read: try again.
    }
    // An empty file is one being written this moment by its creator.
    if (owner === 0 || alive(owner)) return false;
    try {
      unlinkSync(file);
    } catch {
      // Another process took it over first; the next open decides.
    }
  }
  return false;
}

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
    if (!free) continue;
    const claimed: number[] = [];
    for (let port = base; port < base + count && reserve(port); port++) claimed.push(port);
    for (const port of claimed) handedOut.add(port);
    // Ports claimed short of a whole range stay handed out: cheaper than releasing them.
    if (claimed.length === count) return base;
  }
  throw new Error(`no ${count} consecutive free loopback ports in ${first}-${last} after 50 draws`);
}

/** One free loopback port, never handed out before by this process. */
export function freePort(): Promise<number> {
  return freePortRange(1);
}
