#!/usr/bin/env node
// `pnpm start`: the main job on the built-in defaults. Builds everything, then runs the e1000
// benchmarks natively and under Nooks, a fault campaign of the paper's size for the e1000
// (400 trials x native and Nooks, 5 faults each, on every core; about five minutes on 2
// cores), and prints the report beside the paper's figures. The campaign is stored in
// nooks-results.db: run it again and it resumes where it stopped (a finished one is reported
// again without rerunning anything). NOOKS_TRIALS=N sizes the campaign.
import { spawnSync } from 'node:child_process';

const trials = process.env.NOOKS_TRIALS ?? '400';
if (!/^[1-9][0-9]*$/.test(trials)) {
  console.error(`pnpm start: NOOKS_TRIALS must be a positive integer, not ${JSON.stringify(trials)}`);
  process.exit(2);
}
const cli = new URL('../apps/cli/dist/main.js', import.meta.url).pathname;
const run = (what, cmd, args) => {
  console.log(`\n=== ${what}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`pnpm start: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
};
run('build', 'pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
run('e1000 benchmarks, native vs Nooks', process.execPath, [cli, 'bench', '--extension', 'e1000']);
run(`fault campaign: e1000, ${trials} trials x native and Nooks, 5 faults each`, process.execPath, [cli, 'campaign', '--extension', 'e1000', '--trials', trials, '--db', 'nooks-results.db']);
run('report', process.execPath, [cli, 'report', '--db', 'nooks-results.db']);
