/**
 * A new password for `user add` and `user passwd`, as etcdctl asks for it: typed twice at the
 * terminal without echo, or (with --interactive=false, or when stdin is no terminal) the
 * first line of stdin.
 */
import { createInterface } from 'node:readline';
import { CommandError } from './command-error.js';

export async function readNewPassword(name: string, interactive: boolean): Promise<string> {
  const stdin = process.stdin;
  let password: string;
  if (interactive && stdin.isTTY) {
    password = await askHidden(`Password of ${name}: `);
    const again = await askHidden(`Type password of ${name} again for confirmation: `);
    if (again !== password) throw new CommandError('given passwords are different');
  } else {
    password = await firstLine();
  }
  if (password === '') throw new CommandError('empty password');
  return password;
}

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

/**
 * One line typed at the terminal, not echoed (the prompt goes to stderr). Echo goes off
 * before the prompt shows: a password typed (or pasted) the moment it appears would
 * otherwise be echoed by the terminal before raw mode.
 */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(text);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new CommandError('no password given'));
          return;
        }
        text = ch === '\u007f' || ch === '\b' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
    process.stderr.write(prompt);
  });
}
