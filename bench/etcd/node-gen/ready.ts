import { connect } from './connection.js';

/**
 * Resolves once the server at `endpoint` has acknowledged a put (a fresh single member may
 * accept connections a moment before it has elected itself leader); rejects after
 * `timeoutMs` with the last error. Each attempt waits for its own answer: no fixed sleeps.
 */
export async function waitWritable(endpoint: string, timeoutMs = 20_000): Promise<void> {
  const connection = connect(endpoint);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  try {
    while (Date.now() < deadline) {
      try {
        await connection.unary(
          'KV',
          'Put',
          { key: Buffer.from('bench/ready'), value: Buffer.from('1') },
          Math.max(1, deadline - Date.now()),
        );
        return;
      } catch (error) {
        last = error;
        // A refused connection fails at once; give the server a moment before the next try.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    connection.close();
  }
  throw new Error(`${endpoint}: no put acknowledged within ${timeoutMs} ms: ${String(last)}`);
}
