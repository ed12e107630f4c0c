/**
 * etcd's simple tokens (server/auth/simple_token.go): opaque random strings, each naming a
 * user, forgotten after --auth-token-ttl without use (every use restarts the TTL). The member
 * that takes Authenticate picks the token and proposes it; every member records it when the
 * Authenticate entry applies (MemberAuth's listeners), so the token works on any member, as
 * in etcd. Member-local and in memory: tokens do not survive a restart, and a member that
 * catches up by snapshot does not learn tokens issued before it (the client gets "invalid
 * auth token" and authenticates again, as with etcd).
 *
 * A user's tokens are dropped when the user is deleted or changes password; all of them when
 * auth is disabled (etcd's invalidateUser and disable).
 */
import { randomBytes } from 'node:crypto';
import type { AuthRequest, AuthResponse } from '../../mvcc/auth/types.js';

/** Tokens held at once, at most; past it the least recently used go first. */
export const simpleTokensMax = 100_000;

export class SimpleTokens {
  // Insertion order is use order (an entry is re-inserted on use): the first is the oldest.
  private readonly tokens = new Map<string, { username: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh token (etcd: 16 random letters, a dot, and a counter; opaque to clients). */
  static generate(): string {
    return randomBytes(18).toString('base64url');
  }

  /** The user a live token names, restarting its TTL; undefined if unknown or expired. */
  username(token: string): string | undefined {
    const entry = this.tokens.get(token);
    if (entry === undefined) return undefined;
    this.tokens.delete(token);
    const now = this.now();
    if (entry.expiresAt <= now) return undefined;
    this.tokens.set(token, { username: entry.username, expiresAt: now + this.ttlMs });
    return entry.username;
  }

  /** Follows the applied auth requests (every member sees every one). */
  applied(request: AuthRequest, response: AuthResponse): void {
    switch (request.kind) {
      case 'authenticate': {
        const token = response.authenticated?.simpleToken ?? '';
        if (token !== '') this.add(token, request.name);
        return;
      }
      case 'userDelete':
      case 'userChangePassword':
        return this.invalidateUser(request.name);
      case 'authDisable':
        return this.tokens.clear();
      default:
        return;
    }
  }

  private add(token: string, username: string): void {
    this.tokens.set(token, { username, expiresAt: this.now() + this.ttlMs });
    this.sweep();
  }

  private invalidateUser(username: string): void {
    for (const [token, entry] of this.tokens) {
      if (entry.username === username) this.tokens.delete(token);
    }
  }

  /** Drops expired tokens from the oldest end, and the oldest past the bound. */
  private sweep(): void {
    const now = this.now();
    for (const [token, entry] of this.tokens) {
      if (entry.expiresAt > now && this.tokens.size <= simpleTokensMax) break;
      this.tokens.delete(token);
    }
  }
}
