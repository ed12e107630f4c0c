/**
 * `concord txn [-i]`: etcdctl's txn. Reads, from stdin, the compares, a blank line, the
 * operations to run if they all hold, a blank line, and those to run otherwise:
 *
 *   mod("key1") > "0"
 *   value("key2") = "x"
 *
 *   put key1 "new value"
 *
 *   get key1
 *
 * Compares are `value|version|create|mod|lease("KEY") =|!=|>|< "OPERAND"`; operations are
 * `get KEY [RANGE_END] [--prefix] [--from-key] [--limit N]`, `put KEY VALUE [--lease ID]
 * [--prev-kv]` and `del KEY [RANGE_END] [--prefix] [--from-key] [--prev-kv]`. Prints SUCCESS or
 * FAILURE, then each response. A FAILURE (compares did not hold) still exits 0, as etcdctl.
 */
import { createInterface } from 'node:readline';
import {
  compare,
  op,
  type Compare,
  type CompareOperator,
  type Op,
  type TxnSpec,
} from '../../client/index.js';
import type { WireResponseOp, WireTxnResponse } from '../../client/proto.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../command-error.js';
import { jsonText } from '../output/format.js';
import { headerJson, kvJson, kvLines } from '../output/kv.js';
import { parseCommand, positionals, runClientCommand } from './context.js';
import { txnWire } from './kv-wire.js';
import { leaseId } from './put.js';

export const txnUsage = `usage: concord txn [-i] [flags] < TXN
  run a transaction read from stdin: compares, a blank line, success ops, a blank line,
  failure ops (etcdctl's format), e.g.
      mod("key1") > "0"

      put key1 "overwrote-key1"

      put key1 "created-key1"
  compares: value|version|create|mod|lease("KEY") =|!=|>|< "OPERAND"
  ops: get KEY [RANGE_END] [--prefix|--from-key] [--limit N]
       put KEY VALUE [--lease ID] [--prev-kv]
       del KEY [RANGE_END] [--prefix|--from-key] [--prev-kv]
  -i, --interactive   prompt for each part
  prints SUCCESS or FAILURE (the compares did not hold: still exit 0) and each response
`;

const flags = { interactive: { type: 'boolean', short: 'i' } } as const;

export function txn(argv: readonly string[]): Promise<number> {
  return runClientCommand('concord txn', txnUsage, argv, async () => {
    const { args, context } = parseCommand(argv, flags);
    positionals(args, []);
    const spec = await readTxn(args.values.interactive === true);
    const response = await txnWire(context.client(), spec);
    process.stdout.write(
      context.format === 'json' ? `${jsonText(txnJson(response))}\n` : txnText(response),
    );
    return 0;
  });
}

async function readTxn(interactive: boolean): Promise<TxnSpec> {
  const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const section = async (prompt: string): Promise<string[]> => {
    if (interactive) process.stdout.write(`${prompt}\n`);
    const out: string[] = [];
    for (;;) {
      const next = await lines.next();
      if (next.done === true) return out;
      const line = next.value.trim();
      if (line === '') return out;
      out.push(line);
    }
  };
  const compares = (await section('compares:')).map(parseCompare);
  const success = (await section('success requests (get, put, del):')).map(parseOp);
  const failure = (await section('failure requests (get, put, del):')).map(parseOp);
  return { compares, success, failure };
}

const targets = {
  value: 'value',
  val: 'value',
  version: 'version',
  ver: 'version',
  create: 'create',
  c: 'create',
  mod: 'mod',
  m: 'mod',
  lease: 'lease',
} as const;

export function parseCompare(line: string): Compare {
  const match = /^(\w+)\("((?:[^"\\]|\\.)*)"\)\s*(=|!=|>|<)\s*"((?:[^"\\]|\\.)*)"$/.exec(line);
  const target = match === null ? undefined : targets[match[1] as keyof typeof targets];
  if (match === null || target === undefined) {
    throw new UsageError(`malformed comparison: ${line}`);
  }
  const key = unquote(match[2]!);
  const operator = match[3] as CompareOperator;
  const operand = unquote(match[4]!);
  const integer = (): number => {
    const n = Number(operand);
    if (operand === '' || !Number.isSafeInteger(n)) {
      throw new UsageError(`malformed comparison: ${line} (${target} takes an integer)`);
    }
    return n;
  };
  switch (target) {
    case 'value':
      return compare.value(key, operator, operand);
    case 'version':
      return compare.version(key, operator, integer());
    case 'create':
      return compare.createRevision(key, operator, integer());
    case 'mod':
      return compare.modRevision(key, operator, integer());
    case 'lease':
      return compare.lease(key, operator, leaseId(operand));
  }
}

function unquote(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** Splits a line into words, with "double quoted" words and backslash escapes. */
export function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    out.push(match[1] !== undefined ? unquote(match[1]) : match[2]!);
  }
  return out;
}

const opFlags = {
  prefix: { type: 'boolean' },
  'from-key': { type: 'boolean' },
  'prev-kv': { type: 'boolean' },
  limit: { type: 'string' },
  lease: { type: 'string' },
} as const;

export function parseOp(line: string): Op {
  const [name, ...rest] = words(line);
  const parsed = parseFlags(rest, opFlags);
  const [key, second, extra] = [...parsed.positionals, ...parsed.rest];
  const v = parsed.values;
  if (key === undefined || extra !== undefined) throw new UsageError(`malformed request: ${line}`);
  const range = {
    prefix: v.prefix === true,
    fromKey: v['from-key'] === true,
    ...(second !== undefined && { rangeEnd: second }),
  };
  switch (name) {
    case 'get':
      return op.get(key, {
        ...range,
        ...(typeof v.limit === 'string' && { limit: Number(v.limit) }),
      });
    case 'put':
      if (second === undefined) throw new UsageError(`malformed request: ${line} (put KEY VALUE)`);
      return op.put(key, second, {
        prevKv: v['prev-kv'] === true,
        ...(typeof v.lease === 'string' && { lease: leaseId(v.lease) }),
      });
    case 'del':
    case 'delete':
      return op.delete(key, { ...range, prevKv: v['prev-kv'] === true });
    default:
      throw new UsageError(`malformed request: ${line} (get, put or del)`);
  }
}

/** etcdctl's simple txn output. */
export function txnText(response: WireTxnResponse): string {
  let text = response.succeeded ? 'SUCCESS\n' : 'FAILURE\n';
  for (const r of response.responses) {
    text += '\n';
    if (r.responsePut) {
      text += 'OK\n';
      if (r.responsePut.prevKv) text += kvLines(r.responsePut.prevKv);
    } else if (r.responseRange) {
      text += r.responseRange.kvs.map((kv) => kvLines(kv)).join('');
    } else if (r.responseDeleteRange) {
      text += `${r.responseDeleteRange.deleted}\n`;
      text += r.responseDeleteRange.prevKvs.map((kv) => kvLines(kv)).join('');
    }
  }
  return text;
}

function txnJson(response: WireTxnResponse): object {
  return {
    header: headerJson(response.header),
    succeeded: response.succeeded || undefined,
    responses: response.responses.length === 0 ? undefined : response.responses.map(responseJson),
  };
}

function responseJson(r: WireResponseOp): object {
  if (r.responsePut) {
    const p = r.responsePut;
    return {
      Response: {
        ResponsePut: {
          header: headerJson(p.header),
          prev_kv: p.prevKv ? kvJson(p.prevKv) : undefined,
        },
      },
    };
  }
  if (r.responseRange) {
    const g = r.responseRange;
    return {
      Response: {
        ResponseRange: {
          header: headerJson(g.header),
          kvs: g.kvs.length === 0 ? undefined : g.kvs.map(kvJson),
          more: g.more || undefined,
          count: BigInt(g.count) === 0n ? undefined : BigInt(g.count),
        },
      },
    };
  }
  const d = r.responseDeleteRange;
  return {
    Response: {
      ResponseDeleteRange: {
        header: headerJson(d?.header),
        deleted: BigInt(d?.deleted ?? 0) === 0n ? undefined : BigInt(d!.deleted),
        prev_kvs: d === null || d.prevKvs.length === 0 ? undefined : d.prevKvs.map(kvJson),
      },
    },
  };
}
