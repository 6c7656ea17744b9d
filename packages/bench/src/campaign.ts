// A campaign (DESIGN.md section 7, the paper's section 6): N trials of one extension in each mode,
// trial i with seed firstSeed+i and so the same faults natively and under Nooks. Trials run on a
// pool of worker threads (every core by default); the main thread writes each result to the
// results store the moment it arrives, in its own transaction, so a campaign killed at any
// moment resumes where it stopped: a run skips every trial id already stored for the campaign.
//
// Host failures are recorded, never silently dropped:
//   runaway      the trial ran past the host-time limit: its worker is terminated and replaced,
//                and the trial is stored with outcome 'hang' (to the paper, a machine that never
//                finishes its work is a hang; the status keeps it apart from simulated hangs).
//   worker-died  the worker died (or runTrial threw) twice on the trial: stored without outcome.
//                The first death is retried once on a fresh worker.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Mode } from '@nooks/system';
import { MODES } from '@nooks/system';
import { OUTCOMES, TRIAL_DEFAULTS, TrialSpecError, trialId, validateTrialSpec } from './trial.js';
import type { Outcome, TrialResult, TrialSpec } from './trial.js';
import { StoreError, openStore } from './store.js';
import type { CampaignRecord, CampaignSpec, ResultsStore, TrialStatus } from './store.js';

/** Host seconds a trial may run before it counts as a runaway. */
export const DEFAULT_HOST_TIME_LIMIT_SECONDS = 120;
/** A trial whose worker died is tried this many times in all. */
export const MAX_ATTEMPTS = 2;
/** Workers that die before they are ready, in a row, before the campaign gives up. */
const MAX_STARTUP_FAILURES = 3;

/** What the caller gives: extension and trials; everything else has the paper's default. */
export type CampaignInput = Pick<CampaignSpec, 'extension' | 'trials'> & Partial<CampaignSpec>;

export type CampaignErrorCode = 'NO_WORKER' | 'WORKER_FAILED' | 'BAD_WORKER_MESSAGE';

export class CampaignError extends Error {
  override readonly name = 'CampaignError';
  constructor(
    readonly code: CampaignErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CampaignProgress {
  readonly campaign: string;
  /** Trials in the campaign (trials x modes). */
  readonly total: number;
  /** Trials stored, including those of earlier runs. */
  readonly done: number;
  /** Trials that were already stored when this run started. */
  readonly skipped: number;
  /** Trials this run recorded. */
  readonly ran: number;
  /** Outcomes of every stored trial of the campaign (a runaway counts as 'hang'). */
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly runaway: number;
  readonly workerDied: number;
  readonly elapsedSeconds: number;
  /** Estimated host seconds to the end (null before the first trial of this run finishes). */
  readonly etaSeconds: number | null;
  readonly trialsPerMinute: number | null;
  readonly last?: { readonly trialId: string; readonly mode: Mode; readonly outcome: Outcome | null; readonly status: TrialStatus };
}

export interface CampaignSummary extends CampaignProgress {
  readonly campaignId: number;
  readonly spec: CampaignSpec;
  readonly workers: number;
  /** True when the signal stopped the run before every trial was stored. */
  readonly aborted: boolean;
  /** Simulated seconds of the trials this run completed. */
  readonly simulatedSeconds: number;
}

export interface CampaignOptions {
  /** A results store, or the path of one (opened, created if missing, and closed at the end). */
  readonly store: ResultsStore | string;
  readonly spec: CampaignInput;
  /** Campaign name (default campaignName(spec)); a run with an existing name resumes it. */
  readonly name?: string;
  /** Worker threads (default os.availableParallelism()). */
  readonly workers?: number;
  /** Host seconds before a trial is a runaway (default 120), or a limit per trial. */
  readonly hostTimeLimitSeconds?: number | ((spec: TrialSpec) => number);
  readonly onProgress?: (progress: CampaignProgress) => void;
  /** Stops the run (workers terminated, what was stored stays; resume later). */
  readonly signal?: AbortSignal;
  /** The worker script (default: dist/worker.js beside this module). */
  readonly workerUrl?: URL | string;
}

/** Fills in defaults and validates (TrialSpecError naming the bad field). */
export function resolveCampaignSpec(input: CampaignInput): CampaignSpec {
  const spec: CampaignSpec = {
    extension: input.extension,
    workload: input.workload ?? TRIAL_DEFAULTS.workload,
    trials: input.trials,
    faults: input.faults ?? TRIAL_DEFAULTS.faults,
    firstSeed: input.firstSeed ?? 0,
    modes: input.modes ?? MODES,
    ...(input.size !== undefined ? { size: input.size } : {}),
    ...(input.types !== undefined && input.types.length > 0 ? { types: input.types } : {}),
  };
  if (!Number.isSafeInteger(spec.trials) || spec.trials < 1 || spec.trials > 1_000_000) throw new TrialSpecError('trials', `must be an integer in 1..1000000, not ${JSON.stringify(spec.trials)}`);
  if (!Number.isSafeInteger(spec.firstSeed) || spec.firstSeed < 0) throw new TrialSpecError('firstSeed', `must be a non-negative integer, not ${JSON.stringify(spec.firstSeed)}`);
  if (spec.size !== undefined && (!Number.isSafeInteger(spec.size) || spec.size < 1)) throw new TrialSpecError('size', `must be a positive number of bytes, not ${JSON.stringify(spec.size)}`);
  if (spec.modes.length === 0 || new Set(spec.modes).size !== spec.modes.length) throw new TrialSpecError('modes', `must name native and/or nooks once each, not ${JSON.stringify(spec.modes)}`);
  for (const mode of spec.modes) validateTrialSpec(trialSpecOf(spec, mode, spec.firstSeed));
  return spec;
}

function trialSpecOf(spec: CampaignSpec, mode: Mode, seed: number): TrialSpec {
  return { extension: spec.extension, mode, workload: spec.workload, seed, faults: spec.faults, ...(spec.types ? { types: spec.types } : {}), ...(spec.size !== undefined ? { size: spec.size } : {}) };
}

/**
 * The default campaign name: what identifies its trials, but not their number, so that a later
 * run with more trials grows the same campaign.
 */
export function campaignName(spec: CampaignSpec): string {
  const parts = [spec.extension, spec.workload, `faults=${spec.faults}`];
  if (spec.firstSeed !== 0) parts.push(`first-seed=${spec.firstSeed}`);
  if (spec.size !== undefined) parts.push(`size=${spec.size}`);
  if (spec.types) parts.push(`types=${spec.types.join(',')}`);
  if (spec.modes.join(',') !== MODES.join(',')) parts.push(`modes=${spec.modes.join(',')}`);
  return parts.join('/');
}

/** The trials of a campaign in the order they are dispatched: trial i in each mode, i ascending. */
export function campaignTrials(spec: CampaignSpec): TrialSpec[] {
  const out: TrialSpec[] = [];
  for (let i = 0; i < spec.trials; i++) for (const mode of spec.modes) out.push(trialSpecOf(spec, mode, spec.firstSeed + i));
  return out;
}

/** Finds the campaign of that name (checking it runs the same trials) or creates it. */
export function ensureCampaign(store: ResultsStore, spec: CampaignSpec, name: string = campaignName(spec)): CampaignRecord {
  const found = store.findCampaign(name);
  if (!found) return store.createCampaign(name, spec);
  const identity = (s: CampaignSpec): string => JSON.stringify({ ...s, trials: 0, types: s.types ?? [], size: s.size ?? null, modes: [...s.modes] });
  if (identity(found.spec) !== identity(spec)) {
    throw new StoreError('CAMPAIGN_MISMATCH', store.path, `campaign ${JSON.stringify(name)} exists with other settings (${JSON.stringify(found.spec)}); pick another name or the same settings`);
  }
  if (spec.trials > found.spec.trials) {
    store.updateCampaignSpec(found.id, { ...found.spec, trials: spec.trials });
    return { ...found, spec: { ...found.spec, trials: spec.trials } };
  }
  return found;
}

/** dist/worker.js: beside this module once built; from the sources (tests), in ../dist. */
export function defaultWorkerUrl(): URL {
  const candidates = [new URL('./worker.js', import.meta.url), new URL('../dist/worker.js', import.meta.url)];
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url;
  throw new CampaignError('NO_WORKER', `the campaign worker script is missing (looked for ${candidates.map((u) => fileURLToPath(u)).join(' and ')}); build @nooks/bench first (pnpm --filter @nooks/bench build)`);
}

interface Job {
  readonly spec: TrialSpec;
  readonly id: string;
  readonly attempt: number;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  gone: boolean;
  job: Job | undefined;
  jobNo: number;
  timer: NodeJS.Timeout | undefined;
}

type WorkerMessage = { type: 'ready' } | { type: 'result'; job: number; json: string } | { type: 'error'; job: number; message: string };

function parseWorkerMessage(m: unknown): WorkerMessage {
  if (typeof m === 'object' && m !== null) {
    const r = m as Record<string, unknown>;
    if (r.type === 'ready') return { type: 'ready' };
    if (r.type === 'result' && Number.isInteger(r.job) && typeof r.json === 'string') return { type: 'result', job: r.job as number, json: r.json };
    if (r.type === 'error' && Number.isInteger(r.job) && typeof r.message === 'string') return { type: 'error', job: r.job as number, message: r.message };
  }
  throw new CampaignError('BAD_WORKER_MESSAGE', `a campaign worker sent an unexpected message: ${JSON.stringify(m)?.slice(0, 200)}`);
}

function parseResult(json: string, job: Job): TrialResult {
  const r = JSON.parse(json) as unknown;
  if (typeof r !== 'object' || r === null) throw new CampaignError('BAD_WORKER_MESSAGE', `trial ${job.id}: the worker's result is not an object`);
  const o = r as Record<string, unknown>;
  if (o.id !== job.id || !(OUTCOMES as readonly unknown[]).includes(o.outcome) || typeof o.hostSeconds !== 'number' || typeof o.simulatedSeconds !== 'number') {
    throw new CampaignError('BAD_WORKER_MESSAGE', `trial ${job.id}: the worker's result is malformed (id ${JSON.stringify(o.id)}, outcome ${JSON.stringify(o.outcome)})`);
  }
  return r as TrialResult;
}

function emptyOutcomes(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
}

/** Runs (or resumes) a campaign to the end, or until the signal aborts it. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const requested = resolveCampaignSpec(options.spec);
  const ownStore = typeof options.store === 'string';
  const store = typeof options.store === 'string' ? openStore(options.store) : options.store;
  try {
    const campaign = ensureCampaign(store, requested, options.name);
    return await runPool(store, campaign, requested, options);
  } finally {
    if (ownStore) store.close();
  }
}

function runPool(store: ResultsStore, campaign: CampaignRecord, spec: CampaignSpec, options: CampaignOptions): Promise<CampaignSummary> {
  const all = campaignTrials(spec);
  const stored = store.doneTrials(campaign.id);
  const outcomes = emptyOutcomes();
  let runaway = 0;
  let workerDied = 0;
  let skipped = 0;
  const queue: Job[] = [];
  for (const t of all) {
    const id = trialId(t);
    const prev = stored.get(id);
    if (!prev) {
      queue.push({ spec: t, id, attempt: 1 });
      continue;
    }
    skipped++;
    if (prev.outcome) outcomes[prev.outcome]++;
    if (prev.status === 'runaway') runaway++;
    if (prev.status === 'worker-died') workerDied++;
  }
  const total = all.length;
  const workers = options.workers ?? availableParallelism();
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 1024) throw new TrialSpecError('workers', `must be an integer in 1..1024, not ${JSON.stringify(workers)}`);
  const wanted = Math.max(1, Math.min(workers, queue.length));
  const limit = options.hostTimeLimitSeconds ?? DEFAULT_HOST_TIME_LIMIT_SECONDS;
  const url = queue.length > 0 ? (options.workerUrl ?? defaultWorkerUrl()) : undefined;
  const t0 = performance.now();
  let ran = 0;
  let simulatedSeconds = 0;
  let last: CampaignProgress['last'];

  const progress = (): CampaignProgress => {
    const elapsedSeconds = (performance.now() - t0) / 1000;
    const done = skipped + ran;
    const rate = ran > 0 && elapsedSeconds > 0 ? ran / elapsedSeconds : null;
    return {
      campaign: campaign.name,
      total,
      done,
      skipped,
      ran,
      outcomes: { ...outcomes },
      runaway,
      workerDied,
      elapsedSeconds,
      etaSeconds: rate ? (total - done) / rate : done === total ? 0 : null,
      trialsPerMinute: rate ? rate * 60 : null,
      ...(last ? { last } : {}),
    };
  };

  return new Promise<CampaignSummary>((resolve, reject) => {
    const slots = new Set<Slot>();
    let finished = false;
    let jobCounter = 0;
    let startupFailures = 0;

    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      options.signal?.removeEventListener('abort', onAbort);
      const stopping: Array<Promise<number>> = [];
      for (const s of slots) {
        s.gone = true;
        if (s.timer) clearTimeout(s.timer);
        stopping.push(s.worker.terminate());
      }
      slots.clear();
      // Resolve once every worker is gone, so nothing runs on after the caller moves on.
      void Promise.allSettled(stopping).then(() => {
        if (error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve({ ...progress(), campaignId: campaign.id, spec, workers: wanted, aborted: skipped + ran < total, simulatedSeconds });
      });
    };
    const guard = (fn: () => void): void => {
      if (finished) return;
      try {
        fn();
      } catch (e) {
        finish(e);
      }
    };
    const onAbort = (): void => finish();

    const record = (job: Job, status: TrialStatus, outcome: Outcome | null, hostSeconds: number, result: TrialResult | { error: string }, simSeconds: number | null): void => {
      store.recordTrial(campaign.id, {
        trialId: job.id,
        extension: job.spec.extension,
        mode: job.spec.mode,
        seed: job.spec.seed,
        outcome,
        status,
        attempts: job.attempt,
        hostSeconds,
        simulatedSeconds: simSeconds,
        result,
      });
      ran++;
      if (outcome) outcomes[outcome]++;
      if (status === 'runaway') runaway++;
      if (status === 'worker-died') workerDied++;
      if (simSeconds !== null) simulatedSeconds += simSeconds;
      last = { trialId: job.id, mode: job.spec.mode, outcome, status };
      options.onProgress?.(progress());
    };

    const busy = (): boolean => [...slots].some((s) => s.job !== undefined);
    const maybeDone = (): void => {
      if (queue.length === 0 && !busy()) finish();
    };
    const topUp = (): void => {
      if (finished) return; // e.g. an onProgress callback aborted the run
      // Keep the pool at its size while there is work no live worker has taken.
      let idle = [...slots].filter((s) => !s.job).length;
      while (slots.size < wanted && queue.length > idle) {
        spawn();
        idle++;
      }
      for (const s of slots) dispatch(s);
    };

    /** A failed attempt (worker died or runTrial threw): retried once, then recorded. */
    const failed = (job: Job, why: string, hostSeconds: number): void => {
      if (job.attempt < MAX_ATTEMPTS) queue.unshift({ ...job, attempt: job.attempt + 1 });
      else record(job, 'worker-died', null, hostSeconds, { error: why }, null);
    };

    const dispatch = (slot: Slot): void => {
      if (finished || slot.gone || !slot.ready || slot.job) return;
      const job = queue.shift();
      if (!job) return;
      slot.job = job;
      slot.jobNo = ++jobCounter;
      const started = performance.now();
      slot.worker.postMessage({ type: 'run', job: slot.jobNo, attempt: job.attempt, spec: job.spec, ...(spec.size !== undefined ? { size: spec.size } : {}) });
      const seconds = typeof limit === 'function' ? limit(job.spec) : limit;
      slot.timer = setTimeout(() => guard(() => onRunaway(slot, job, (performance.now() - started) / 1000)), Math.max(0, seconds * 1000));
    };

    const onRunaway = (slot: Slot, job: Job, hostSeconds: number): void => {
      if (slot.gone || slot.job !== job) return;
      retire(slot);
      record(job, 'runaway', 'hang', hostSeconds, { error: `ran past the host-time limit (${hostSeconds.toFixed(3)} s); worker terminated` }, null);
      topUp();
      maybeDone();
    };

    const retire = (slot: Slot): void => {
      slot.gone = true;
      if (slot.timer) clearTimeout(slot.timer);
      slots.delete(slot);
      void slot.worker.terminate();
    };

    const onDeath = (slot: Slot, why: string): void => {
      if (slot.gone) return;
      const job = slot.job;
      retire(slot);
      if (!slot.ready && ++startupFailures >= MAX_STARTUP_FAILURES) {
        // a worker script that cannot even load would otherwise be replaced forever
        throw new CampaignError('WORKER_FAILED', `campaign workers die before they start (${String(url)}): ${why}`);
      }
      if (job) failed(job, `worker ${why}`, 0);
      topUp();
      maybeDone();
    };

    const onMessage = (slot: Slot, raw: unknown): void => {
      if (slot.gone) return;
      const m = parseWorkerMessage(raw);
      if (m.type === 'ready') {
        slot.ready = true;
        startupFailures = 0;
        dispatch(slot);
        return;
      }
      const job = slot.job;
      if (!job || m.job !== slot.jobNo) return; // a late answer to a trial already given up on
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.job = undefined;
      if (m.type === 'result') {
        const result = parseResult(m.json, job);
        record(job, 'done', result.outcome, result.hostSeconds, result, result.simulatedSeconds);
      } else {
        failed(job, m.message, 0);
      }
      topUp();
      maybeDone();
    };

    const spawn = (): void => {
      if (!url || finished) return;
      const worker = new Worker(url);
      const slot: Slot = { worker, ready: false, gone: false, job: undefined, jobNo: -1, timer: undefined };
      slots.add(slot);
      worker.on('message', (m: unknown) => guard(() => onMessage(slot, m)));
      worker.on('error', (e: Error) => guard(() => onDeath(slot, `failed: ${e.message}`)));
      worker.on('exit', (code: number) => guard(() => onDeath(slot, `exited (code ${code})`)));
    };

    if (options.signal?.aborted) {
      finish();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    guard(() => {
      options.onProgress?.(progress());
      if (queue.length === 0) finish();
      else topUp();
    });
  });
}
