/**
 * For commands that take another command after their own arguments (`lock NAME COMMAND...`):
 * splits argv after the first `count` positionals and any of OUR flags right after them
 * (`lock NAME --ttl 5 make`, as etcdctl takes it); the rest, from the first word that is not
 * one of our flags (or after `--`), is COMMAND with its own flags.
 */
import type { FlagOption } from '../args.js';

export function splitAfterPositionals(
  argv: readonly string[],
  options: Readonly<Record<string, FlagOption>>,
  count: number,
): { own: string[]; tail: string[] } {
  const takesValue = new Set<string>();
  const known = new Set<string>();
  for (const [name, option] of Object.entries(options)) {
    const names = [`--${name}`, ...(option.short === undefined ? [] : [`-${option.short}`])];
    for (const n of names) known.add(n);
    if (option.type === 'string') for (const n of names) takesValue.add(n);
  }
  const own: string[] = [];
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (seen === count && !known.has(arg.split('=')[0]!)) {
      const tail = argv.slice(i);
      return { own, tail: tail[0] === '--' ? tail.slice(1) : tail };
    }
    if (arg === '--') {
      own.push(...argv.slice(i + 1, i + 1 + (count - seen)));
      const tail = argv.slice(i + 1 + (count - seen));
      return { own, tail };
    }
    own.push(arg);
    if (!arg.startsWith('-')) seen += 1;
    else if (takesValue.has(arg) && !arg.includes('=') && i + 1 < argv.length) {
      own.push(argv[++i]!);
    }
  }
  return { own, tail: [] };
}

/**
 * The subcommand (`lease grant ...`): the first positional, wherever the flags put it (global
 * flags may come first: `concord --endpoints X lease grant 10` reaches here as
 * `--endpoints X grant 10`). Returns it and the other arguments.
 */
export function takeAction(
  argv: readonly string[],
  options: Readonly<Record<string, FlagOption>>,
): { action: string | undefined; rest: string[] } {
  const takesValue = new Set(
    Object.entries(options).flatMap(([name, option]) =>
      option.type === 'string'
        ? [`--${name}`, ...(option.short === undefined ? [] : [`-${option.short}`])]
        : [],
    ),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (!arg.startsWith('-')) {
      return { action: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    }
    if (takesValue.has(arg)) i += 1;
  }
  return { action: undefined, rest: [...argv] };
}
