import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { fakeClusterId, fakeMemberId, fakeRaftTerm } from './fake/fake-member.js';
import type { Harness } from './harness.js';
import { failure, rawClient, startServer, unaryCall } from './harness.js';

interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}
interface MembersOut {
  header: { clusterId: string; memberId: string; revision: string; raftTerm: string };
  members: WireMember[];
  member?: WireMember;
}

describe('Cluster service (etcd3 client and raw gRPC)', () => {
  let harness: Harness;
  let etcd: Etcd3;
  let cluster: Client;
  const call = (method: string, request: object): Promise<MembersOut> =>
    unaryCall<MembersOut>(cluster, method, request);

  before(async () => {
    harness = await startServer();
    etcd = new Etcd3({ hosts: `http://${harness.endpoint}` });
    cluster = rawClient('Cluster', harness.endpoint);
  });
  after(async () => {
    etcd.close();
    cluster.close();
    await harness.close();
  });

  it('lists members with a header that has no revision, as etcd', async () => {
    await etcd.put('k').value('v'); // a non-zero store revision, which the header must not carry
    const list = await call('MemberList', { linearizable: true });
    assert.deepEqual(list.header, {
      clusterId: String(fakeClusterId),
      memberId: String(fakeMemberId),
      revision: '0',
      raftTerm: String(fakeRaftTerm),
    });
    assert.deepEqual(list.members, [
      {
        ID: String(fakeMemberId),
        name: 'fake',
        peerURLs: ['http://127.0.0.1:2380'],
        clientURLs: [`http://${harness.endpoint}`],
        isLearner: false,
      },
    ]);
    const viaEtcd3 = await etcd.cluster.memberList({});
    assert.deepEqual(
      viaEtcd3.members.map((m) => m.ID),
      [String(fakeMemberId)],
    );
  });

  it('adds a learner (no name until it starts), sorted trimmed URLs, refuses a second', async () => {
    const added = await call('MemberAdd', {
      peerURLs: [' http://10.0.0.2:2380', 'http://10.0.0.1:2380'],
      isLearner: true,
    });
    const id = String(2n ** 64n - 2n);
    assert.deepEqual(added.member, {
      ID: id,
      name: '',
      peerURLs: ['http://10.0.0.1:2380', 'http://10.0.0.2:2380'],
      clientURLs: [],
      isLearner: true,
    });
    assert.deepEqual(
      added.members.map((m) => [m.ID, m.name, m.isLearner]),
      [
        [String(fakeMemberId), 'fake', false],
        [id, '', true],
      ],
    );
    assert.equal(added.header.revision, '0');
    assert.deepEqual(
      await failure(call('MemberAdd', { peerURLs: ['http://10.0.0.3:2380'], isLearner: true })),
      {
        code: status.FAILED_PRECONDITION,
        details: 'etcdserver: too many learner members in cluster',
      },
    );
  });

  it('promotes a learner once it is in sync; refuses a voter and a lagging learner', async () => {
    const id = 2n ** 64n - 2n;
    assert.deepEqual(await failure(call('MemberPromote', { ID: String(id) })), {
      code: status.FAILED_PRECONDITION,
      details: 'etcdserver: can only promote a learner member which is in sync with leader',
    });
    harness.member.cluster.readyLearners.add(id);
    const promoted = await etcd.cluster.memberPromote({ ID: String(id) });
    assert.equal(promoted.members.find((m) => m.ID === String(id))?.isLearner, false);
    assert.deepEqual(await failure(call('MemberPromote', { ID: String(id) })), {
      code: status.FAILED_PRECONDITION,
      details: 'etcdserver: can only promote a learner member',
    });
  });

  it('updates peer URLs; refuses URLs another member has, and unknown members', async () => {
    const id = String(2n ** 64n - 2n);
    const updated = await call('MemberUpdate', { ID: id, peerURLs: ['https://[::1]:2390'] });
    assert.deepEqual(updated.members.find((m) => m.ID === id)?.peerURLs, ['https://[::1]:2390']);
    assert.deepEqual(
      await failure(call('MemberUpdate', { ID: id, peerURLs: ['http://127.0.0.1:2380'] })),
      { code: status.FAILED_PRECONDITION, details: 'etcdserver: Peer URLs already exists' },
    );
    assert.deepEqual(
      await failure(call('MemberUpdate', { ID: '12345', peerURLs: ['http://a:1'] })),
      { code: status.NOT_FOUND, details: 'etcdserver: member not found' },
    );
  });

  it('refuses peer URLs etcd refuses: none, no port, a path, another scheme', async () => {
    for (const peerURLs of [[], ['http://10.0.0.9'], ['http://10.0.0.9:2380/x'], ['ftp://a:1']]) {
      assert.deepEqual(
        await failure(call('MemberAdd', { peerURLs, isLearner: false })),
        { code: status.INVALID_ARGUMENT, details: 'etcdserver: given member URLs are invalid' },
        JSON.stringify(peerURLs),
      );
    }
    assert.deepEqual(
      await failure(call('MemberAdd', { peerURLs: ['http://127.0.0.1:2380'], isLearner: false })),
      { code: status.FAILED_PRECONDITION, details: 'etcdserver: Peer URLs already exists' },
    );
    const added = await call('MemberAdd', { peerURLs: ['unix://peer.sock'], isLearner: false });
    assert.deepEqual(added.member?.peerURLs, ['unix://peer.sock']);
  });

  it('removes a member, then answers "member not found" for it', async () => {
    const id = String(2n ** 64n - 2n);
    const left = await etcd.cluster.memberRemove({ ID: id });
    assert.ok(!left.members.some((m) => m.ID === id));
    assert.deepEqual(await failure(call('MemberRemove', { ID: id })), {
      code: status.NOT_FOUND,
      details: 'etcdserver: member not found',
    });
  });

  it("passes the member's refusals through with etcd's status, Unknown included", async () => {
    harness.member.failNext('memberAdd', 'NotEnoughStartedMembers');
    assert.deepEqual(await failure(call('MemberAdd', { peerURLs: ['http://b:1'] })), {
      code: status.UNKNOWN,
      details: 'etcdserver: re-configuration failed due to not enough started members',
    });
    harness.member.failNext('memberRemove', 'Unhealthy');
    assert.deepEqual(await failure(call('MemberRemove', { ID: String(fakeMemberId) })), {
      code: status.UNAVAILABLE,
      details: 'etcdserver: unhealthy cluster',
    });
    harness.member.failNext('memberAdd', 'MemberExists');
    assert.deepEqual(await failure(call('MemberAdd', { peerURLs: ['http://b:1'] })), {
      code: status.FAILED_PRECONDITION,
      details: 'etcdserver: member ID already exist',
    });
    assert.equal(harness.bugs.length, 0);
  });
});
