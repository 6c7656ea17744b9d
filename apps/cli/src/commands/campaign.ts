// `nooks campaign`: N trials of an extension in each mode (trial i uses seed first-seed+i, so the
// same faults natively and under Nooks) on a pool of worker threads, each result written to the
// results store as it arrives. Run again with the same flags to resume a stopped campaign, or
// with more --trials to grow it.

import { availableParallelism } from 'node:os';
import { DEFAULT_HOST_TIME_LIMIT_SECONDS, TRIAL_DEFAULTS, buildReport, campaignName, formatReport, openStore, resolveCampaignSpec, runCampaign } from '@nooks/bench';
import type { CampaignProgress, CampaignSummary } from '@nooks/bench';
import { FAULT_TYPES } from '@nooks/faults';
import { MODES, WORKLOADS } from '@nooks/system';
import type { Mode } from '@nooks/system';
import { booleanFlag, choiceFlag, faultTypesFlag, integerFlag, requiredFlag, stringFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { requireSupportedExtension } from '../extensions.js';
import { duration, f1, jsonLine } from '../format.js';
import { progressView } from '../progress.js';
import { DEFAULT_DB, dbPath } from '../store-path.js';

/** Exit status of a campaign stopped by Ctrl-C (128 + SIGINT): what was stored stays. */
export const EXIT_INTERRUPTED = 130;

export const campaignCommand = defineCommand({
  name: 'campaign',
  summary: 'run a fault-injection campaign in both modes into the results store',
  usage: 'nooks campaign --extension NAME --trials N [--faults K] [--db FILE] [--workers K] [--json]',
  help: `
Runs N trials of the extension in each mode (native and nooks): trial i injects K faults planned
from seed first-seed+i, the same faults in both modes. Trials run on a pool of worker threads;
each finished trial is written at once to the results store (SQLite, WAL), so a campaign stopped
at any moment (Ctrl-C, kill, power) resumes where it stopped when run again with the same flags,
with nothing lost or run twice; more --trials grows it. A trial that runs away on the host is
stopped and recorded as a hang; a worker that dies is replaced and its trial retried once.
On a terminal a progress bar shows the count, rate, ETA and live outcome counts; otherwise one
line per finished trial. At the end: the outcome table of the campaign beside the paper's.

  --extension NAME     the extension (supported: e1000)
  --trials N           trials per mode, 1 to 1000000
  --faults K           faults per trial, 0 to 100 (default ${TRIAL_DEFAULTS.faults})
  --db FILE            the results store (default ./${DEFAULT_DB}; created if missing; a file
                       that is not a results store is refused and left unchanged)
  --workers K          worker threads, 1 to 256 (default: every core, here ${availableParallelism()})
  --workload W         ${WORKLOADS.join(', ')} (default ${TRIAL_DEFAULTS.workload})
  --first-seed S       seed of trial 0 (default 0)
  --types a,b          draw faults only from these types (default: all):
                       ${FAULT_TYPES.join(', ')}
  --mode MODE          run only native or only nooks (default: both)
  --name NAME          campaign name (default: derived from the settings, e.g.
                       e1000/receive-stream/faults=5); an existing name resumes that campaign
  --host-limit SEC     host seconds before a trial counts as a runaway (default ${DEFAULT_HOST_TIME_LIMIT_SECONDS})
  --json               print a summary object at the end (schema in the README); progress goes
                       to stderr
  -h, --help           this help

Exit status: 0 the campaign is complete in the store; 2 bad usage; 1 failure (a store that is
not a Nooks Lab results store, or is damaged; no worker script); 130 interrupted (run the same
command again to resume).`,
  options: {
    extension: { type: 'string' },
    trials: { type: 'string' },
    faults: { type: 'string' },
    db: { type: 'string' },
    workers: { type: 'string' },
    workload: { type: 'string' },
    'first-seed': { type: 'string' },
    types: { type: 'string' },
    mode: { type: 'string' },
    name: { type: 'string' },
    'host-limit': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const extension = requireSupportedExtension(requiredFlag(args, 'extension', 'e.g. --extension e1000'));
    if (args.values.trials === undefined) throw new UsageError('--trials is required (trials per mode, e.g. --trials 20)');
    const trials = integerFlag(args, 'trials', { min: 1, max: 1_000_000 })!;
    const faults = integerFlag(args, 'faults', { min: 0, max: 100 }) ?? TRIAL_DEFAULTS.faults;
    const workers = integerFlag(args, 'workers', { min: 1, max: 256 });
    const workload = choiceFlag(args, 'workload', WORKLOADS) ?? TRIAL_DEFAULTS.workload;
    const firstSeed = integerFlag(args, 'first-seed', { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? 0;
    const types = faultTypesFlag(args);
    const mode = choiceFlag(args, 'mode', MODES);
    const hostLimit = integerFlag(args, 'host-limit', { min: 1, max: 86_400 }) ?? DEFAULT_HOST_TIME_LIMIT_SECONDS;
    const modes: readonly Mode[] = mode ? [mode] : MODES;
    const spec = resolveCampaignSpec({ extension, trials, faults, workload, firstSeed, modes, ...(types ? { types } : {}) });
    const name = stringFlag(args, 'name') ?? campaignName(spec);
    const json = booleanFlag(args, 'json');
    const path = dbPath(args, io);

    // Opened here (not by runCampaign) so that a foreign or damaged file is refused before any
    // worker starts, and so the final report reads the same connection.
    const store = openStore(path);
    let summary: CampaignSummary;
    const view = progressView(json ? io.stderr : io.stdout, io.now);
    try {
      try {
        summary = await runCampaign({
          store,
          spec,
          name,
          hostTimeLimitSeconds: hostLimit,
          onProgress: (p: CampaignProgress) => view.update(p),
          ...(workers !== undefined ? { workers } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
        });
      } finally {
        view.done();
      }
      const out = io.stdout;
      if (json) {
        out.write(
          jsonLine({
            campaign: summary.campaign,
            campaignId: summary.campaignId,
            db: path,
            spec: summary.spec,
            total: summary.total,
            done: summary.done,
            ran: summary.ran,
            skipped: summary.skipped,
            outcomes: summary.outcomes,
            runaway: summary.runaway,
            workerDied: summary.workerDied,
            aborted: summary.aborted,
            workers: summary.workers,
            elapsedSeconds: summary.elapsedSeconds,
            trialsPerMinute: summary.trialsPerMinute,
            simulatedSeconds: summary.simulatedSeconds,
          }),
        );
      } else {
        const rate = summary.trialsPerMinute === null ? '' : `, ${f1(summary.trialsPerMinute)} trials/min`;
        const sim = summary.elapsedSeconds > 0 && summary.ran > 0 ? `, ${f1(summary.simulatedSeconds / summary.elapsedSeconds)} simulated s per host s` : '';
        out.write(`\ncampaign ${summary.campaign} in ${path}\n`);
        out.write(`${summary.done} of ${summary.total} trials stored: ran ${summary.ran} now (${summary.skipped} already stored) in ${duration(summary.elapsedSeconds)} on ${summary.workers} worker(s)${rate}${sim}\n\n`);
        out.write(formatReport(buildReport(store, { campaigns: [summary.campaignId] }), 'table'));
      }
      if (summary.aborted) {
        io.stderr.write(`nooks campaign: interrupted with ${summary.done} of ${summary.total} trials stored; run the same command again to resume\n`);
        return EXIT_INTERRUPTED;
      }
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
});
