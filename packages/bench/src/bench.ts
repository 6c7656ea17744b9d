// `pnpm bench` (node dist/bench.js): campaign throughput here. Runs a campaign of 20 trials x 2
// modes (default trial size, 5 faults) on a temporary store with the default worker count, and
// prints trials per minute, simulated seconds per host second, the outcome table beside the
// paper's, and what the paper's full e1000 campaign (400 trials x 2 modes) would take here.

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from './campaign.js';
import { buildReport, formatReport, PAPER_CAMPAIGN } from './report.js';
import { openStore } from './store.js';

const TRIALS = Number(process.env.NOOKS_BENCH_TRIALS ?? 20);

const dir = mkdtempSync(join(tmpdir(), 'nooks-bench-'));
try {
  const store = openStore(join(dir, 'results.db'));
  const workers = availableParallelism();
  console.log(`campaign: e1000, receive-stream, ${TRIALS} trials x 2 modes, ${PAPER_CAMPAIGN.faultsPerTrial} faults each, ${workers} worker thread(s)`);
  let lastLine = 0;
  const summary = await runCampaign({
    store,
    spec: { extension: 'e1000', trials: TRIALS },
    workers,
    onProgress: (p) => {
      if (p.done === p.total || p.done - lastLine >= 10) {
        lastLine = p.done;
        console.log(`  ${p.done}/${p.total} trials, ${p.elapsedSeconds.toFixed(1)} s`);
      }
    },
  });
  const minutes = summary.elapsedSeconds / 60;
  const perMinute = summary.ran / minutes;
  const fullTrials = PAPER_CAMPAIGN.trialsPerExtension * 2;
  const fullMinutes = fullTrials / perMinute;
  console.log('');
  console.log(`host time                      ${summary.elapsedSeconds.toFixed(1)} s for ${summary.ran} trials`);
  console.log(`trials per minute              ${perMinute.toFixed(1)} (${workers} workers)`);
  console.log(`simulated s per host s         ${(summary.simulatedSeconds / summary.elapsedSeconds).toFixed(3)} (all workers; ${summary.simulatedSeconds.toFixed(1)} simulated s)`);
  console.log(`paper's e1000 campaign here    ~${fullMinutes.toFixed(1)} min for ${PAPER_CAMPAIGN.trialsPerExtension} trials x 2 modes (goal: under 10 min)`);
  console.log('');
  process.stdout.write(formatReport(buildReport(store), 'table'));
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
