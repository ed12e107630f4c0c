/**
 * The server's side of etcd auth: who a call speaks for (etcd's AuthInfoFromCtx: the `token`
 * metadata, else the client certificate's CN), and Authenticate (password check, rate limit,
 * token issue). Permission checks live in the replicated store (src/mvcc/auth); this class
 * only turns a call into the AuthInfo they are checked with.
 */
import { randomBytes } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { ConcordError } from '../../base/errors.js';
import type { AuthStoreView } from '../../mvcc/auth/auth-store.js';
import { authError } from '../../mvcc/auth/auth-errors.js';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import type { ConcordApi, RequestOptions, ResponseHeader } from '../../node/api.js';
import { JwtTokens } from './jwt.js';
import { LoginLimiter } from './login-limiter.js';
import {
  bcryptCostDefault,
  bcryptCostMax,
  bcryptCostMin,
  hashPassword,
  verifyPassword,
} from './password.js';
import { SimpleTokens } from './simple-tokens.js';
import type { TokenConfig } from './token-options.js';

export interface AuthServerOptions {
  /** --auth-token (default simple). */
  readonly token?: TokenConfig;
  /** --auth-token-ttl in seconds, for simple tokens (etcd default 300). */
  readonly tokenTtlSeconds?: number;
  /** --bcrypt-cost: the password hash's cost (password.ts maps it to scrypt's). Default 10. */
  readonly bcryptCost?: number;
  /** Where auth events are logged (failed logins, with the user name, never the password). */
  readonly log?: (line: string, fields?: object) => void;
}

/** etcd's AuthInfo{}: no user. Refused with "user name is empty" while auth is enabled. */
export const noUser: AuthInfo = { username: '', revision: 0 };

/** Authenticate retries when the auth store changed between password check and apply. */
const authenticateAttemptsMax = 3;

export class AuthGate {
  private readonly simple: SimpleTokens | undefined;
  private readonly jwt: JwtTokens | undefined;
  private readonly limiter = new LoginLimiter();
  private readonly log: (line: string, fields?: object) => void;
  private decoyHash: Promise<string> | undefined;
  private unsubscribe: () => void = () => undefined;
  readonly bcryptCost: number;

  constructor(
    private readonly api: ConcordApi,
    options: AuthServerOptions = {},
  ) {
    const token = options.token ?? { type: 'simple' };
    this.log = options.log ?? (() => undefined);
    const cost = options.bcryptCost ?? bcryptCostDefault;
    // etcd: an invalid cost falls back to the default, with a warning.
    this.bcryptCost = cost >= bcryptCostMin && cost <= bcryptCostMax ? cost : bcryptCostDefault;
    if (token.type === 'jwt') {
      this.jwt = new JwtTokens(token);
    } else {
      const simple = new SimpleTokens((options.tokenTtlSeconds ?? 300) * 1000);
      this.unsubscribe = api.onAuthApplied((request, response) =>
        simple.applied(request, response),
      );
      this.simple = simple;
    }
  }

  /**
   * Who the call speaks for, or undefined for nobody (or auth disabled). Throws
   * 'InvalidAuthToken' for a token this member does not know (expired, forged, or issued
   * before it last restarted).
   */
  identify(metadata: Metadata, commonName: string | undefined): AuthInfo | undefined {
    const view = this.api.authView();
    if (!view.enabled) return undefined;
    // etcd reads `token`, then `authorization` (what its JSON gateway forwards).
    const token = metadata.get('token')[0] ?? metadata.get('authorization')[0];
    if (token !== undefined) {
      const info = this.tokenInfo(String(token), view);
      if (info === undefined) throw authError('InvalidAuthToken');
      return info;
    }
    if (commonName !== undefined) return { username: commonName, revision: view.revision };
    return undefined;
  }

  /** Checks a password and issues a token (etcd's EtcdServer.Authenticate). */
  async authenticate(
    name: string,
    password: string,
    options: RequestOptions,
  ): Promise<{ header: ResponseHeader; token: string }> {
    const waitMs = this.limiter.retryAfterMs(name);
    if (waitMs > 0) {
      this.log('authentication refused: too many failed attempts', {
        user: name,
        retryAfterMs: waitMs,
      });
      throw new ConcordError('TooManyRequests', 'etcdserver: too many requests');
    }
    for (let attempt = 1; ; attempt++) {
      const { response: view } = await this.api.authStore(true, options);
      if (!view.enabled) throw authError('AuthNotEnabled');
      const checkedRevision = view.revision;
      const user = view.user(name);
      const known = user !== undefined && !user.noPassword;
      // An unknown name costs a hash too, so timing does not tell which names exist.
      const hash = known ? user.passwordHash : await this.decoy();
      if (!this.limiter.beginCheck()) {
        this.log('authentication refused: too many password checks at once', { user: name });
        throw new ConcordError('TooManyRequests', 'etcdserver: too many requests');
      }
      let ok: boolean;
      try {
        ok = await verifyPassword(password, hash);
      } finally {
        this.limiter.endCheck();
      }
      if (!ok) {
        const failures = this.limiter.failed(name);
        this.log('invalid authentication was requested', { user: name, failures });
        throw authError('AuthFailed');
      }
      const simpleToken = this.simple !== undefined ? SimpleTokens.generate() : '';
      const { header, response } = await this.api.auth(
        { kind: 'authenticate', name, simpleToken },
        options,
      );
      const authenticated = response.authenticated;
      if (authenticated === undefined) throw authError('AuthFailed');
      // etcd retries when the auth store moved between the password check and the apply
      // (the password may have changed): the check must hold at the token's revision.
      if (authenticated.revision !== checkedRevision && attempt < authenticateAttemptsMax) continue;
      this.limiter.succeeded(name);
      const token =
        this.jwt !== undefined ? this.jwt.assign(name, authenticated.revision) : simpleToken;
      return { header, token };
    }
  }

  /** Stops following the member's applied auth requests (the server is closing). */
  close(): void {
    this.unsubscribe();
  }

  /** A hash no password matches (of random bytes), made once, at this member's cost. */
  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword(randomBytes(16).toString('hex'), this.bcryptCost);
    return this.decoyHash;
  }

  /** The self-describing hash of a new password (never logged, never proposed in clear). */
  hash(password: string): Promise<string> {
    return hashPassword(password, this.bcryptCost);
  }

  private tokenInfo(token: string, view: AuthStoreView): AuthInfo | undefined {
    if (this.jwt !== undefined) return this.jwt.info(token);
    const username = this.simple?.username(token);
    // A simple token carries no revision: it is checked at the store's current one (etcd).
    return username === undefined ? undefined : { username, revision: view.revision };
  }
}
