/**
 * Clock faults on one member through libfaketime (Debian's libfaketime, LD_PRELOADed into the
 * member's node process; it works with Node: Date, performance.now() and libuv's timers all
 * read the faked clock_gettime):
 *
 * - `jump`: the member's wall clock steps by ±30 s .. 1 h (an NTP step), and steps back on
 *   heal. Only the wall clock (FAKETIME_DONT_FAKE_MONOTONIC): a monotonic clock never jumps,
 *   and Concord times elections and leases on the monotonic one, so nothing may change.
 * - `drift`: the member restarts with both clocks running 10% fast or slow from its start
 *   (libfaketime rates count from process start; changing one later would jump the monotonic
 *   clock, which no real clock does). A fast leader expires leases up to 10% early, within the
 *   lease checker's tolerance for the TTLs used.
 *
 * Every member of a run with this nemesis starts under libfaketime with its own timestamp
 * file (`clockEnv`), so a jump needs no restart.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { restart } from './process-faults.js';

export const faketimeLibrary = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/** Why the clock nemesis cannot run here, or undefined if it can. */
export function clockUnavailable(): string | undefined {
  if (!existsSync(faketimeLibrary)) {
    return `libfaketime is not installed (${faketimeLibrary}; apt-get install libfaketime)`;
  }
  return undefined;
}

function timestampFile(member: ClusterMember): string {
  return join(member.cluster.root, `${member.name}.faketime`);
}

/** The environment every member of a clock run starts with: wall clock faked, true for now. */
export function clockEnv(member: ClusterMember): NodeJS.ProcessEnv {
  const file = timestampFile(member);
  if (!existsSync(file)) writeFileSync(file, '+0\n');
  return {
    LD_PRELOAD: faketimeLibrary,
    FAKETIME_TIMESTAMP_FILE: file,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

export function clockNemesis(): Nemesis {
  let drifting: ClusterMember | undefined;
  const jumped = new Set<ClusterMember>();
  return {
    name: 'clock',
    async start(context: NemesisContext) {
      const { chaos, prng } = context;
      const live = chaos.live();
      if (live.length === 0) return undefined;
      const member = prng.pick(live);
      if (prng.chance(0.6)) {
        const seconds = prng.pick([-3600, -300, -30, 30, 300, 3600]);
        writeFileSync(timestampFile(member), `${seconds > 0 ? '+' : ''}${seconds}\n`);
        jumped.add(member);
        return `jump ${member.name}'s wall clock by ${seconds} s`;
      }
      const rate = prng.pick(['0.9', '1.1']);
      await member.kill();
      drifting = member;
      await member.restart(undefined, {
        FAKETIME: `+0 x${rate}`,
        // Unset (spawn drops undefined values): an empty file name would disable the rate.
        FAKETIME_TIMESTAMP_FILE: undefined,
        FAKETIME_DONT_FAKE_MONOTONIC: '0',
      });
      return `restart ${member.name} with its clocks at x${rate}`;
    },
    async heal() {
      for (const member of jumped) writeFileSync(timestampFile(member), '+0\n');
      jumped.clear();
      const member = drifting;
      drifting = undefined;
      if (member === undefined) return;
      if (member.running) await member.kill();
      await restart(member);
    },
  };
}
