import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusyPoll, busyPollSeconds } from '../../src/server/http2/busy-poll.js';
import { eventually } from '../helpers/wait.js';

/** Answers once and waits for that window to close; true when a window opened. */
async function window(poll: BusyPoll, arrive = false): Promise<boolean> {
  poll.answered();
  const opened = poll.open;
  if (arrive) poll.arrived();
  await eventually(
    'the window to close',
    () => poll.open,
    (open) => !open,
    { timeoutMs: 2000 },
  );
  return opened;
}

describe('BusyPoll', () => {
  it('opens a window after an answer, and keeps opening them while requests come inside', async () => {
    const poll = new BusyPoll({ windowUs: 200 });
    for (let i = 0; i < 20; i++) assert.ok(await window(poll, true), `window ${i} opened`);
    assert.equal(poll.ratio, 1);
  });

  it('stops opening windows that catch nothing, but for an occasional probe, and learns again', async () => {
    const poll = new BusyPoll({ windowUs: 200 });
    let opened = 0;
    for (let i = 0; i < 40; i++) if (await window(poll)) opened++;
    assert.ok(poll.ratio < 0.5, `the ratio fell (${poll.ratio})`);
    assert.ok(opened < 20, `most of the 40 answers opened no window (${opened} did)`);
    // A client comes back: the probes catch its requests and windows open again.
    let reopened = 0;
    for (let i = 0; i < 400 && poll.ratio < 0.5; i++) if (await window(poll, true)) reopened++;
    assert.ok(poll.ratio >= 0.5, `the ratio recovered (${poll.ratio})`);
    assert.ok(reopened >= 1);
    assert.ok(await window(poll, true), 'windows open after every answer again');
  });

  it('spins between polling turns instead of running them back to back', async () => {
    // A 5 ms window with 250 µs spins has about 20 turns (back to back, ~250 here); a busy
    // host only makes turns longer, hence fewer. The bound allows for a clock measured slow.
    const spinning = new BusyPoll({ windowUs: 5000, spinUs: 250 });
    await window(spinning, true);
    assert.ok(spinning.lastWindowTurns >= 1, 'a window ran');
    assert.ok(spinning.lastWindowTurns <= 60, `it spun (${spinning.lastWindowTurns} turns)`);
  });

  it('never polls with a window of 0', () => {
    const poll = new BusyPoll({ windowUs: 0 });
    const before = busyPollSeconds();
    poll.answered();
    assert.equal(poll.open, false);
    assert.equal(busyPollSeconds(), before, 'no polling time without a window');
  });

  it('adds each window to the time polled (concord_busy_poll_seconds_total)', async () => {
    const poll = new BusyPoll({ windowUs: 20_000 });
    const before = busyPollSeconds();
    await window(poll, true);
    const polled = busyPollSeconds() - before;
    // A window lasts at least its length and ends on the first turn after it (one spin and a
    // turn, a few ms at worst on a loaded host).
    assert.ok(polled >= 0.02 && polled < 1, `one 20 ms window added ${polled} s`);
  });
});
