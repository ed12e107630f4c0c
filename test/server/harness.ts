/**
 * Starts a real Concord gRPC server over a FakeMember on a free loopback port, and gives tests
 * raw gRPC clients built from our own .proto (for what etcd3 and etcdctl cannot send: a
 * fragment request, a malformed message, a client that vanishes).
 */
import type * as grpc from '@grpc/grpc-js';
import type { ConcordServer, CreateServerOptions } from '../../src/server/server.js';
import { createServer } from '../../src/server/server.js';
import { FakeMember, fakeMemberId } from './fake/fake-member.js';

export interface Harness {
  readonly member: FakeMember;
  readonly server: ConcordServer;
  /** host:port, as etcdctl and grpc-js want it. */
  readonly endpoint: string;
  /** Bugs the server reported (errors that were not ConcordErrors). */
  readonly bugs: unknown[];
  close(): Promise<void>;
}

export async function startServer(options: Partial<CreateServerOptions> = {}): Promise<Harness> {
  const member = new FakeMember();
  const bugs: unknown[] = [];
  const server = await createServer({
    api: member,
    listen: [new URL('http://127.0.0.1:0')],
    onBug: (error) => bugs.push(error),
    shutdownGraceMs: 1000,
    ...options,
  });
  const url = server.urls[0];
  if (url === undefined) throw new Error('server listens nowhere');
  // The member publishes where it serves, so `etcdctl endpoint status --cluster` finds it.
  member.cluster.publish(fakeMemberId, 'fake', [url.origin]);
  return {
    member,
    server,
    endpoint: url.host,
    bugs,
    close: async () => {
      await server.close();
      member.close();
    },
  };
}

// Raw clients are shared with the interop and integration tests.
export { rawClient, unaryCall } from '../helpers/grpc.js';

/** The gRPC status a rejected call ended with. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    return { code, details };
  }
  throw new Error('expected the call to fail, it succeeded');
}

/**
 * Resolves when `register`'s callback fires; rejects after `timeoutMs` naming what it waited
 * for (no sleeps: tests wait on the event itself).
 */
export function waitFor<T>(
  what: string,
  register: (done: (value: T) => void) => void,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Polls a condition on each turn of the event loop, bounded; for state with no event. */
export async function eventually(
  what: string,
  condition: () => boolean,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export const text = (value: string): Buffer => Buffer.from(value);
