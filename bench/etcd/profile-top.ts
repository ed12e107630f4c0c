// node --import tsx bench/etcd/profile-top.ts PROFILE.cpuprofile [N] — where a V8 CPU profile
// (node --cpu-prof) spent its busy time: the top functions and files by self time, and
// Concord's own functions (src/) by total time (self plus callees), as percentages of the
// samples that were not idle.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

const [path, topArg] = process.argv.slice(2);
if (path === undefined) {
  process.stderr.write('usage: profile-top.ts PROFILE.cpuprofile [N]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
const selfByFunction = new Map<string, number>();
const selfByFile = new Map<string, number>();
const totalBySrcFunction = new Map<string, number>();
const short = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/main\//, '');
const nameOf = (frame: ProfileNode['callFrame']): string =>
  `${frame.functionName || '(anonymous)'}  ${short(frame.url) || '(native)'}:${frame.lineNumber + 1}`;
let total = 0;
for (const id of profile.samples) {
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === '(idle)') continue;
  total += 1;
  const file = short(frame.url) || '(native)';
  const name = nameOf(frame);
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + 1);
  selfByFile.set(file, (selfByFile.get(file) ?? 0) + 1);
  // Each src/ function on the stack once (recursion counted once).
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const f = byId.get(at)!.callFrame;
    if (!short(f.url).startsWith('src/')) continue;
    const n = nameOf(f);
    if (seen.has(n)) continue;
    seen.add(n);
    totalBySrcFunction.set(n, (totalBySrcFunction.get(n) ?? 0) + 1);
  }
}
const print = (title: string, counts: Map<string, number>): void => {
  console.log(`${title} (% of ${total} busy samples)`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
};
print('self time by function', selfByFunction);
console.log();
print('self time by file', selfByFile);
console.log();
print('total time (self + callees) of src/ functions', totalBySrcFunction);
