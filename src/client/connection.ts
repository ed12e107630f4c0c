/**
 * The client's link to the cluster: one gRPC channel per endpoint (every service shares
 * it), the endpoint in use, failover to the next, the auth token, and unary calls with a
 * deadline, cancellation and the retry rule of retry.ts.
 *
 * Failover: calls go to the current endpoint; a failure that says "this member cannot serve
 * now" (unavailable, no leader) moves the client to the next endpoint, round robin, so a
 * retry goes elsewhere. Streams (watch, keep-alive) reconnect the same way.
 */
import * as grpc from '@grpc/grpc-js';
import {
  abortError,
  ClosedError,
  DeadlineError,
  OutcomeUnknownError,
  ServerError,
} from './errors.js';
import type { ResolvedOptions } from './options.js';
import { serviceConstructor, type ServiceName, type WireAuthenticateResponse } from './proto.js';
import { clientIdHeader, IdentityLanes, sequenceHeader, type Lane } from './request-identity.js';
import {
  backoffMs,
  delay,
  isInvalidToken,
  isServiceError,
  isSessionExpired,
  notSent,
  retryable,
  shouldFailover,
  type CallKind,
} from './retry.js';

/** Every call takes these. */
export interface CallOptions {
  /** Aborting it cancels the call (and its retries); the call rejects with the reason. */
  readonly signal?: AbortSignal;
  /** The deadline for the call, retries included (default: the client's requestTimeoutMs). */
  readonly timeoutMs?: number;
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

export class Connection {
  private index = 0;
  private readonly channels = new Map<number, grpc.Channel>();
  private readonly clients = new Map<string, grpc.Client>();
  private token: Promise<string> | undefined;
  private readonly lanes: IdentityLanes;
  private closedFlag = false;
  /** Whether the cluster honours request identities, once a probe has said ('auto'). */
  private identitySupport: Promise<boolean> | undefined;
  /** Authenticate calls made so far (a token renewed after "invalid auth token" adds one). */
  authentications = 0;
  /** Aborted on close(): streams and waits that outlive a call listen to it. */
  private readonly closing = new AbortController();

  constructor(readonly options: ResolvedOptions) {
    this.lanes = new IdentityLanes(options.writesInflightMax);
  }

  get closed(): boolean {
    return this.closedFlag;
  }
  get closeSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** The endpoint calls go to now. */
  get current(): number {
    return this.index;
  }

  endpointName(index: number): string {
    return this.options.endpoints[index % this.options.endpoints.length]!.address;
  }

  /** `index` failed: move on, unless someone already did. */
  failover(index: number): void {
    if (this.index === index) this.index = (index + 1) % this.options.endpoints.length;
  }

  /** The gRPC client for `service` on endpoint `index` (one shared channel per endpoint). */
  client(index: number, service: ServiceName): grpc.Client {
    if (this.closedFlag) throw new ClosedError();
    const key = `${index}/${service}`;
    let client = this.clients.get(key);
    if (client === undefined) {
      const Constructor = serviceConstructor(service);
      client = new Constructor(this.endpointName(index), this.credentials(index), {
        channelOverride: this.channel(index),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Metadata for a call: the auth token, when the client authenticates. */
  async metadata(signal?: AbortSignal): Promise<grpc.Metadata> {
    const metadata = new grpc.Metadata();
    if (this.options.auth !== undefined) metadata.set('token', await this.authToken(signal));
    return metadata;
  }

  /** The token was refused (expired, or the server restarted): authenticate again. */
  invalidateToken(): void {
    this.token = undefined;
  }

  /**
   * One unary call, with retries under the rule for `kind`, failover, the deadline and the
   * signal. A write with request identities on keeps one identity for all its attempts.
   */
  async unary<Response>(
    service: ServiceName,
    method: string,
    request: object,
    kind: CallKind,
    options: CallOptions = {},
  ): Promise<Response> {
    const deadline = Date.now() + (options.timeoutMs ?? this.options.requestTimeoutMs);
    this.checkUsable(options.signal);
    // A write waiting for a lane gives up when its caller does or the client closes.
    const waitSignal =
      options.signal === undefined
        ? this.closeSignal
        : AbortSignal.any([options.signal, this.closeSignal]);
    const lane =
      kind === 'write' && (await this.identitiesHonoured(options.signal))
        ? await this.lanes.acquire(waitSignal)
        : undefined;
    try {
      return await this.attempts<Response>(
        service,
        method,
        request,
        kind,
        lane,
        deadline,
        options.signal,
      );
    } finally {
      if (lane !== undefined) this.lanes.release(lane);
    }
  }

  private async attempts<Response>(
    service: ServiceName,
    method: string,
    request: object,
    kind: CallKind,
    lane: Lane | undefined,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    let sequence = lane?.next();
    // True once a copy of this write may have reached a server.
    let maybeSent = false;
    for (let attempt = 1; ; attempt++) {
      this.checkUsable(signal);
      const index = this.index;
      const metadata = await this.metadata(signal);
      // One attempt may not use the whole deadline: a member that hangs (stopped, or cut off
      // without a reset) must not keep the call from the others.
      const attemptDeadline = Math.min(deadline, Date.now() + this.options.attemptTimeoutMs);
      if (lane !== undefined) {
        metadata.set(clientIdHeader, lane.clientId);
        metadata.set(sequenceHeader, String(sequence));
      }
      try {
        return (await this.invoke(
          index,
          service,
          method,
          request,
          metadata,
          attemptDeadline,
          signal,
        )) as Response;
      } catch (error) {
        this.checkUsable(signal);
        if (!isServiceError(error)) throw error;
        const endpoint = this.endpointName(index);
        if (error.code === grpc.status.DEADLINE_EXCEEDED) {
          if (Date.now() >= deadline) {
            throw new DeadlineError(`concord client: ${method} deadline exceeded (${endpoint})`);
          }
          // The attempt timed out: try another member, if a second copy is safe.
          this.failover(index);
          maybeSent = true;
          if (kind !== 'read' && lane === undefined) {
            throw new DeadlineError(
              `concord client: ${method} got no answer from ${endpoint} in ${this.options.attemptTimeoutMs} ms; its outcome is unknown`,
            );
          }
          continue;
        }
        if (isInvalidToken(error) && this.options.auth !== undefined && attempt <= 3) {
          this.invalidateToken();
          continue;
        }
        if (lane !== undefined && isSessionExpired(error)) {
          if (maybeSent) {
            throw new OutcomeUnknownError(
              `concord client: ${method} was retried and its first copy's outcome is no longer known (${error.details})`,
            );
          }
          lane.renew();
          sequence = lane.next();
          continue;
        }
        if (!notSent(error)) maybeSent = true;
        if (shouldFailover(error)) this.failover(index);
        if (!retryable(error, kind, lane !== undefined)) throw ServerError.from(error, endpoint);
        const wait = backoffMs(attempt, this.options.retryDelayMs, this.options.retryDelayMaxMs);
        if (Date.now() + wait >= deadline) {
          throw new DeadlineError(
            `concord client: ${method} deadline exceeded after ${attempt} attempts; last: ${error.details} (${endpoint})`,
          );
        }
        await delay(wait, signal).catch(() => this.checkUsable(signal));
      }
    }
  }

  /**
   * Whether the cluster dedupes writes by request identity (see ClientOptions). The probe
   * is an empty Txn (no compares, no ops: nothing changes on any server) with a malformed
   * identity: Concord refuses it with INVALID_ARGUMENT ("concord: ..."), etcd runs it. An
   * inconclusive probe (unreachable) is not remembered, and counts as "no".
   */
  async identitiesHonoured(signal?: AbortSignal): Promise<boolean> {
    const setting = this.options.requestIdentity;
    if (setting !== 'auto') return setting;
    if (this.identitySupport === undefined) {
      const probe = (async (): Promise<boolean> => {
        const deadline = Date.now() + this.options.attemptTimeoutMs;
        const metadata = await this.metadata(signal);
        metadata.set(clientIdHeader, 'probe');
        metadata.set(sequenceHeader, '0');
        try {
          await this.invoke(this.index, 'KV', 'Txn', {}, metadata, deadline, signal);
          return false;
        } catch (error) {
          if (
            isServiceError(error) &&
            error.code === grpc.status.INVALID_ARGUMENT &&
            error.details.startsWith('concord:')
          ) {
            return true;
          }
          throw error;
        }
      })();
      this.identitySupport = probe;
      probe.catch(() => {
        if (this.identitySupport === probe) this.identitySupport = undefined;
      });
    }
    return this.identitySupport.catch(() => false);
  }

  private invoke(
    index: number,
    service: ServiceName,
    method: string,
    request: object,
    metadata: grpc.Metadata,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const client = this.client(index, service);
    const call = (client as unknown as Record<string, UnaryMethod>)[method];
    if (call === undefined) throw new Error(`concord client: no method ${service}.${method}`);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => unary.cancel();
      const unary = call.call(
        client,
        request,
        metadata,
        { deadline: new Date(deadline) },
        (error, response) => {
          signal?.removeEventListener('abort', onAbort);
          this.closeSignal.removeEventListener('abort', onAbort);
          if (error === null) resolve(response);
          else reject(error);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closeSignal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private checkUsable(signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) throw abortError(signal);
    if (this.closedFlag) throw new ClosedError();
  }

  private authToken(signal?: AbortSignal): Promise<string> {
    const auth = this.options.auth!;
    if (this.token === undefined) {
      const token = (async () => {
        this.authentications += 1;
        const response = await this.unaryNoAuth<WireAuthenticateResponse>(
          'Auth',
          'Authenticate',
          { name: auth.username, password: auth.password },
          signal,
        );
        return response.token;
      })();
      this.token = token;
      // A failed attempt is not cached: the next call tries again.
      token.catch(() => {
        if (this.token === token) this.token = undefined;
      });
    }
    return this.token;
  }

  /** Authenticate itself: a read-like call without a token. */
  private async unaryNoAuth<Response>(
    service: ServiceName,
    method: string,
    request: object,
    signal?: AbortSignal,
  ): Promise<Response> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      this.checkUsable(signal);
      const index = this.index;
      try {
        return (await this.invoke(
          index,
          service,
          method,
          request,
          new grpc.Metadata(),
          deadline,
          signal,
        )) as Response;
      } catch (error) {
        this.checkUsable(signal);
        if (!isServiceError(error)) throw error;
        if (shouldFailover(error)) this.failover(index);
        const wait = backoffMs(attempt, this.options.retryDelayMs, this.options.retryDelayMaxMs);
        if (!retryable(error, 'read', false) || Date.now() + wait >= deadline) {
          throw ServerError.from(error, this.endpointName(index));
        }
        await delay(wait, signal).catch(() => this.checkUsable(signal));
      }
    }
  }

  private channel(index: number): grpc.Channel {
    let channel = this.channels.get(index);
    if (channel === undefined) {
      channel = new grpc.Channel(this.endpointName(index), this.credentials(index), {
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        // Notice a dead member on an idle connection within seconds, not minutes.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2_000,
      });
      this.channels.set(index, channel);
    }
    return channel;
  }

  private credentials(index: number): grpc.ChannelCredentials {
    const endpoint = this.options.endpoints[index]!;
    if (!endpoint.secure) return grpc.credentials.createInsecure();
    const tls = this.options.tls ?? {};
    const pem = (value: Buffer | string | undefined): Buffer | null =>
      value === undefined ? null : Buffer.from(value);
    return grpc.credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
  }

  /** Cancels what is in flight and closes every channel. Idempotent. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.closing.abort(new ClosedError());
    for (const client of this.clients.values()) client.close();
    for (const channel of this.channels.values()) channel.close();
    this.clients.clear();
    this.channels.clear();
  }
}
