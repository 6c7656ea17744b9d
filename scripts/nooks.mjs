#!/usr/bin/env node
// `pnpm nooks ...`: runs the nooks CLI (apps/cli) once it exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const cli = new URL('../apps/cli/dist/main.js', import.meta.url).pathname;
if (!existsSync(new URL('../apps/cli/package.json', import.meta.url))) {
  console.error('nooks: the CLI (apps/cli) is not built yet in this version of Nooks Lab.');
  console.error('Available now: `pnpm bench` (emulator figures), `pnpm x86run FILE` (run an ELF32 program).');
  process.exit(2);
}
const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@nooks/cli...', '--output-logs=errors-only'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
