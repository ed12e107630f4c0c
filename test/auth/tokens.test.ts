import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwtTokens } from '../../src/server/auth/jwt.js';
import { LoginLimiter, passwordChecksInflightMax } from '../../src/server/auth/login-limiter.js';
import { hashPassword, scryptLog2N, verifyPassword } from '../../src/server/auth/password.js';
import { SimpleTokens } from '../../src/server/auth/simple-tokens.js';
import { parseAuthToken, parseDurationMs } from '../../src/server/auth/token-options.js';

const pem = (key: { export(o: object): string | Buffer }, type: string): string =>
  String(key.export({ type, format: 'pem' }));

describe('JWT tokens (etcd claims: username, revision, exp)', () => {
  const pairs = {
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  } as const;

  for (const [method, pair] of Object.entries(pairs)) {
    it(`${method}: signs, verifies with the public key alone, refuses tampering`, () => {
      const signer = new JwtTokens({
        type: 'jwt',
        signMethod: method as 'RS256',
        ttlMs: 60_000,
        privateKey: pem(pair.privateKey, 'pkcs8'),
      });
      const verifier = new JwtTokens({
        type: 'jwt',
        signMethod: method as 'RS256',
        ttlMs: 60_000,
        publicKey: pem(pair.publicKey, 'spki'),
      });
      const token = signer.assign('alice', 7);
      assert.deepEqual(verifier.info(token), { username: 'alice', revision: 7 });
      const [h, p, s] = token.split('.') as [string, string, string];
      const claims = Buffer.from(JSON.stringify({ exp: 9e9, revision: 7, username: 'root' }));
      assert.equal(verifier.info(`${h}.${claims.toString('base64url')}.${s}`), undefined);
      assert.equal(verifier.info(`${h}.${p}`), undefined);
      assert.throws(() => verifier.assign('x', 1), /verify-only key/);
    });
  }

  it('HS256 with a shared secret; an expired token or another algorithm is refused', () => {
    let now = 1_000_000;
    const config = { type: 'jwt', signMethod: 'HS256', ttlMs: 1000, privateKey: 's3cret' } as const;
    const tokens = new JwtTokens(config, () => now);
    const token = tokens.assign('bob', 3);
    assert.deepEqual(tokens.info(token), { username: 'bob', revision: 3 });
    now += 1000;
    assert.equal(tokens.info(token), undefined, 'expired');
    const other = new JwtTokens({ ...config, signMethod: 'HS512' }, () => 0);
    assert.equal(other.info(new JwtTokens(config, () => 0).assign('bob', 3)), undefined);
  });
});

describe('--auth-token', () => {
  it("parses etcd's option strings", () => {
    assert.deepEqual(parseAuthToken('simple'), { type: 'simple' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const files: Record<string, string> = {
      '/k/priv': pem(ec.privateKey, 'pkcs8'),
      '/k/pub': pem(ec.publicKey, 'spki'),
    };
    const jwt = parseAuthToken(
      'jwt,pub-key=/k/pub,priv-key=/k/priv,sign-method=ES256,ttl=1h30m',
      (path) => files[path] ?? '',
    );
    assert.deepEqual(jwt, {
      type: 'jwt',
      signMethod: 'ES256',
      ttlMs: 5_400_000,
      privateKey: files['/k/priv'],
      publicKey: files['/k/pub'],
    });
    assert.throws(() => parseAuthToken('jwt,sign-method=XX256,priv-key=/k'), /signature method/);
    assert.throws(() => parseAuthToken('jwt,sign-method=RS256,sign-method=RS256'), /invalid/);
    assert.throws(() => parseAuthToken('opaque'), /unknown token type/);
    assert.throws(() => parseAuthToken('jwt,sign-method=RS256'), /missing key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFiles: Record<string, string> = {
      '/priv': pem(rsa.privateKey, 'pkcs8'),
      '/pub': pem(rsa.publicKey, 'spki'),
      '/other': pem(other.publicKey, 'spki'),
      '/junk': 'not a key',
    };
    const read = (path: string): string => keyFiles[path] ?? '';
    const good = parseAuthToken('jwt,priv-key=/priv,pub-key=/pub,sign-method=RS256', read);
    assert.equal(good.type, 'jwt');
    assert.throws(
      () => parseAuthToken('jwt,priv-key=/priv,pub-key=/other,sign-method=RS256', read),
      /public and private keys don't match/,
    );
    assert.throws(
      () => parseAuthToken('jwt,priv-key=/junk,sign-method=RS256', read),
      /missing key data/,
    );
    assert.equal(parseDurationMs('500ms'), 500);
    assert.throws(() => parseDurationMs('5 minutes'), /invalid ttl/);
  });
});

describe('passwords and tokens on the member', () => {
  it('hashes with scrypt and a random salt, self-describing; verifies', async () => {
    const a = await hashPassword('pw', 4);
    const b = await hashPassword('pw', 4);
    assert.notEqual(a, b, 'salted');
    assert.match(a, /^scrypt\$8\$8\$1\$/);
    assert.ok(!a.includes('pw$'));
    assert.equal(await verifyPassword('pw', a), true);
    assert.equal(await verifyPassword('pW', a), false);
    assert.equal(await verifyPassword('pw', 'bcrypt$whatever'), false);
    assert.equal(scryptLog2N(10), 14);
    assert.equal(scryptLog2N(31), 17, 'capped');
  });

  it('simple tokens live --auth-token-ttl after their last use, and die with their user', () => {
    let now = 0;
    const tokens = new SimpleTokens(1000, () => now);
    tokens.applied(
      { kind: 'authenticate', name: 'alice', simpleToken: 't1' },
      { authenticated: { username: 'alice', revision: 2, simpleToken: 't1' } },
    );
    now = 900;
    assert.equal(tokens.username('t1'), 'alice', 'used: the TTL restarts');
    now = 1800;
    assert.equal(tokens.username('t1'), 'alice');
    now = 2800;
    assert.equal(tokens.username('t1'), undefined, 'unused for the TTL');
    tokens.applied(
      { kind: 'authenticate', name: 'bob', simpleToken: 't2' },
      { authenticated: { username: 'bob', revision: 2, simpleToken: 't2' } },
    );
    tokens.applied({ kind: 'userChangePassword', name: 'bob', passwordHash: 'h' }, {});
    assert.equal(tokens.username('t2'), undefined, 'a new password drops the user’s tokens');
  });

  it('limits failed logins per user with a growing delay; a success clears it', () => {
    let now = 0;
    const limiter = new LoginLimiter(() => now);
    assert.equal(limiter.retryAfterMs('bob'), 0);
    limiter.failed('bob');
    assert.equal(limiter.retryAfterMs('bob'), 100);
    assert.equal(limiter.retryAfterMs('alice'), 0, 'per user');
    now = 100;
    limiter.failed('bob');
    assert.equal(limiter.retryAfterMs('bob'), 200);
    limiter.succeeded('bob');
    assert.equal(limiter.retryAfterMs('bob'), 0);
  });

  it('bounds password checks in flight across all names', () => {
    const limiter = new LoginLimiter();
    for (let i = 0; i < passwordChecksInflightMax; i++) assert.equal(limiter.beginCheck(), true);
    assert.equal(limiter.beginCheck(), false, 'one too many');
    limiter.endCheck();
    assert.equal(limiter.beginCheck(), true, 'a finished check frees its place');
  });
});
