/**
 * A loopback TCP port free at the moment of asking, for a listener that must be named before
 * the process that binds it starts (peer URLs, --listen-metrics-urls, a dead endpoint).
 * Another process may take it in between; the tests that use it bind it at once.
 */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}
