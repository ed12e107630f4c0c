import type { AuthStoreView } from '../mvcc/auth/auth-store.js';
import type { AuthRequest, AuthResponse } from '../mvcc/auth/types.js';
import type { ApplyResult } from '../mvcc/state-machine.js';
import type { StateMachineRequest } from '../mvcc/types.js';
import type { AuthAppliedListener, RequestOptions, WithHeader } from './api.js';
import type { Member } from './member.js';
import { expect } from './responses.js';

/**
 * The Auth service's operations on one member. Changes (and Authenticate, so every member
 * learns a simple token: etcd's InternalAuthenticateRequest) go through Raft; reads are
 * served from the applied auth store, after a ReadIndex round when asked to be linearizable.
 * Listeners hear every applied auth request on every member: the server keeps its
 * member-local simple-token table with them.
 */
export class MemberAuth {
  private readonly listeners = new Set<AuthAppliedListener>();

  constructor(private readonly member: Member) {}

  async propose(request: AuthRequest, options?: RequestOptions): Promise<WithHeader<AuthResponse>> {
    const { header, response } = await this.member.propose({ type: 'auth', request }, options);
    return { header, response: expect(response, 'auth') };
  }

  async store(linearizable: boolean, options?: RequestOptions): Promise<WithHeader<AuthStoreView>> {
    if (linearizable) await this.member.linearizable(options);
    return { header: this.member.header(), response: this.member.stateMachine.auth };
  }

  onApplied(listener: AuthAppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for every applied request; only applied auth requests are passed on. */
  applied(request: StateMachineRequest, result: ApplyResult): void {
    if (request.type !== 'auth' || result.status !== 'applied') return;
    const response = expect(result.response, 'auth');
    for (const listener of this.listeners) listener(request.request, response);
  }
}
