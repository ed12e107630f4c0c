// The client commands' pure parts, without processes: etcdctl's txn syntax, argument
// splitting (global flags before the command, `lock NAME COMMAND...`, etcdctl's
// `--flag=false`), table alignment, JSON with 64-bit integers kept exact, and the load
// statistics' percentiles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pflagBooleans } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/command-error.js';
import { globalFlags } from '../../src/cli/commands/context.js';
import { hoistGlobalFlags } from '../../src/cli/commands/index.js';
import { loadStats, percentile } from '../../src/cli/commands/load.js';
import { splitAfterPositionals, takeAction } from '../../src/cli/commands/split-argv.js';
import { parseCompare, parseOp, words } from '../../src/cli/commands/txn.js';
import { jsonText, table } from '../../src/cli/output/format.js';

describe('concord client commands: parsing and formatting', () => {
  it("parses etcdctl's txn compares and operations", () => {
    assert.deepEqual(parseCompare('mod("key1") > "0"'), {
      key: Buffer.from('key1'),
      range: undefined,
      target: 'MOD',
      result: '>',
      operand: 0,
    });
    const value = parseCompare('value("a b") != "x \\"y\\""');
    assert.equal(value.target, 'VALUE');
    assert.equal(value.key.toString(), 'a b');
    assert.equal(value.operand.toString(), 'x "y"');
    assert.equal(parseCompare('lease("k") = "694d5765fc71500b"').operand, 0x694d5765fc71500bn);
    for (const bad of [
      'mod(key) > "0"',
      'nope("k") = "1"',
      'version("k") = "x"',
      'mod("k") >= "1"',
    ]) {
      assert.throws(() => parseCompare(bad), UsageError, bad);
    }
    assert.deepEqual(words('put k "two words" --prev-kv'), ['put', 'k', 'two words', '--prev-kv']);
    const put = parseOp('put k "v v" --lease 10');
    assert.equal(put.type, 'put');
    assert.ok(put.type === 'put' && put.value.toString() === 'v v' && put.options.lease === 16n);
    const get = parseOp('get a --prefix --limit 2');
    assert.ok(get.type === 'get' && get.options.prefix === true && get.options.limit === 2);
    assert.equal(parseOp('del a b').type, 'delete');
    for (const bad of ['put k', 'frob k', 'get', 'get a b c']) {
      assert.throws(() => parseOp(bad), UsageError, bad);
    }
  });

  it('moves leading global flags after the command, and splits `lock NAME COMMAND...`', () => {
    assert.deepEqual(hoistGlobalFlags(['--endpoints', 'h:1', '-w', 'json', 'get', 'k']), [
      'get',
      '--endpoints',
      'h:1',
      '-w',
      'json',
      'k',
    ]);
    assert.deepEqual(hoistGlobalFlags(['--endpoints=h:1', 'snapshot', 'save', 'f']), [
      'snapshot',
      'save',
      '--endpoints=h:1',
      'f',
    ]);
    assert.deepEqual(hoistGlobalFlags(['get', 'k']), ['get', 'k']);
    const options = { ...globalFlags, ttl: { type: 'string' as const } };
    assert.deepEqual(splitAfterPositionals(['--ttl', '5', 'L', 'sh', '-c', 'x'], options, 1), {
      own: ['--ttl', '5', 'L'],
      tail: ['sh', '-c', 'x'],
    });
    assert.deepEqual(
      splitAfterPositionals(['L', '--ttl=5', '-w', 'json', 'ls', '--ttl'], options, 1),
      {
        own: ['L', '--ttl=5', '-w', 'json'],
        tail: ['ls', '--ttl'],
      },
    );
    assert.deepEqual(splitAfterPositionals(['L', '--', 'ls', '-l'], options, 1), {
      own: ['L'],
      tail: ['ls', '-l'],
    });
    assert.deepEqual(takeAction(['--endpoints', 'h:1', 'grant', '10'], options), {
      action: 'grant',
      rest: ['--endpoints', 'h:1', '10'],
    });
    assert.deepEqual(takeAction(['list', '-w', 'json', '--cluster'], options), {
      action: 'list',
      rest: ['-w', 'json', '--cluster'],
    });
    assert.deepEqual(takeAction(['-w', 'json'], options), {
      action: undefined,
      rest: ['-w', 'json'],
    });
  });

  it("takes etcdctl's --flag=true and --flag=false for the named boolean flags", () => {
    const { argv, off } = pflagBooleans(
      ['add', 'u', '--interactive=false', '--prefix=true', '--other=false', '--', '--detail=true'],
      ['interactive', 'prefix', 'detail'],
    );
    assert.deepEqual(argv, ['add', 'u', '--prefix', '--other=false', '--', '--detail=true']);
    assert.deepEqual([...off], ['interactive']);
  });

  it('aligns table columns and writes 64-bit integers exactly', () => {
    const text = table(
      ['ID', 'NAME', 'SIZE'],
      [
        ['1', 'a', '25 kB'],
        ['12345', 'longer name', '3'],
      ],
    );
    const lines = text.trimEnd().split('\n');
    assert.ok(
      lines.every((l) => l.length === lines[0]!.length),
      text,
    );
    assert.equal(lines[3], '|     1 | a           | 25 kB |');
    assert.equal(
      jsonText({ id: 12483987493525893862n, skip: undefined, s: 'x' }),
      '{"id":12483987493525893862,"s":"x"}',
    );
  });

  it('computes nearest-rank percentiles and the spread', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 99.9), 100);
    assert.equal(percentile([], 99), 0);
    const stats = loadStats({ latenciesMs: [1, 3], errors: new Map([['x', 2]]), elapsedMs: 1000 });
    assert.equal(stats.averageMs, 2);
    assert.equal(stats.stddevMs, 1);
    assert.equal(stats.perSecond, 2);
    assert.equal(stats.errors, 2);
  });
});
