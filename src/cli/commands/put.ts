/**
 * `concord put KEY [VALUE]`: etcdctl's put. Without VALUE the value is read from stdin
 * (all of it, as bytes), so binary values and values starting with `-` need no quoting.
 */
import { toBuffer } from '../../client/index.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { headerJson, kvJson, kvLines } from '../output/kv.js';
import { parseCommand, positionals, runClientCommand } from './context.js';
import { putWire } from './kv-wire.js';

export const putUsage = `usage: concord put KEY [VALUE] [flags]
  write VALUE (or, without it, all of stdin) to KEY
  --lease ID        attach the key to a lease (hex, as \`concord lease grant\` prints it)
  --prev-kv         print the key's previous value
  --ignore-value    keep the current value (update the lease only)
  --ignore-lease    keep the current lease (update the value only)
`;

const flags = {
  lease: { type: 'string' },
  'prev-kv': { type: 'boolean' },
  'ignore-value': { type: 'boolean' },
  'ignore-lease': { type: 'boolean' },
} as const;

export function put(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord put', putUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags);
    const [key, valueArg] = positionals(args, ['KEY'], ['VALUE']);
    const ignoreValue = args.values['ignore-value'] === true;
    if (ignoreValue && valueArg !== undefined) {
      throw new UsageError('VALUE cannot go with --ignore-value');
    }
    const value = ignoreValue
      ? Buffer.alloc(0)
      : valueArg !== undefined
        ? toBuffer(valueArg)
        : await readStdin();
    const lease = typeof args.values.lease === 'string' ? leaseId(args.values.lease) : 0n;
    const response = await putWire(context.client(), toBuffer(key!), value, {
      lease,
      prevKv: args.values['prev-kv'] === true,
      ignoreValue,
      ignoreLease: args.values['ignore-lease'] === true,
    });
    if (context.format === 'json') {
      process.stdout.write(
        `${jsonText({
          header: headerJson(response.header),
          prev_kv: response.prevKv === null ? undefined : kvJson(response.prevKv),
        })}\n`,
      );
    } else {
      process.stdout.write('OK\n');
      if (response.prevKv !== null) process.stdout.write(kvLines(response.prevKv));
    }
    return 0;
  });
}

/** A lease ID as etcdctl takes it: hex (`694d5765fc71500b`). */
export function leaseId(text: string): bigint {
  if (!/^(0x)?[0-9a-fA-F]{1,16}$/.test(text)) {
    throw new UsageError(`bad lease ID "${text}": expected hex, as lease grant prints it`);
  }
  return BigInt(`0x${text.replace(/^0x/, '')}`);
}

/** All of stdin, as bytes. */
export async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY === true) {
    throw new UsageError('missing VALUE (or pipe it on stdin)');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
