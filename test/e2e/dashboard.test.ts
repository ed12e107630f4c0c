/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * against a real 3-member cluster, served by a follower so the leader can be killed under it:
 * the cluster view shows the members and the leader, and the change when the leader dies; a
 * key put through the page is read back with etcdctl; a watched prefix shows a put made with
 * etcdctl; leases, locks, services and charts render what etcdctl created. Screenshots of the
 * main views go to test-output/screenshots/ (gitignored).
 *
 * Chromium missing: skipped with a message, except in CI (CI=true), where it must run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { Cluster } from '../helpers/cluster-process.js';
import type { ClusterMember } from '../helpers/cluster-process.js';
import { etcdctlSkip } from '../helpers/etcdctl.js';
import { eventually } from '../helpers/wait.js';
import type { Spawned } from '../helpers/etcdctl.js';
import { Etcdctl } from '../helpers/etcdctl.js';

const chromiumPath = '/usr/bin/chromium';
const screenshots = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

function skipReason(): string | false {
  if (!existsSync(chromiumPath) && !inCi) {
    return `${chromiumPath} is missing (apt-get install chromium; CI installs it): skipping the browser tests`;
  }
  return etcdctlSkip;
}

describe('dashboard in Chromium', { skip: skipReason(), timeout: 180_000 }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  /** The follower that serves the page (the leader gets killed in the last test). */
  let serving: ClusterMember;
  let leader: ClusterMember;
  let ctl: Etcdctl;
  const spawned: Spawned[] = [];
  const pageErrors: string[] = [];

  const shot = async (name: string, target: Page = page): Promise<void> => {
    await target.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  };
  const open = async (view: string): Promise<void> => {
    await page.goto(`${serving.clientUrl}/ui/#/${view}`);
  };

  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    [cluster, browser] = await Promise.all([
      Cluster.start({ size: 3 }),
      chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] }),
    ]);
    leader = await cluster.leader();
    serving = cluster.members.find((m) => m !== leader) as ClusterMember;
    // etcdctl talks to the serving member too, so it keeps working after the leader dies.
    ctl = new Etcdctl(() => serving.endpoint);
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterEach(() => {
    // An uncaught exception in the page is a failure even when the screen looked right.
    const thrown = pageErrors.splice(0);
    assert.deepEqual(thrown, [], `the page threw: ${thrown.join('; ')}`);
  });

  after(async () => {
    for (const child of spawned) await child.stop('SIGKILL');
    await browser?.close();
    await cluster?.destroy();
  });

  it('shows the 3 members and which one leads', async () => {
    await open('cluster');
    await page.locator('[data-testid^="member-m"]').nth(2).waitFor();
    assert.equal(await page.locator('[data-testid^="member-m"]').count(), 3);
    assert.equal(await page.getByTestId('member-count').textContent(), '3');
    // The page and the members agree on who leads (the members are asked again on each try:
    // a loaded machine may hold an election meanwhile); the rows say so too.
    const seen = await eventually(
      'the page to show the leader the members agree on',
      async () => ({
        page: await page.getByTestId('leader-name').textContent(),
        members: (await cluster.leader()).name,
      }),
      (both) => both.page === both.members,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await page.locator(`[data-testid="member-${seen.members}"][data-role="leader"]`).waitFor();
    await page.locator('[data-role="follower"]').nth(1).waitFor();
    await shot('cluster');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.on('pageerror', (error) => pageErrors.push(error.message));
    await phone.goto(`${serving.clientUrl}/ui/#/cluster`);
    await phone.locator('[data-role="leader"]').waitFor();
    await shot('cluster-phone', phone);
    await phone.close();
  });

  it('puts a key through the page that etcdctl reads back, and shows its history', async () => {
    await open('keys');
    await page.getByTestId('new-key').fill('/e2e/greeting');
    await page.getByTestId('new-value').fill('hello from the browser');
    await page.getByTestId('put').click();
    await page.getByTestId('put-result').waitFor();
    assert.equal(
      (await ctl.ok('get', '/e2e/greeting', '--print-value-only')).trim(),
      'hello from the browser',
    );

    // Edit it, then read both versions back in the history.
    await page.locator('[data-key="/e2e/greeting"]').click();
    await page.getByTestId('value').filter({ hasText: 'hello from the browser' }).waitFor();
    await page.getByTestId('edit').click();
    await page.getByTestId('edit-value').fill('hello again');
    await page.getByTestId('save').click();
    await page.getByTestId('value').filter({ hasText: 'hello again' }).waitFor();
    assert.equal(
      (await ctl.ok('get', '/e2e/greeting', '--print-value-only')).trim(),
      'hello again',
    );
    await page.getByTestId('history').click();
    const rows = page.getByTestId('history-list').locator('tbody tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.match((await rows.nth(1).textContent()) ?? '', /hello from the browser/);
    await shot('keys');

    // Delete, with confirmation.
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm').click();
    await page.locator('[data-key="/e2e/greeting"]').waitFor({ state: 'detached' });
    assert.equal((await ctl.ok('get', '/e2e/greeting')).trim(), '');
  });

  it('updates a watched prefix live when etcdctl writes under it', async () => {
    await page.goto(`${serving.clientUrl}/ui/#/keys?prefix=${encodeURIComponent('/e2e/watched/')}`);
    await page.getByTestId('watch-toggle').click();
    await page.getByTestId('watch-state').filter({ hasText: 'watching from revision' }).waitFor();
    await ctl.ok('put', '/e2e/watched/color', 'blue');
    const events = page.getByTestId('watch-events');
    await events.filter({ hasText: '/e2e/watched/color' }).waitFor();
    assert.match((await events.textContent()) ?? '', /PUT.*\/e2e\/watched\/color.*blue/);
    await ctl.ok('del', '/e2e/watched/color');
    await events.locator('li', { hasText: 'DELETE' }).waitFor();
    await shot('keys-watch');
    await page.getByTestId('watch-toggle').click();
  });

  it('shows leases counting down with their keys, services, a lock holder and waiter, an election leader', async () => {
    const granted = await ctl.ok('lease', 'grant', '120');
    const leaseId = /lease ([0-9a-f]+) granted/.exec(granted)?.[1];
    assert.ok(leaseId !== undefined, `lease id in: ${granted}`);
    await ctl.ok(
      'put',
      '--lease',
      leaseId,
      '/concord/services/web/instance-1',
      '{"address":"10.0.0.1:8080"}',
    );
    await ctl.ok('put', '--lease', leaseId, '/concord/services/web/instance-2', '10.0.0.2:8080');

    await open('leases');
    const lease = page.getByTestId(`lease-${leaseId}`);
    await lease.filter({ hasText: '/concord/services/web/instance-1' }).waitFor();
    const ttl = Number(((await lease.getByTestId('ttl').textContent()) ?? '').replace(' s', ''));
    assert.ok(ttl > 0 && ttl <= 120, `a TTL counting down from 120, got ${ttl}`);
    await shot('leases');

    await open('services');
    await page.getByTestId('service-web').filter({ hasText: '10.0.0.1:8080' }).waitFor();
    assert.match((await page.getByTestId('service-web').textContent()) ?? '', /10\.0\.0\.2:8080/);
    await shot('services');

    // Two etcdctl lock sessions on one name: the first holds, the second waits.
    const holder = ctl.spawn('lock', '/e2e/mutex');
    spawned.push(holder);
    await holder.printed('/e2e/mutex/', 20_000);
    const waiter = ctl.spawn('lock', '/e2e/mutex');
    spawned.push(waiter);
    // And an election campaign: the leader's key carries its proposal.
    const candidate = ctl.spawn('elect', '/e2e/election', 'alice-proposal');
    spawned.push(candidate);
    await candidate.printed('alice-proposal', 20_000);
    await open('locks');
    const lock = page.getByTestId('lock-/e2e/mutex');
    await lock.locator('li.waiter').waitFor();
    assert.equal(await lock.locator('li.holder').count(), 1);
    assert.equal(await lock.locator('li.waiter').count(), 1);
    const election = page.getByTestId('lock-/e2e/election');
    await election.locator('li.holder', { hasText: 'alice-proposal' }).waitFor();
    await shot('locks');
    await holder.stop();
    await waiter.stop();
    await candidate.stop();
  });

  it('charts the write throughput the serving member reports in /metrics', async () => {
    // Writes through the gateway while the page scrapes: the throughput chart must show them.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await fetch(`${serving.clientUrl}/v3/kv/put`, {
          method: 'POST',
          body: JSON.stringify({
            key: Buffer.from(`/e2e/load/${i % 10}`).toString('base64'),
            value: Buffer.from(String(i)).toString('base64'),
          }),
        });
      }
    })();
    try {
      await open('charts');
      const writes = page.getByTestId('chart-throughput').locator('.legend strong').first();
      await writes.filter({ hasText: /^[1-9][0-9.]*\/s$/ }).waitFor({ timeout: 20_000 });
    } finally {
      writing = false;
      await writer;
    }
    await shot('charts');
  });

  it('shows the new leader when the leader is killed', async () => {
    const killed = await cluster.leader();
    // The page must outlive the leader: serve it from a follower.
    if (killed === serving) serving = cluster.members.find((m) => m !== killed) as ClusterMember;
    await open('cluster');
    await page.getByTestId('leader-name').filter({ hasText: killed.name }).waitFor();
    await killed.kill();
    const next = await cluster.leader(cluster.members.filter((m) => m !== killed));
    await page.getByTestId('leader-name').filter({ hasText: next.name }).waitFor();
    await page.locator(`[data-testid="member-${killed.name}"][data-role="unreachable"]`).waitFor();
    await page
      .getByTestId('leader-changes')
      .filter({ hasText: `→ ${next.name}` })
      .waitFor();
    await shot('cluster-failover');
  });

  it('with auth on, asks for a login and shows a user only what their role may read', async () => {
    await ctl.ok('put', '/public/motd', 'welcome');
    await ctl.ok('put', '/secret/plans', 'classified');
    await ctl.ok('user', 'add', 'root:rootpw');
    await ctl.ok('role', 'add', 'reader');
    await ctl.ok('role', 'grant-permission', 'reader', 'read', '/public/', '--prefix');
    await ctl.ok('user', 'add', 'alice:alicepw');
    await ctl.ok('user', 'grant-role', 'alice', 'reader');
    await ctl.ok('auth', 'enable');

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const alice = await context.newPage();
    alice.on('pageerror', (error) => pageErrors.push(error.message));
    await alice.goto(`${serving.clientUrl}/ui/#/keys`);
    await alice.getByTestId('login').waitFor();
    await shot('login', alice);
    await alice.locator('input[name="user"]').fill('alice');
    await alice.locator('input[name="password"]').fill('alicepw');
    await alice.locator('button[type="submit"]').click();
    // Every key: alice may not read them all, so none is listed.
    await alice.getByTestId('not-permitted').first().waitFor();
    assert.equal(await alice.locator('[data-key]').count(), 0);
    // Her prefix: listed; the secret one is not.
    await alice.getByTestId('prefix-input').fill('/public/');
    await alice.getByTestId('prefix-input').press('Enter');
    await alice.locator('[data-key="/public/motd"]').waitFor();
    assert.equal(await alice.locator('[data-key="/secret/plans"]').count(), 0);
    await alice.locator('[data-key="/public/motd"]').click();
    await alice.getByTestId('value').filter({ hasText: 'welcome' }).waitFor();
    await shot('keys-alice', alice);
    await context.close();
  });
});
