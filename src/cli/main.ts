/**
 * The `concord` command line. Subcommands are added as the layers they drive land
 * (`serve` with the single-member server, `cluster`, `snapshot`, ...). Exit codes: 0 done,
 * 1 failed, 2 usage.
 */
import { readFileSync } from 'node:fs';
import { cluster } from './cluster.js';
import { serve } from './serve.js';
import { snapshot } from './snapshot.js';

const usage = `usage: concord <command> [flags]

commands:
  serve     run a member (etcd's flags; see concord serve --help)
  cluster   run a local N-member cluster for development (see concord cluster --help)
  snapshot  save, restore or inspect a backup (see concord snapshot help)
  version   print Concord's version
  help      print this help
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command = 'help'] = argv;
  switch (command) {
    case 'serve':
      return serve(argv.slice(1), packageVersion());
    case 'cluster':
      return cluster(argv.slice(1));
    case 'snapshot':
      return snapshot(argv.slice(1));
    case 'version':
    case '--version':
      console.log(`concord ${packageVersion()}`);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`concord: unknown command "${command}"\n${usage}`);
      return 2;
  }
}

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
