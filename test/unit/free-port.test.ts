/**
 * The test suite's port allocator: a port is handed out at most once per process, even while
 * none of them is bound yet (a cluster draws all its ports before any member starts), and
 * never from the kernel's ephemeral range, where outgoing connections and port-0 listeners
 * of other processes take theirs. Nor does another process drawing at the same time get one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, freePortRange } from '../helpers/free-port.js';

function ephemeralLow(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
  } catch {
    return undefined;
  }
}

describe('freePort', () => {
  it('never hands out a port twice, drawing concurrently, all unbound', async () => {
    const single = await Promise.all(Array.from({ length: 300 }, () => freePort()));
    const ranges = await Promise.all(Array.from({ length: 20 }, () => freePortRange(6)));
    const all = [...single, ...ranges.flatMap((base) => [0, 1, 2, 3, 4, 5].map((i) => base + i))];
    assert.equal(new Set(all).size, all.length, 'a port was handed out twice');
  });

  it('draws from below the kernel ephemeral range', async (t) => {
    const low = ephemeralLow();
    if (low === undefined) return t.skip('no /proc/sys/net/ipv4/ip_local_port_range');
    for (let i = 0; i < 50; i++) {
      const port = await freePort();
      assert.ok(port >= 1024 && port < low, `port ${port} outside [1024, ${low})`);
    }
    const base = await freePortRange(6);
    assert.ok(base + 5 < low, `range ${base}-${base + 5} reaches the ephemeral range at ${low}`);
  });

  it('never hands a port to two live processes', async () => {
    // Each child draws its ports, prints them, and holds them (stays alive) until told to go:
    // a process that exited has released its ports, and another may take them then.
    const helper = fileURLToPath(new URL('../helpers/free-port.ts', import.meta.url));
    const script = `import { freePort } from ${JSON.stringify(helper)};
      const ports = [];
      for (let i = 0; i < 400; i++) ports.push(await freePort());
      console.log(JSON.stringify(ports));
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));`;
    const children = [0, 1].map(() =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const drawn = await Promise.all(
        children.map(async (child) => {
          const line = once(createInterface({ input: child.stdout! }), 'line');
          const exit = once(child, 'exit').then(([code]) => {
            throw new Error(`a drawing child exited (${code}) before printing its ports`);
          });
          const [printed] = (await Promise.race([line, exit])) as [string];
          return JSON.parse(printed) as number[];
        }),
      );
      const ports = drawn.flat();
      assert.equal(ports.length, 800);
      assert.equal(new Set(ports).size, ports.length, 'two processes were handed the same port');
    } finally {
      for (const child of children) {
        child.stdin!.end();
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
  });
});
