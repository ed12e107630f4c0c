/**
 * Process faults: SIGKILL and restart (a crash: whatever was not fsynced is lost), and
 * SIGSTOP/SIGCONT (a long pause: the member's sockets stay open, its timers stop, and when it
 * continues it believes no time passed). The victim is the leader half of the time; now and
 * then the kill takes every member at once.
 */
import type { ClusterMember } from '../../helpers/cluster-process.js';
import type { Nemesis, NemesisContext } from './nemesis.js';

/** The leader (half the time, when one answers) or a random live member. */
export async function pickVictim(context: NemesisContext): Promise<ClusterMember | undefined> {
  const { chaos, prng } = context;
  if (prng.chance(0.5)) {
    const leader = await chaos.leaderNow();
    if (leader !== undefined) return leader;
  }
  const live = chaos.live();
  return live.length > 0 ? prng.pick(live) : undefined;
}

/**
 * Restarts every member that is not running (after a kill), or that died by itself: at an
 * armed failpoint (it says so in its log), or not, which is reported as a crash.
 */
export async function restartDead(context: NemesisContext): Promise<void> {
  const dead = context.chaos.cluster.members.filter((m) => !(m.running && alive(m.pid)));
  await Promise.all(
    dead.map(async (member) => {
      if (member.running) {
        if (!member.log.includes('failpoint ')) context.onCrash?.(member, member.log.slice(-4000));
        await member.kill();
      }
      await restart(member);
    }),
  );
}

/**
 * Restarts a member on its data dir, once more if the first try fails: on a loaded machine a
 * start can miss the helper's deadline. A member that cannot start twice is a finding (the
 * caller reports it), e.g. one that refuses its own data dir after a crash.
 */
export async function restart(member: ClusterMember, env?: NodeJS.ProcessEnv): Promise<void> {
  try {
    await member.restart(undefined, env);
  } catch {
    if (member.running) await member.kill();
    await member.restart(undefined, env);
  }
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killNemesis(): Nemesis {
  return {
    name: 'kill',
    async start(context) {
      // Now and then the whole cluster at once: nothing acknowledged may be lost even then.
      if (context.prng.chance(0.15)) {
        const all = context.chaos.cluster.running();
        await Promise.all(all.map((m) => m.kill()));
        return `SIGKILL every member (${all.map((m) => m.name).join(',')})`;
      }
      const victim = await pickVictim(context);
      if (victim === undefined) return undefined;
      await victim.kill();
      return `SIGKILL ${victim.name}`;
    },
    heal: restartDead,
  };
}

export function pauseNemesis(): Nemesis {
  return {
    name: 'pause',
    async start(context) {
      const victim = await pickVictim(context);
      if (victim === undefined) return undefined;
      context.chaos.pause(victim);
      return `SIGSTOP ${victim.name}`;
    },
    async heal(context) {
      for (const member of [...context.chaos.paused]) context.chaos.resume(member);
    },
  };
}
