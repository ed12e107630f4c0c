/**
 * CPU per gRPC unary call of the HTTP/2 layer alone: etcd-benchmark's puts against a server
 * answering every /etcdserverpb.KV/Put with a fixed PutResponse, served by our H2Connection
 * ("ours") or by a bare node:http2 server doing the same ("node"). The figure is the server
 * process's user+system CPU over the measured run divided by its calls; a warm-up run first,
 * so both are JIT-compiled.
 *
 *   node --import tsx bench/h2-connection.ts [--total=N] [--conns=10] [--clients=100]
 *   (run it under `flock /tmp/concord-bench.lock`: it measures CPU)
 *
 * With `serve ours|node PORT` it is the server itself (the child the bench starts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { H2Connection } from '../src/server/h2/connection.js';
import type { HeaderField } from '../src/server/h2/hpack-encoder.js';

const putResponse = Buffer.from([
  0, 0, 0, 0, 10, 0x0a, 0x08, 0x08, 0x01, 0x10, 0x02, 0x18, 0x03, 0x20, 0x04,
]);
const headers: readonly HeaderField[] = [
  { name: ':status', value: '200' },
  { name: 'content-type', value: 'application/grpc' },
];
const trailers: readonly HeaderField[] = [{ name: 'grpc-status', value: '0' }];

function serveOurs(port: number): void {
  net
    .createServer((socket) => {
      new H2Connection(socket, (stream) => {
        stream.onData = (_bytes, endStream) => {
          if (!endStream) return;
          stream.respond(headers);
          stream.write(putResponse);
          stream.end(trailers);
        };
      });
    })
    .listen(port, '127.0.0.1', () => console.log('ready'));
}

function serveNode(port: number): void {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(putResponse);
    });
  });
  server.listen(port, '127.0.0.1', () => console.log('ready'));
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(mode: string, args: Record<string, string>): Promise<string> {
  const port = 24_000 + Math.floor(Math.random() * 1000);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, 'serve', mode, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await started(child, mode);
    return run(mode, port, child.pid as number, args);
  } finally {
    child.kill(); // also when the server never started or etcd-benchmark failed
  }
}

/** Resolves on the server's "ready"; rejects if it exits first or takes over 30 s. */
function started(child: ReturnType<typeof spawn>, mode: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} server: no "ready" in 30 s`)), 30_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${mode} server exited (${code}) before "ready"`));
    });
  });
}

function run(mode: string, port: number, pid: number, args: Record<string, string>): string {
  const total = Number(args.total ?? 100_000);
  const once = (): string =>
    execFileSync(
      'etcd-benchmark',
      [
        `--endpoints=127.0.0.1:${port}`,
        `--conns=${args.conns ?? 10}`,
        `--clients=${args.clients ?? 100}`,
        'put',
        `--total=${total}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  once(); // warm-up
  const before = cpuTicks(pid);
  const out = once();
  const ticks = cpuTicks(pid) - before;
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? '?';
  const p99 = /99% in ([\d.]+) secs/.exec(out)?.[1] ?? '?';
  const usPerCall = ((ticks * 10_000) / total).toFixed(1);
  // A GOAWAY or a reset shows up here as failed requests: the figure would then be wrong.
  const errors = out.includes('Error distribution') ? ' WITH ERRORS' : '';
  return `${mode}: ${usPerCall} us CPU/call, ${rate} req/s, p99 ${p99} s${errors}`;
}

const [command, mode, port] = process.argv.slice(2);
if (command === 'serve') {
  if (mode === 'ours') serveOurs(Number(port));
  else serveNode(Number(port));
} else {
  const args = Object.fromEntries(
    process.argv
      .slice(2)
      .filter((arg) => arg.startsWith('--'))
      .map((arg) => arg.slice(2).split('=') as [string, string]),
  );
  for (const which of ['ours', 'node']) console.log(await measure(which, args));
}
