/**
 * `npm run chaos -- [--workload W[,W]] [--nemesis N[,N]|none] [--time S] [--seed X]
 *  [--size 3|5] [--net netns|proxy] [--out DIR]`
 *
 * With no workload or nemesis named it runs the mix (every workload, every nemesis this machine
 * can run) for `--time` seconds (default 30). The last line printed is the verdict with the
 * counts; the exit code is 1 on any anomaly (or an undecided check), 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { Cluster } from '../helpers/cluster-process.js';
import { mixNemeses, mixWorkloads, nemeses, resolveNames, workloads } from './registry.js';
import { runChaos } from './run.js';

const usage =
  'usage: npm run chaos -- [--workload W[,W]] [--nemesis N[,N]|none] [--time S] [--seed X] [--size 3|5] [--net netns|proxy] [--out DIR]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        workload: { type: 'string' },
        nemesis: { type: 'string' },
        time: { type: 'string', default: '30' },
        seed: { type: 'string' },
        size: { type: 'string', default: '3' },
        net: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    console.log(
      `${usage}\nworkloads: ${Object.keys(workloads).join(', ')}\nnemeses: ${Object.keys(nemeses).join(', ')}`,
    );
    return 0;
  }
  const timeS = Number(values.time);
  const size = Number(values.size);
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  const net = values.net;
  if (!(timeS > 0) || ![3, 5].includes(size) || !Number.isSafeInteger(seed)) {
    console.error(`bad --time, --size or --seed\n${usage}`);
    return 2;
  }
  if (net !== undefined && net !== 'netns' && net !== 'proxy') {
    console.error(`--net is netns or proxy\n${usage}`);
    return 2;
  }
  let workloadNames: string[];
  let nemesisNames: string[];
  try {
    workloadNames = resolveNames(values.workload, workloads, mixWorkloads, 'workload');
    nemesisNames = resolveNames(values.nemesis, nemeses, mixNemeses, 'nemesis');
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const outcome = await runChaos({
    workloads: workloadNames,
    nemeses: nemesisNames,
    timeS,
    seed,
    size,
    ...(net !== undefined && { mode: net }),
    ...(values.out !== undefined && { outDir: values.out }),
  });
  for (const anomaly of outcome.anomalies.slice(0, 10)) {
    console.log(`anomaly [${anomaly.checker}/${anomaly.kind}] ${anomaly.message}`);
  }
  console.log(`report: ${outcome.dir}/report.txt and timeline.html`);
  console.log(outcome.verdict);
  return outcome.passed ? 0 : 1;
}

// Members must not outlive the harness, whatever ends it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    Cluster.destroyAllSync();
    process.exit(130);
  });
}
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    Cluster.destroyAllSync();
    console.log('chaos: ERROR: the harness failed (see above); 0 operations checked');
    process.exit(1);
  },
);
