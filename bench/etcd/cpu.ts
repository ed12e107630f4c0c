import { readFileSync } from 'node:fs';

const ticksPerSecond = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. NaN where
 * /proc is unavailable.
 */
export function cpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds from the text of a /proc/<pid>/stat; with `children`, also those of the
 * process's children that it has waited for.
 */
export function statCpuSeconds(stat: string, options: { children?: boolean } = {}): number {
  // The command name (field 2) may hold spaces; the fields after its ')' are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime = 14, stime = 15, cutime = 16, cstime = 17.
  const field = (n: number): number => Number(fields[n - 3]);
  let ticks = field(14) + field(15);
  if (options.children === true) ticks += field(16) + field(17);
  return ticks / ticksPerSecond;
}
