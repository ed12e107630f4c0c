import { createServer } from 'node:net';

/**
 * A loopback TCP port that was free a moment ago (the kernel picks it; we close at once).
 * Another process could take it before our server binds; the server then fails to start
 * with a clear error rather than measuring the wrong thing.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('free-port: no TCP address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
