// The CLI's entry for `node --import tsx src/cli/bin.ts` (tests and development); the installed
// command is bin/concord.js, which runs the compiled dist/cli/main.js.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
