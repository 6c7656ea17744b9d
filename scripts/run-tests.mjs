#!/usr/bin/env node
// The README's test command (`pnpm test`): builds what the tests need, then runs typecheck,
// lint and every package's tests through turbo (continuing past failures so every package
// reports), and closes with one line totalling every package's tests:
//   N passed, N failed
// A typecheck or lint task that fails counts as one failed test, so they cannot rot silently.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = ['apps', 'packages', 'tooling']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p)))
  .filter((p) => existsSync(join(p, 'package.json')));

for (const ws of workspaces) rmSync(join(ws, 'test-results.json'), { force: true });

const extra = process.argv.slice(2);
const runsDir = join(root, '.turbo', 'runs');
rmSync(runsDir, { recursive: true, force: true });
const turbo = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'typecheck', 'lint', 'test', '--continue', '--output-logs=new-only', '--summarize', ...extra],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const ws of workspaces) {
  const file = join(ws, 'test-results.json');
  if (!existsSync(file)) continue;
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${file}: unreadable test report (${e.message})`);
    failed += 1;
    continue;
  }
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.success === false && (report.numFailedTests ?? 0) === 0) {
    // a suite that failed to load (syntax error, failing hook) has no failed test of its own
    problems.push(`${ws}: a test file failed to run`);
    failed += 1;
  }
}

// Failed turbo tasks that are not test runs (typecheck, lint, the builds they depend on) each
// count as one failure; a failed test task with no failed test of its own counts as one too.
if (turbo.status !== 0) {
  const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((f) => f.endsWith('.json')).sort() : [];
  const last = runs.at(-1);
  let counted = 0;
  if (last) {
    const run = JSON.parse(readFileSync(join(runsDir, last), 'utf8'));
    for (const t of run.tasks ?? []) {
      const code = t.execution?.exitCode;
      if (code === 0 || code === undefined || code === null) continue;
      if (t.task === 'test') {
        const file = join(root, t.directory ?? '', 'test-results.json');
        if (existsSync(file)) continue; // its failed tests are already counted
      }
      problems.push(`${t.taskId} failed (exit ${code})`);
      failed += 1;
      counted += 1;
    }
  }
  if (counted === 0 && failed === 0) {
    problems.push(`turbo exited with status ${turbo.status}`);
    failed += 1;
  }
}

for (const p of problems) console.log(`FAILED: ${p}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || turbo.status !== 0 ? 1 : 0;
