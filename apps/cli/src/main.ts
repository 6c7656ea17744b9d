#!/usr/bin/env node
// The `nooks` bin: runs the CLI on the process's arguments and streams. Ctrl-C aborts a running
// campaign cleanly (what was stored stays; a second Ctrl-C exits at once).

import { main } from './cli.js';
import { processIo } from './io.js';

// `nooks inspect e1000 | head`: a closed pipe ends the program quietly, as for other Unix tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
// pnpm forwards `pnpm nooks -- trial ...` with the separator; drop a leading one.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();
// Only a campaign keeps the main thread free to hear Ctrl-C (its trials run on workers); every
// other command keeps node's default (exit at once).
const controller = new AbortController();
if (argv[0] === 'campaign') {
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
}
main(argv, processIo(controller.signal)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    process.stderr.write(`nooks: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
