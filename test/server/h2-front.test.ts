/**
 * A real member on Concord's own HTTP/2 layer (../../src/server/http2/h2-front.ts; on by
 * default, and asked for explicitly here), and one with it off (CONCORD_H2=0): Debian's
 * etcdctl (grpc-go) through each, both the calls the layer serves itself (KV, lease
 * keep-alives) and those it passes to grpc-js (Maintenance, Cluster, Lease grants and
 * time-to-live, Watch, the Snapshot stream), and a clean SIGTERM after.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcdctl, etcdctlSkip } from '../helpers/etcdctl.js';
import { MemberProcess } from '../helpers/member-process.js';

for (const h2 of ['1', '0']) {
  describe(`a member with CONCORD_H2=${h2}`, { skip: etcdctlSkip }, () => {
    let member: MemberProcess;
    let etcdctl: Etcdctl;
    const dir = mkdtempSync(join(tmpdir(), 'concord-h2-front-'));

    before(async () => {
      member = await MemberProcess.start({ env: { CONCORD_H2: h2 } });
      etcdctl = new Etcdctl(() => member.endpoint);
    });

    after(async () => {
      await member.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves KV calls, and etcd errors come back as etcd words them', async () => {
      assert.equal((await etcdctl.ok('put', 'k', 'v1')).trim(), 'OK');
      assert.equal(await etcdctl.ok('get', 'k', '--print-value-only'), 'v1\n');
      const txn = await etcdctl.run(['txn'], 'value("k") = "v1"\n\nput k v2\n\nput k never\n\n');
      assert.equal(txn.code, 0, txn.stderr);
      assert.match(txn.stdout, /^SUCCESS/);
      assert.equal(await etcdctl.ok('get', 'k', '--print-value-only'), 'v2\n');
      assert.match(await etcdctl.fails('put', '', 'v'), /key is not provided/);
    });

    it('passes the other services through to grpc-js: status, members, watch, leases, snapshot', async () => {
      const status = await etcdctl.json<{ Status: { header: { member_id: number } } }[]>(
        'endpoint',
        'status',
      );
      assert.ok(status[0]?.Status.header.member_id, 'endpoint status names the member');
      assert.match(await etcdctl.ok('member', 'list'), /started/);

      const watch = etcdctl.spawn('watch', 'w');
      // The watch is in place once a put made after it shows up: put until one does.
      let n = 0;
      const putting = setInterval(() => void etcdctl.run(['put', 'w', `v${n++}`]), 300);
      try {
        await watch.printed((out) => /PUT\nw\nv\d+/.test(out), 20_000);
      } finally {
        clearInterval(putting);
        await watch.stop();
      }

      const grant = await etcdctl.ok('lease', 'grant', '60');
      const lease = /lease ([0-9a-f]+) granted/.exec(grant)?.[1];
      assert.ok(lease !== undefined, `a lease id in: ${grant}`);
      assert.match(
        await etcdctl.ok('lease', 'keep-alive', '--once', lease),
        /keepalived with TTL\(60\)/,
      );
      await etcdctl.ok('put', '--lease', lease, 'leased', 'x');
      assert.match(
        await etcdctl.ok('lease', 'timetolive', lease, '--keys'),
        /attached keys\(\[leased\]\)/,
      );

      const file = join(dir, 'backup.db');
      assert.match(await etcdctl.ok('snapshot', 'save', file), /Snapshot saved/);
      assert.ok(existsSync(file) && statSync(file).size > 0, 'the snapshot file was written');
    });

    it('stops cleanly on SIGTERM with a client connection just used', async () => {
      await etcdctl.ok('put', 'last', 'one');
      await member.stop(20_000);
    });
  });
}
