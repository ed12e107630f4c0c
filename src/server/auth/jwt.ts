/**
 * JWT tokens, as etcd's tokenJWT (server/auth/jwt.go): claims `username`, `revision` (the
 * auth revision at Authenticate) and `exp` (seconds since the epoch); signed with the
 * configured key. Any member with the key verifies a token another member issued, so JWT
 * tokens need no per-member table; a token whose revision is older than the auth store's is
 * refused with "revision of auth store is old" when used (apply checks it).
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { AuthInfo } from '../../mvcc/auth/types.js';
import type { JwtSignMethod, TokenConfig } from './token-options.js';

type JwtConfig = Extract<TokenConfig, { type: 'jwt' }>;

export class JwtTokens {
  private readonly privateKey: KeyObject | undefined;
  private readonly publicKey: KeyObject | undefined;
  private readonly secret: Buffer | undefined;

  constructor(
    private readonly config: JwtConfig,
    private readonly now: () => number = Date.now,
  ) {
    if (config.signMethod.startsWith('HS')) {
      const material = config.privateKey ?? config.publicKey ?? '';
      this.secret = Buffer.from(material);
    } else {
      this.privateKey =
        config.privateKey !== undefined ? createPrivateKey(config.privateKey) : undefined;
      this.publicKey =
        config.publicKey !== undefined
          ? createPublicKey(config.publicKey)
          : this.privateKey !== undefined
            ? createPublicKey(this.privateKey)
            : undefined;
    }
  }

  /**
   * Throws an Error (etcd's words) when the keys cannot be read or do not belong together,
   * so a misconfigured member refuses to start instead of failing every login.
   */
  static check(config: JwtConfig): void {
    let tokens: JwtTokens;
    try {
      tokens = new JwtTokens(config);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`auth: missing key data (${why})`, { cause: error });
    }
    if (config.privateKey === undefined || config.publicKey === undefined) return;
    const probe = tokens.assign('probe', 1);
    if (tokens.info(probe) === undefined)
      throw new Error("auth: public and private keys don't match");
  }

  /** Signs a token for `username` at auth revision `revision`. */
  assign(username: string, revision: number): string {
    const header = encodeJson({ alg: this.config.signMethod, typ: 'JWT' });
    const exp = Math.floor((this.now() + this.config.ttlMs) / 1000);
    const payload = encodeJson({ exp, revision, username });
    const input = `${header}.${payload}`;
    return `${input}.${this.signature(input).toString('base64url')}`;
  }

  /** The token's user and revision, or undefined if it is malformed, forged or expired. */
  info(token: string): AuthInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const head = decodeJson(header);
    if (head?.alg !== this.config.signMethod) return undefined;
    if (!this.verifySignature(`${header}.${payload}`, Buffer.from(signature, 'base64url'))) {
      return undefined;
    }
    const claims = decodeJson(payload);
    const { username, revision, exp } = claims ?? {};
    if (typeof username !== 'string' || typeof revision !== 'number' || typeof exp !== 'number') {
      return undefined;
    }
    if (exp * 1000 <= this.now()) return undefined;
    return { username, revision };
  }

  private signature(input: string): Buffer {
    const method = this.config.signMethod;
    if (this.secret !== undefined)
      return createHmac(hashOf(method), this.secret).update(input).digest();
    if (this.privateKey === undefined)
      throw new Error('auth: token signing attempted with verify-only key');
    return sign(hashOf(method), Buffer.from(input), keyOptions(method, this.privateKey));
  }

  private verifySignature(input: string, signature: Buffer): boolean {
    const method = this.config.signMethod;
    if (this.secret !== undefined) {
      const expected = createHmac(hashOf(method), this.secret).update(input).digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    if (this.publicKey === undefined) return false;
    try {
      return verify(
        hashOf(method),
        Buffer.from(input),
        keyOptions(method, this.publicKey),
        signature,
      );
    } catch {
      return false;
    }
  }
}

function hashOf(method: JwtSignMethod): string {
  return `sha${method.slice(2)}`;
}

/** RSA-PSS and ECDSA need their JOSE parameters (ECDSA signatures are r || s in JWS). */
function keyOptions(method: JwtSignMethod, key: KeyObject) {
  if (method.startsWith('PS')) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: Number(method.slice(2)) / 8,
    };
  }
  if (method.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const };
  return { key };
}

function encodeJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
