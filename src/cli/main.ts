/**
 * The `concord` command line. Subcommands are added as the layers they drive land
 * (`serve` with the single-member server, `cluster`, `snapshot`, and etcdctl's client
 * commands in ./commands/). Exit codes: 0 done, 1 failed, 2 usage, 3 cluster unavailable.
 */
import { readFileSync } from 'node:fs';
import { clientCommands, hoistGlobalFlags } from './commands/index.js';
import { globalUsage } from './commands/context.js';

const usage = `usage: concord <command> [flags]

commands:
  serve     run a member (etcd's flags; see concord serve --help)
  cluster   run a local N-member cluster for development (see concord cluster --help)
  snapshot  save, restore or inspect a backup (see concord snapshot help)
${Object.entries(clientCommands)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}\n`)
  .join('')}  version   print Concord's version
  help      print this help
(concord <command> --help for its flags)

${globalUsage}`;

export async function main(original: readonly string[]): Promise<number> {
  const argv = hoistGlobalFlags(original);
  const [command = 'help'] = argv;
  const client = clientCommands[command];
  if (client !== undefined) return client.run(argv.slice(1));
  switch (command) {
    // Loaded on demand: a client command (get, put, ...) need not load the server.
    case 'serve':
      return (await import('./serve.js')).serve(argv.slice(1), packageVersion());
    case 'cluster':
      return (await import('./cluster.js')).cluster(argv.slice(1));
    case 'snapshot':
      return (await import('./snapshot.js')).snapshot(argv.slice(1));
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
