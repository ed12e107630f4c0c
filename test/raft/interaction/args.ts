import type { ParsedCommand } from './script.js';

/** Typed access to a command's arguments, with errors that name the argument. */
export class Args {
  constructor(readonly cmd: ParsedCommand) {}

  /** Positional arguments as node IDs. */
  ids(): number[] {
    return this.cmd.positional.map((p) => toInt(p, 'node id'));
  }

  firstId(): number {
    return toInt(this.positional(0, 'a node id'), 'node id');
  }

  positional(i: number, what: string): string {
    const value = this.cmd.positional[i];
    if (value === undefined) throw new Error(`${this.cmd.name}: ${what} is required`);
    return value;
  }

  has(key: string): boolean {
    return this.cmd.keyed.has(key);
  }

  intList(key: string): number[] {
    return (this.cmd.keyed.get(key) ?? []).map((v) => toInt(v, key));
  }

  int(key: string): number | undefined {
    const values = this.cmd.keyed.get(key);
    return values === undefined ? undefined : toInt(values[0]!, key);
  }

  requiredInt(key: string): number {
    const value = this.int(key);
    if (value === undefined) throw new Error(`${this.cmd.name}: ${key}= is required`);
    return value;
  }

  bool(key: string): boolean | undefined {
    const value = this.cmd.keyed.get(key)?.[0];
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw new Error(`${key}: not a boolean: ${value}`);
    return value === 'true';
  }

  string(key: string): string | undefined {
    return this.cmd.keyed.get(key)?.[0];
  }
}

function toInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: not an integer: ${value}`);
  return n;
}
