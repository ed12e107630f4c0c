/**
 * `concord get KEY [RANGE_END]`: etcdctl's get (same flags, same output).
 */
import { toBuffer, type GetOptions, type SortTarget } from '../../client/index.js';
import { intFlag, stringFlag } from '../args.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { headerJson, kvJson, kvLines, kvTable } from '../output/kv.js';
import { parseCommand, positionals, runClientCommand } from './context.js';
import { rangeWire } from './kv-wire.js';

export const getUsage = `usage: concord get KEY [RANGE_END] [flags]
  read a key, or the keys in [KEY, RANGE_END)
  --prefix               every key starting with KEY
  --from-key             KEY and every key after it
  --limit N              at most N keys
  --rev N                read at revision N (0: the latest)
  --keys-only            keys only
  --print-value-only     values only
  --count-only           the number of keys only
  --consistency l|s      l: linearizable (default), s: serializable (this member alone; may be stale)
  --sort-by key|create|modify|value|version   --order ascend|descend
`;

const flags = {
  prefix: { type: 'boolean' },
  'from-key': { type: 'boolean' },
  limit: { type: 'string' },
  rev: { type: 'string' },
  'keys-only': { type: 'boolean' },
  'print-value-only': { type: 'boolean' },
  'count-only': { type: 'boolean' },
  consistency: { type: 'string' },
  'sort-by': { type: 'string' },
  order: { type: 'string' },
} as const;

const sortTargets: Record<string, SortTarget> = {
  key: 'key',
  create: 'create',
  modify: 'mod',
  mod: 'mod',
  value: 'value',
  version: 'version',
};

export function get(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord get', getUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags);
    const [key, rangeEnd] = positionals(args, ['KEY'], ['RANGE_END']);
    const prefix = args.values.prefix === true;
    const fromKey = args.values['from-key'] === true;
    if ((prefix || fromKey) && rangeEnd !== undefined) {
      throw new UsageError('RANGE_END cannot go with --prefix or --from-key');
    }
    if (prefix && fromKey) throw new UsageError('--prefix and --from-key exclude each other');
    const consistency = stringFlag(args, 'consistency', 'l');
    if (consistency !== 'l' && consistency !== 's') {
      throw new UsageError(`--consistency must be l or s, got "${consistency}"`);
    }
    const options: GetOptions = {
      prefix,
      fromKey,
      ...(rangeEnd !== undefined && { rangeEnd }),
      limit: intFlag(args, 'limit', 0),
      revision: intFlag(args, 'rev', 0),
      keysOnly: args.values['keys-only'] === true,
      countOnly: args.values['count-only'] === true,
      serializable: consistency === 's',
      ...sortOption(args.values['sort-by'], args.values.order),
    };
    const response = await rangeWire(context.client(), toBuffer(key!), options);
    switch (context.format) {
      case 'json':
        process.stdout.write(
          `${jsonText({
            header: headerJson(response.header),
            kvs: response.kvs.length === 0 ? undefined : response.kvs.map(kvJson),
            more: response.more || undefined,
            count: BigInt(response.count) === 0n ? undefined : BigInt(response.count),
          })}\n`,
        );
        break;
      case 'table':
        process.stdout.write(kvTable(response.kvs));
        break;
      case 'simple': {
        if (options.countOnly === true) process.stdout.write(`${response.count}\n`);
        const valueOnly = args.values['print-value-only'] === true;
        process.stdout.write(response.kvs.map((kv) => kvLines(kv, { valueOnly })).join(''));
      }
    }
    return 0;
  });
}

function sortOption(
  by: string | boolean | undefined,
  order: string | boolean | undefined,
): Pick<GetOptions, 'sort'> {
  if (typeof by !== 'string' && typeof order !== 'string') return {};
  const target = sortTargets[(typeof by === 'string' ? by : 'key').toLowerCase()];
  if (target === undefined) {
    throw new UsageError(`--sort-by must be key, create, modify, value or version, got "${by}"`);
  }
  const direction = (typeof order === 'string' ? order : 'ascend').toLowerCase();
  if (direction !== 'ascend' && direction !== 'descend') {
    throw new UsageError(`--order must be ascend or descend, got "${order}"`);
  }
  return { sort: { target, order: direction } };
}
