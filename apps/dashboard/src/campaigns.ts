// The results store through the API: campaigns with their outcome counts, one campaign's report
// beside the paper's campaign, its trials (filtered, paged) and one stored trial.

import { OUTCOMES, PAPER_CAMPAIGN, StoreError, buildReport } from '@nooks/bench';
import type { CampaignRecord, Outcome, Report, ResultsStore, StoredTrial, TrialStatus } from '@nooks/bench';
import { ApiError } from './errors.js';

export type Mode = 'native' | 'nooks';
export type OutcomeCounts = Record<Outcome, number> & { total: number };

export interface CampaignSummary {
  readonly id: number;
  readonly name: string;
  readonly created: string;
  readonly spec: CampaignRecord['spec'];
  readonly counts: Partial<Record<Mode, OutcomeCounts>>;
}

export interface TrialRow {
  readonly trialId: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly outcome: Outcome | null;
  readonly status: TrialStatus;
  readonly summary: string;
}

function emptyCounts(): OutcomeCounts {
  return { ...(Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>), total: 0 };
}

/** Every campaign with its outcome counts per mode (a mode with no trials is absent). */
export function listCampaigns(store: ResultsStore): CampaignSummary[] {
  return store.listCampaigns().map((c) => {
    const counts: Partial<Record<Mode, OutcomeCounts>> = {};
    for (const row of store.countOutcomes([c.id])) {
      const m = (counts[row.mode] ??= emptyCounts());
      if (row.outcome) m[row.outcome] += row.count;
      m.total += row.count;
    }
    return { id: c.id, name: c.name, created: c.created, spec: c.spec, counts };
  });
}

export function getCampaign(store: ResultsStore, id: number): CampaignRecord {
  try {
    return store.getCampaign(id);
  } catch (e) {
    if (e instanceof StoreError && e.code === 'UNKNOWN_CAMPAIGN') {
      const known = store.listCampaigns().map((c) => c.id);
      throw new ApiError(404, 'UNKNOWN_CAMPAIGN', `no campaign with id ${id} (campaign ids: ${known.join(', ') || 'none; the store is empty'})`);
    }
    throw e;
  }
}

export interface CampaignDetail {
  readonly campaign: CampaignSummary;
  readonly report: Report;
  /** The paper's campaign (SOSP 2003, section 6), aggregated over its five extensions. */
  readonly paper: typeof PAPER_CAMPAIGN;
}

export function campaignDetail(store: ResultsStore, id: number): CampaignDetail {
  const c = getCampaign(store, id);
  const summary = listCampaigns(store).find((s) => s.id === c.id)!;
  return { campaign: summary, report: buildReport(store, { campaigns: [c.id] }), paper: PAPER_CAMPAIGN };
}

function summaryOf(t: StoredTrial): string {
  const r = t.result as { summary?: unknown; error?: unknown };
  if (typeof r.summary === 'string') return r.summary;
  if (typeof r.error === 'string') return `${t.status}: ${r.error}`;
  return t.status;
}

export function listTrials(store: ResultsStore, id: number, filter: { mode?: Mode; outcome?: Outcome; limit?: number; offset?: number }): { trials: TrialRow[]; total: number } {
  getCampaign(store, id);
  const all = store.readTrials(id).filter((t) => (filter.mode === undefined || t.mode === filter.mode) && (filter.outcome === undefined || t.outcome === filter.outcome));
  // Trial order: by seed, then mode, so native and Nooks of one seed sit together.
  all.sort((a, b) => a.seed - b.seed || a.mode.localeCompare(b.mode) || a.trialId.localeCompare(b.trialId));
  const offset = filter.offset ?? 0;
  const limit = filter.limit ?? 100;
  const trials = all.slice(offset, offset + limit).map((t) => ({ trialId: t.trialId, mode: t.mode, seed: t.seed, outcome: t.outcome, status: t.status, summary: summaryOf(t) }));
  return { trials, total: all.length };
}

export interface TrialDetail {
  /** The stored TrialResult (or `{ error }` for a trial whose worker died). */
  readonly trial: StoredTrial['result'];
  readonly status: TrialStatus;
  readonly outcome: Outcome | null;
  readonly campaignId: number;
  readonly attempts: number;
  readonly hostSeconds: number;
  readonly recorded: string;
}

export function getTrial(store: ResultsStore, campaignId: number, trialId: string): TrialDetail {
  const c = getCampaign(store, campaignId);
  const t = store.readTrials(c.id).find((x) => x.trialId === trialId);
  if (!t) throw new ApiError(404, 'UNKNOWN_TRIAL', `campaign ${c.id} (${c.name}) has no trial ${JSON.stringify(trialId)}; list its trials at /api/campaigns/${c.id}/trials`);
  return { trial: t.result, status: t.status, outcome: t.outcome, campaignId: c.id, attempts: t.attempts, hostSeconds: t.hostSeconds, recorded: t.recorded };
}
