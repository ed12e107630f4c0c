/**
 * etcd's --auth-token: `simple` (the default: random opaque tokens, kept by every member with
 * a TTL, --auth-token-ttl) or `jwt,pub-key=<file>,priv-key=<file>,sign-method=<alg>[,ttl=<d>]`
 * (signed tokens any member can verify; etcd's jwt options). Parsed with etcd's rules
 * (decomposeOpts): comma-separated, `key=value` pairs, no duplicates.
 */
import { readFileSync } from 'node:fs';
import { JwtTokens } from './jwt.js';

export type JwtSignMethod =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'HS256'
  | 'HS384'
  | 'HS512';

export const jwtSignMethods: readonly JwtSignMethod[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'HS256',
  'HS384',
  'HS512',
];

export type TokenConfig =
  | { readonly type: 'simple' }
  | {
      readonly type: 'jwt';
      readonly signMethod: JwtSignMethod;
      /** PEM (RS/PS/ES) or the raw secret (HS); absent: this member only verifies. */
      readonly privateKey?: string;
      readonly publicKey?: string;
      /** etcd's default: 5 minutes. */
      readonly ttlMs: number;
    };

/** Throws an Error naming the flag when the option string is invalid. */
export function parseAuthToken(
  text: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): TokenConfig {
  const [type, ...rest] = text.split(',');
  const options = new Map<string, string>();
  for (const part of rest) {
    const pair = part.split('=');
    if (pair.length !== 2 || options.has(pair[0]!)) {
      throw new Error(`--auth-token: invalid auth options "${text}"`);
    }
    options.set(pair[0]!, pair[1]!);
  }
  if (type === 'simple') return { type: 'simple' };
  if (type !== 'jwt') throw new Error(`--auth-token: unknown token type "${type}"`);
  const signMethod = options.get('sign-method') ?? '';
  if (!(jwtSignMethods as readonly string[]).includes(signMethod)) {
    throw new Error(`--auth-token: invalid auth signature method "${signMethod}"`);
  }
  const ttl = options.get('ttl');
  const ttlMs = ttl === undefined ? 5 * 60_000 : parseDurationMs(ttl);
  const privPath = options.get('priv-key');
  const pubPath = options.get('pub-key');
  if (privPath === undefined && pubPath === undefined) {
    throw new Error('--auth-token: jwt needs priv-key and/or pub-key (missing key data)');
  }
  const config: TokenConfig = {
    type: 'jwt',
    signMethod: signMethod as JwtSignMethod,
    ttlMs,
    ...(privPath !== undefined ? { privateKey: readFile(privPath) } : {}),
    ...(pubPath !== undefined ? { publicKey: readFile(pubPath) } : {}),
  };
  try {
    JwtTokens.check(config);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`--auth-token: ${why}`, { cause: error });
  }
  return config;
}

/** Go's time.ParseDuration for the units etcd's docs use: "5m", "30s", "1h30m", "500ms". */
export function parseDurationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed = re.lastIndex;
  }
  if (text === '' || consumed !== text.length || total <= 0) {
    throw new Error(`--auth-token: invalid ttl "${text}"`);
  }
  return total;
}
