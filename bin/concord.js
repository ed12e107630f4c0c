#!/usr/bin/env node
// The `concord` command. Runs the compiled CLI (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('concord: dist/ is missing; run `npm run build` (npm ci does it for you)');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
