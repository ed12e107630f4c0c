/**
 * Flag parsing for the `concord` subcommands other than `serve` (which has its own, with the
 * environment and a config file): node's parseArgs, strict, with its errors as UsageErrors.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './command-error.js';

export interface FlagOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

export interface ParsedArgs<Name extends string> {
  readonly values: Partial<Record<Name, string | boolean>>;
  readonly positionals: readonly string[];
  /** What followed a `--` (passed through untouched). */
  readonly rest: readonly string[];
}

export function parseFlags<Name extends string>(
  argv: readonly string[],
  options: Readonly<Record<Name, FlagOption>>,
): ParsedArgs<Name> {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash + 1);
  try {
    const parsed = parseArgs({ args: [...own], options, allowPositionals: true, strict: true });
    return {
      values: parsed.values as Partial<Record<Name, string | boolean>>,
      positionals: parsed.positionals,
      rest,
    };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A string flag's value, or `fallback`. */
export function stringFlag<Name extends string>(
  parsed: ParsedArgs<Name>,
  name: Name,
  fallback: string,
): string {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : fallback;
}

/** An integer flag's value (or `fallback`), refused as a usage error when not an integer. */
export function intFlag<Name extends string>(
  parsed: ParsedArgs<Name>,
  name: Name,
  fallback: number,
): number {
  const value = parsed.values[name];
  if (typeof value !== 'string') return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${name} must be an integer, got "${value}"`);
  }
  return n;
}

/** A duration flag as etcdctl writes them (`500ms`, `5s`, `2m`; a bare number is seconds). */
export function durationMsFlag<Name extends string>(
  parsed: ParsedArgs<Name>,
  name: Name,
  fallbackMs: number,
): number {
  const value = parsed.values[name];
  if (typeof value !== 'string') return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (match === null) {
    throw new UsageError(`--${name} must be a duration such as 500ms, 5s or 2m, got "${value}"`);
  }
  const unitMs = { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  return Math.round(Number(match[1]) * unitMs);
}

/**
 * etcdctl's boolean flags also take `--flag=true` and `--flag=false` (Go's pflag: scripts
 * write `--interactive=false`), which parseArgs refuses. Rewrites those of `names` before any
 * `--` to `--flag`, or drops them when false; returns the flags so turned off.
 */
export function pflagBooleans(
  argv: readonly string[],
  names: readonly string[],
): { argv: string[]; off: Set<string> } {
  const off = new Set<string>();
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const out: string[] = [];
  for (const arg of own) {
    const match = /^--([^=]+)=(true|false)$/.exec(arg);
    if (match === null || !names.includes(match[1]!)) {
      out.push(arg);
      continue;
    }
    if (match[2] === 'true') out.push(`--${match[1]}`);
    else off.add(match[1]!);
  }
  return { argv: dash === -1 ? out : [...out, ...argv.slice(dash)], off };
}
