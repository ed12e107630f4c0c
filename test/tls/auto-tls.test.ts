/**
 * --auto-tls and --peer-auto-tls (development): a member makes its own self-signed
 * certificates under <data-dir>/fixtures/{client,peer}, serves https:// with the client one
 * (etcdctl and /health trust exactly that certificate), and keeps it across a restart. Two
 * peer transports with auto-tls certificates talk over TLS without a CA (etcd does not verify
 * self-signed peers either).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureSelfSignedFiles } from '../../src/env/tls/self-signed.js';
import { TlsCredentials } from '../../src/env/tls/tls-credentials.js';
import type { Message, NodeId } from '../../src/raft/types.js';
import { Transport } from '../../src/transport/transport.js';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually, waitFor } from '../helpers/wait.js';

describe('--auto-tls and --peer-auto-tls on a member', { skip: etcdctlSkip }, () => {
  let member: MemberProcess;
  const clientCert = (): string => join(member.dataDir, 'fixtures', 'client', 'cert.pem');

  before(async () => {
    member = await MemberProcess.start({
      listenClientUrls: 'https://127.0.0.1:0',
      args: ['--auto-tls', '--listen-peer-urls', 'https://127.0.0.1:0', '--peer-auto-tls'],
    });
  });
  after(() => MemberProcess.destroyAll());

  it('writes self-signed certificates for the listen hosts under the data dir', () => {
    const client = new X509Certificate(readFileSync(clientCert()));
    assert.equal(client.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(client.checkIssued(client), true, 'self-signed');
    const peerFile = join(member.dataDir, 'fixtures', 'peer', 'cert.pem');
    assert.equal(new X509Certificate(readFileSync(peerFile)).checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('serves etcdctl and /health over https with that certificate', async () => {
    assert.match(member.url, /^https:/);
    const ctl = new Etcdctl(() => member.url);
    await ctl.ok('--cacert', clientCert(), 'put', 'auto', 'tls');
    assert.equal(
      (await ctl.ok('--cacert', clientCert(), 'get', 'auto', '--print-value-only')).trim(),
      'tls',
    );
    const health = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${member.url}/health`,
        { ca: readFileSync(clientCert()) },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(JSON.parse(health), { health: 'true', reason: '' });
  });

  it('keeps its certificate across a restart', async () => {
    const before = new X509Certificate(readFileSync(clientCert())).fingerprint256;
    await member.stop();
    await member.restart();
    assert.equal(new X509Certificate(readFileSync(clientCert())).fingerprint256, before);
    const ctl = new Etcdctl(() => member.url);
    assert.equal(
      (await ctl.ok('--cacert', clientCert(), 'get', 'auto', '--print-value-only')).trim(),
      'tls',
    );
  });
});

describe('peer transports with auto-tls certificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-peer-auto-tls-'));
  const transports: Transport[] = [];
  const inbox = new Map<NodeId, ((message: Message) => void)[]>();
  after(async () => {
    await Promise.all(transports.map((transport) => transport.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(id: NodeId): Promise<Transport> {
    const files = await ensureSelfSignedFiles(join(dir, String(id)), ['127.0.0.1']);
    const tls = await TlsCredentials.load({
      ...files,
      trustedCaFile: '',
      clientCertAuth: false,
      selfSigned: true,
      side: 'peer',
    });
    const transport = await Transport.listen({
      selfId: id,
      clusterId: 7n,
      listen: [new URL('https://127.0.0.1:0')],
      tls,
      onMessages: (messages) => {
        for (const message of messages)
          for (const waiter of inbox.get(message.to) ?? []) waiter(message);
      },
      onSnapshotStatus: () => undefined,
      onUnreachable: () => undefined,
      onRpc: () => Promise.resolve(new Uint8Array()),
    });
    transports.push(transport);
    return transport;
  }

  function heartbeat(from: NodeId, to: NodeId): Message {
    return {
      type: 'MsgHeartbeat',
      from,
      to,
      term: 3,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
    };
  }

  function received(to: NodeId): Promise<Message> {
    return waitFor<Message>(`member ${to} to receive a heartbeat over TLS`, (done) => {
      inbox.set(to, [...(inbox.get(to) ?? []), done]);
    });
  }

  it('connect over TLS and carry messages both ways', async () => {
    const one = await start(1n);
    const two = await start(2n);
    one.addPeer(2n, [String(two.urls[0])]);
    two.addPeer(1n, [String(one.urls[0])]);
    await eventually(
      'member 1 to connect to member 2 over TLS',
      () => one.isConnected(2n),
      (connected) => connected,
    );
    const atTwo = received(2n);
    one.send([heartbeat(1n, 2n)]);
    assert.equal((await atTwo).from, 1n);
    const atOne = received(1n);
    two.send([heartbeat(2n, 1n)]);
    assert.equal((await atOne).from, 2n);
  });
});
