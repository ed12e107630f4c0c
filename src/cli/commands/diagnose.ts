/**
 * Turning a failed request into a message a person can act on. When a request fails the way
 * an unavailable cluster makes it fail (no connection, no leader, a deadline), every endpoint
 * is asked for its status, one by one with a short deadline, and the message says what was
 * found: "connection refused to 127.0.0.1:2379 (is a member running? ...)", "no leader: 1 of
 * 3 members reachable". Those are UnavailableErrors (exit code 3).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { connect } from 'node:net';
import {
  Client,
  ClosedError,
  DeadlineError,
  OutcomeUnknownError,
  ServerError,
  type ClientOptions,
} from '../../client/index.js';

/** What a failed call says: a member's own message (etcd's), or the client's. */
export function failureText(error: unknown): string {
  return error instanceof ServerError ? error.details : (error as Error).message;
}
import { CommandError } from '../command-error.js';

export class UnavailableError extends CommandError {
  override name = 'UnavailableError';
}

const probeTimeoutMs = 1000;

const unavailableDetails =
  /no leader|raft proposal dropped|request timed out|leader changed|timed out waiting for read index|too many requests/;

function looksUnavailable(error: Error): boolean {
  if (error instanceof DeadlineError) return true;
  if (error instanceof ServerError) {
    return (
      error.code === grpcStatus.UNAVAILABLE ||
      error.code === grpcStatus.DEADLINE_EXCEEDED ||
      unavailableDetails.test(error.details)
    );
  }
  return false;
}

/** What one endpoint said to a Status call. */
export interface Probe {
  readonly endpoint: string;
  readonly ok: boolean;
  /** The member's leader ID ("0": it knows none). */
  readonly leader?: string;
  readonly error?: string;
  readonly refused?: boolean;
  /** No connection could be made (refused, or nothing answered the dial). */
  readonly unconnected?: boolean;
}

interface WireStatus {
  leader: string;
}

interface WireMemberList {
  members: unknown[];
}

/** Asks each endpoint for its status (in parallel, each bounded by `timeoutMs`). */
export async function probeEndpoints(
  options: ClientOptions,
  timeoutMs = probeTimeoutMs,
): Promise<{ probes: Probe[]; clusterSize: number | undefined }> {
  let clusterSize: number | undefined;
  const probes = await Promise.all(
    options.endpoints.map(async (endpoint): Promise<Probe> => {
      const client = new Client({
        ...options,
        endpoints: [endpoint],
        requestTimeoutMs: timeoutMs,
        attemptTimeoutMs: timeoutMs,
      });
      try {
        const status = await client.connection.unary<WireStatus>(
          'Maintenance',
          'Status',
          {},
          'read',
        );
        const list = await client.connection
          .unary<WireMemberList>('Cluster', 'MemberList', {}, 'read')
          .catch(() => undefined);
        if (list !== undefined) clusterSize = list.members.length;
        return { endpoint, ok: true, leader: status.leader };
      } catch (error) {
        const text = failureText(error);
        // gRPC does not always say why it could not connect: a plain TCP dial tells.
        const dial = await tcpDial(endpoint, timeoutMs);
        return {
          endpoint,
          ok: false,
          error: dial === 'open' ? text : dial,
          refused: dial === 'connection refused',
          unconnected: dial !== 'open',
        };
      } finally {
        client.close();
      }
    }),
  );
  return { probes, clusterSize };
}

/** Whether anything listens at the endpoint: 'open', or why not. */
function tcpDial(endpoint: string, timeoutMs: number): Promise<string> {
  const { hostname, port } = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const done = (result: string): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer to a TCP dial in ${timeoutMs} ms`));
    socket.once('connect', () => done('open'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message),
    );
  });
}

/** A message for `error`, after probing the endpoints when the cluster looks unavailable. */
export async function explainFailure(
  error: Error,
  options: ClientOptions | undefined,
): Promise<Error> {
  if (error instanceof ClosedError) return new CommandError('interrupted');
  if (error instanceof OutcomeUnknownError) return new CommandError(error.message);
  if (!looksUnavailable(error) || options === undefined) {
    return new CommandError(failureText(error));
  }
  const cause = failureText(error);
  const { probes, clusterSize } = await probeEndpoints(options);
  const reachable = probes.filter((p) => p.ok);
  if (reachable.length === 0) {
    const hint = '(is a member running? start one with `npx concord serve`)';
    const all = probes.map((p) => p.endpoint).join(', ');
    if (probes.every((p) => p.refused === true)) {
      return new UnavailableError(`connection refused to ${all} ${hint}`);
    }
    if (probes.every((p) => p.unconnected === true)) {
      return new UnavailableError(`cannot connect to ${all} ${hint}`);
    }
    return new UnavailableError(
      `no member reachable: 0 of ${probes.length} endpoints answered (${probes
        .map((p) => `${p.endpoint}: ${p.error ?? 'no answer'}`)
        .join('; ')})`,
    );
  }
  const size = Math.max(clusterSize ?? probes.length, reachable.length);
  const leaders = reachable.filter((p) => p.leader !== undefined && p.leader !== '0');
  if (leaders.length === 0) {
    return new UnavailableError(
      `no leader: ${reachable.length} of ${size} members reachable (${cause})`,
    );
  }
  if (reachable.length * 2 <= size) {
    return new UnavailableError(
      `no quorum: ${reachable.length} of ${size} members reachable (${cause})`,
    );
  }
  return new UnavailableError(
    `${cause} (${reachable.length} of ${size} members reachable, and they report a leader: retry)`,
  );
}
