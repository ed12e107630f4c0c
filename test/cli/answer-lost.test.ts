/**
 * The `concord` commands whose service keeps no request identities (Lease grant and revoke
 * here; the Cluster service's member commands are sent the same way) are not sent twice once
 * they may have landed: a real member behind a TCP proxy that forwards the request, drops
 * the answer, then the connection. A second grant would leave a lease nobody holds; a second
 * revoke would report "requested lease not found" for the lease it did revoke. As etcdctl,
 * the command fails as unavailable (exit 3), and what it did is done once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';
import { eventually } from '../helpers/wait.js';
import { TcpProxy } from '../client/tcp-proxy.js';
import { concordBundle, runConcord, type Ran } from './concord-bundle.js';

let member: MemberProcess;
let proxy: TcpProxy;
let etcdctl: Etcdctl;

before(async () => {
  [member] = await Promise.all([MemberProcess.start(), concordBundle()]);
  proxy = await TcpProxy.start(member.endpoint);
  etcdctl = new Etcdctl(() => member.endpoint);
});

after(async () => {
  await proxy?.close();
  await member?.destroy();
});

/** The lease IDs the member holds, in hex, asked of it directly. */
async function leases(): Promise<string[]> {
  const listed = await etcdctl.ok('lease', 'list');
  return [...listed.matchAll(/^([0-9a-f]+)$/gm)].map((m) => m[1]!);
}

/**
 * Runs `concord ARGS` through the proxy with its answer held; once `landed` says the member
 * applied it, the connection goes, answer unsent, and the command is left to finish. A
 * client that probes for request identities first (an empty Txn, for a 'write' call) gets
 * that answer: Concord honours them, so such a client would retry the call.
 */
async function answerLost(args: readonly string[], landed: () => Promise<boolean>): Promise<Ran> {
  proxy.holdAnswers();
  const ran = runConcord(['--endpoints', proxy.endpoint, '--command-timeout', '20s', ...args]);
  await eventually(`concord ${args.join(' ')} to land on the member`, landed, (done) => done, {
    timeoutMs: 20_000,
  });
  proxy.reset();
  return ran;
}

describe('a command whose answer is lost', { skip: etcdctlSkip }, () => {
  it('lease grant: one lease granted, and the command fails as unavailable', async () => {
    const before = await leases();
    const ran = await answerLost(['lease', 'grant', '600'], async () => {
      return (await leases()).length > before.length;
    });
    assert.equal(ran.code, 3, `exit code (stdout ${ran.stdout}, stderr ${ran.stderr})`);
    const now = await leases();
    assert.equal(now.length, before.length + 1, `one lease more: ${now.join(' ')}`);
  });

  it('lease revoke: the lease is gone, and the failure is not "lease not found"', async () => {
    const granted = await etcdctl.ok('lease', 'grant', '600');
    const id = /lease ([0-9a-f]+) granted/.exec(granted)?.[1];
    assert.ok(id !== undefined, `a lease ID in: ${granted}`);
    const ran = await answerLost(['lease', 'revoke', id], async () => {
      return !(await leases()).includes(id);
    });
    assert.equal(ran.code, 3, `exit code (stdout ${ran.stdout}, stderr ${ran.stderr})`);
    assert.doesNotMatch(ran.stderr, /lease not found/, 'the revoke was not sent twice');
    assert.ok(!(await leases()).includes(id), 'revoked');
  });
});
