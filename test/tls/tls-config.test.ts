/**
 * The TLS flags of `concord serve`: etcd's names, bare bool flags as Go takes them, the
 * CONCORD_* environment and YAML, and configurations that cannot work refused with a message
 * that names the flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseServeConfig } from '../../src/cli/serve-config.js';

const noFile = (): string => {
  throw new Error('no config file in this test');
};
const parse = (argv: string[], env: Record<string, string> = {}, yaml?: string) =>
  parseServeConfig(argv, env, yaml === undefined ? noFile : () => yaml);

describe('serve TLS flags', () => {
  it('reads the client and peer flags, bare bools included', () => {
    const config = parse([
      ...['--listen-client-urls', 'https://127.0.0.1:2379'],
      ...['--cert-file', 's.crt', '--key-file', 's.key', '--trusted-ca-file', 'ca.crt'],
      '--client-cert-auth',
      ...['--listen-peer-urls', 'https://127.0.0.1:2380', '--peer-auto-tls=true'],
      '--peer-client-cert-auth=false',
    ]);
    assert.deepEqual(config.clientTls, {
      certFile: 's.crt',
      keyFile: 's.key',
      trustedCaFile: 'ca.crt',
      clientCertAuth: true,
      autoTls: false,
    });
    assert.deepEqual(config.peerTls, {
      certFile: '',
      keyFile: '',
      trustedCaFile: '',
      clientCertAuth: false,
      autoTls: true,
    });
  });

  it('takes them from CONCORD_* variables and from the YAML config file', () => {
    const fromEnv = parse(['--listen-client-urls', 'https://127.0.0.1:2379'], {
      CONCORD_AUTO_TLS: 'true',
    });
    assert.equal(fromEnv.clientTls.autoTls, true);
    const fromYaml = parse(
      ['--config-file', 'concord.yaml'],
      {},
      'listen-client-urls: https://127.0.0.1:2379\ncert-file: a.crt\nkey-file: a.key\ntrusted-ca-file: ca.crt\nclient-cert-auth: true\n',
    );
    assert.equal(fromYaml.clientTls.clientCertAuth, true);
    assert.equal(fromYaml.clientTls.certFile, 'a.crt');
  });

  it('refuses configurations that cannot work, naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [
        ['--listen-client-urls', 'https://127.0.0.1:2379'],
        /--listen-client-urls: .* needs --cert-file and --key-file, or --auto-tls/,
      ],
      [['--cert-file', 'a.crt'], /--cert-file and --key-file must be given together/],
      [['--client-cert-auth'], /--client-cert-auth needs --trusted-ca-file/],
      [['--peer-client-cert-auth'], /--peer-client-cert-auth needs --peer-trusted-ca-file/],
      [
        ['--peer-trusted-ca-file', 'ca.crt', '--peer-cert-file', 'a', '--peer-key-file', 'b'],
        /--listen-peer-urls: http:\/\/127\.0\.0\.1:2380\/ is plain text, but --peer-trusted-ca-file demands certificates/,
      ],
      [['--auto-tls=maybe'], /--auto-tls must be true or false/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parse(argv),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `${argv.join(' ')}: ${String(error)}`);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});
