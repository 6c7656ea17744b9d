#!/usr/bin/env node
// The wrapgen executable (package.json "bin"). The command itself is runCli in cli-main.ts.

import { runCli } from './cli-main.js';

process.exitCode = runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  cwd: process.cwd(),
});
