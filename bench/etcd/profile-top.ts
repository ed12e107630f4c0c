// node --import tsx bench/etcd/profile-top.ts PROFILE.cpuprofile [N] — the top self-time
// functions and files of a V8 CPU profile (node --cpu-prof), as percentages of samples.
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
const selfByFunction = new Map<string, number>();
const selfByFile = new Map<string, number>();
const short = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/main\//, '');
for (const id of profile.samples) {
  const frame = byId.get(id)!.callFrame;
  const file = short(frame.url) || '(native)';
  const name = `${frame.functionName || '(anonymous)'}  ${file}:${frame.lineNumber + 1}`;
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + 1);
  selfByFile.set(file, (selfByFile.get(file) ?? 0) + 1);
}
const total = profile.samples.length;
const print = (title: string, counts: Map<string, number>): void => {
  console.log(`${title} (${total} samples)`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
};
print('self time by function', selfByFunction);
console.log();
print('self time by file', selfByFile);
