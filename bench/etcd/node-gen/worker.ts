/**
 * A load generator worker process (forked by driver.ts): opens its own connections, runs
 * its share of the clients, and reports a latency histogram, counts and its CPU use.
 */
import { Histogram } from '../histogram.js';
import { connect, type Connection } from './connection.js';
import { clientLoop, type ClientLoop } from './operations.js';
import type { DriverMessage, SetupMessage, StartMessage, WorkerMessage } from './protocol.js';
import { epochMs, openWatchers, putAtRate, watchGraceMs, type WatchTally } from './watchers.js';

function send(message: WorkerMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, () => then?.());
}

interface Prepared {
  run(start: StartMessage): Promise<void>;
}

const latency = new Histogram();
const tally: WatchTally = { events: 0, errors: 0 };
const window = { startAt: Number.POSITIVE_INFINITY, deadline: Number.POSITIVE_INFINITY };
const connections: Connection[] = [];
let prepared: Prepared | undefined;

async function setup(message: SetupMessage): Promise<Prepared> {
  for (const endpoint of message.endpoints) connections.push(connect(endpoint));
  const { workload } = message;
  if (message.role === 'watch-putter') {
    const connection = connections[0]!;
    return {
      run: () => putAtRate({ connection, putsPerSecond: message.putsPerSecond, window, tally }),
    };
  }
  if (workload.kind === 'watch') {
    await Promise.all(
      connections.map((connection, i) =>
        openWatchers({
          connection,
          watchers: message.clientsPerConn[i]!,
          latency,
          tally,
          window,
        }),
      ),
    );
    return { run: () => untilEventsDue() };
  }
  const loops: ClientLoop[] = [];
  message.clientsPerConn.forEach((count, c) => {
    for (let i = 0; i < count; i++)
      loops.push(clientLoop(workload, connections[c]!, `${message.workerIndex}-${c}-${i}`));
  });
  await Promise.all(loops.map((loop) => loop.prepare()));
  return { run: () => Promise.all(loops.map((loop) => runLoop(loop))).then(() => {}) };
}

/** Waits until the window's last events are due (watchers count them as they arrive). */
function untilEventsDue(): Promise<void> {
  const at = window.deadline + watchGraceMs;
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - epochMs())));
}

/**
 * Runs one client from the start message until the deadline; operations before `startAt`
 * are warm-up (connections, JIT, the server's caches) and are not recorded.
 */
async function runLoop(loop: ClientLoop): Promise<void> {
  while (epochMs() < window.deadline) {
    const started = performance.now();
    const counted = epochMs() >= window.startAt;
    try {
      await loop.next();
      if (!counted) continue;
      latency.record(performance.now() - started);
      tally.events += 1;
    } catch (error) {
      if (!counted) continue;
      tally.errors += 1;
      tally.firstError ??= error instanceof Error ? error.message : String(error);
    }
  }
}

function untilStart(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, window.startAt - epochMs())));
}

async function start(message: StartMessage): Promise<void> {
  window.startAt = message.startAt;
  window.deadline = message.deadline;
  const running = prepared!.run(message);
  await untilStart();
  const cpuStart = process.cpuUsage();
  await running;
  const cpu = process.cpuUsage(cpuStart);
  for (const connection of connections) connection.close();
  // Exit once the result is sent: open streams would otherwise keep the process alive.
  send(
    {
      type: 'result',
      ops: tally.events,
      errors: tally.errors,
      ...(tally.firstError === undefined ? {} : { firstError: tally.firstError }),
      latency: latency.counts,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    },
    () => process.exit(0),
  );
}

function fail(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'failed', error: text }, () => process.exit(1));
}

process.on('message', (message: DriverMessage) => {
  if (message.type === 'setup')
    setup(message).then((p) => {
      prepared = p;
      send({ type: 'ready' });
    }, fail);
  else start(message).catch(fail);
});
