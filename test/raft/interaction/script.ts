/**
 * The data-driven script format (cockroachdb/datadriven's, as etcd-io/raft uses it):
 *
 *   # comments and blank lines are kept as they are
 *   command arg key=value key=(1,2,3)
 *   ----
 *   expected output, up to the next blank line or the end of the file
 *
 * Output never contains a blank line (the harness drops them), so a blank line always ends a
 * case. `renderScript` writes a script back with new outputs, for `REWRITE=1`.
 */

/** One command and the output the file says it produces. */
export interface ScriptCase {
  /** 1-based line of the command, for failure messages. */
  readonly line: number;
  readonly command: string;
  readonly expected: string;
}

export type ScriptPiece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'case'; readonly scriptCase: ScriptCase };

export const separator = '----';

export function parseScript(source: string): ScriptPiece[] {
  const lines = source.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const pieces: ScriptPiece[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      pieces.push({ kind: 'text', text: line });
      i++;
      continue;
    }
    if (lines[i + 1] !== separator) {
      throw new Error(`line ${i + 2}: expected '${separator}' after command '${line}'`);
    }
    const output: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j]!.trim() !== '') output.push(lines[j++]!);
    pieces.push({
      kind: 'case',
      scriptCase: { line: i + 1, command: line, expected: output.join('\n') },
    });
    i = j;
  }
  return pieces;
}

/** The script text with each case's output replaced by `outputs[k]` (in case order). */
export function renderScript(pieces: readonly ScriptPiece[], outputs: readonly string[]): string {
  const lines: string[] = [];
  let k = 0;
  for (const piece of pieces) {
    if (piece.kind === 'text') {
      lines.push(piece.text);
    } else {
      lines.push(piece.scriptCase.command, separator, outputs[k++]!);
    }
  }
  return lines.join('\n') + '\n';
}

/** A command line split into its name, positional arguments and key=value arguments. */
export interface ParsedCommand {
  readonly name: string;
  readonly positional: readonly string[];
  readonly keyed: ReadonlyMap<string, readonly string[]>;
}

/** Splits `name a b key=v key=(1,2)`; a quoted "..." positional may hold spaces. */
export function parseCommand(text: string): ParsedCommand {
  const tokens = text.match(/"[^"]*"|\S+=\([^)]*\)|\S+/g) ?? [];
  const [name, ...rest] = tokens;
  if (name === undefined) throw new Error('empty command');
  const positional: string[] = [];
  const keyed = new Map<string, string[]>();
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (token.startsWith('"') || eq < 0) {
      positional.push(token.startsWith('"') ? token.slice(1, -1) : token);
      continue;
    }
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    const values =
      value.startsWith('(') && value.endsWith(')')
        ? value
            .slice(1, -1)
            .split(',')
            .filter((v) => v !== '')
        : [value];
    keyed.set(key, [...(keyed.get(key) ?? []), ...values]);
  }
  return { name, positional, keyed };
}
