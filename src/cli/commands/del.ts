/**
 * `concord del KEY [RANGE_END]`: etcdctl's del; prints how many keys were deleted.
 */
import { toBuffer } from '../../client/index.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { headerJson, kvJson, kvLines } from '../output/kv.js';
import { parseCommand, positionals, runClientCommand } from './context.js';
import { deleteWire } from './kv-wire.js';

export const delUsage = `usage: concord del KEY [RANGE_END] [flags]
  delete a key, or the keys in [KEY, RANGE_END); prints how many were deleted
  --prefix     every key starting with KEY
  --from-key   KEY and every key after it
  --prev-kv    print the deleted keys and values
`;

const flags = {
  prefix: { type: 'boolean' },
  'from-key': { type: 'boolean' },
  'prev-kv': { type: 'boolean' },
} as const;

export function del(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord del', delUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags);
    const [key, rangeEnd] = positionals(args, ['KEY'], ['RANGE_END']);
    const prefix = args.values.prefix === true;
    const fromKey = args.values['from-key'] === true;
    if ((prefix || fromKey) && rangeEnd !== undefined) {
      throw new UsageError('RANGE_END cannot go with --prefix or --from-key');
    }
    const response = await deleteWire(context.client(), toBuffer(key!), {
      prefix,
      fromKey,
      ...(rangeEnd !== undefined && { rangeEnd }),
      prevKv: args.values['prev-kv'] === true,
    });
    if (context.format === 'json') {
      process.stdout.write(
        `${jsonText({
          header: headerJson(response.header),
          deleted: BigInt(response.deleted) === 0n ? undefined : BigInt(response.deleted),
          prev_kvs: response.prevKvs.length === 0 ? undefined : response.prevKvs.map(kvJson),
        })}\n`,
      );
    } else {
      process.stdout.write(`${response.deleted}\n`);
      process.stdout.write(response.prevKvs.map((kv) => kvLines(kv)).join(''));
    }
    return 0;
  });
}
