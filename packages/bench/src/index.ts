export { OUTCOMES, TRACE_LIMIT, TRIAL_DEFAULTS, TrialSpecError, parseTrialId, runTrial, trialId, validateTrialSpec } from './trial.js';
export type { Outcome, TrialFailure, TrialFault, TrialResult, TrialSpec, XpcTraceEvent } from './trial.js';
export { ResultsStore, STORE_APPLICATION_ID, STORE_SCHEMA_VERSION, StoreError, TRIAL_STATUSES, isCampaignSpec, openStore } from './store.js';
export type { CampaignRecord, CampaignSpec, OpenStoreOptions, OutcomeCount, StoreErrorCode, StoredTrial, TrialRecordInput, TrialStatus } from './store.js';
export {
  CampaignError,
  DEFAULT_HOST_TIME_LIMIT_SECONDS,
  MAX_ATTEMPTS,
  campaignName,
  campaignTrials,
  defaultWorkerUrl,
  ensureCampaign,
  resolveCampaignSpec,
  runCampaign,
} from './campaign.js';
export type { CampaignErrorCode, CampaignInput, CampaignOptions, CampaignProgress, CampaignSummary } from './campaign.js';
export { PAPER_CAMPAIGN, REPORT_FORMATS, buildReport, formatReport } from './report.js';
export type { ComparisonRow, ModeCounts, Report, ReportFormat, ReportOptions } from './report.js';
export { BenchRunError, PAPER_PERFORMANCE, STREAM_WORKLOADS, measureStream, runPerformance } from './performance.js';
export type { BenchFigures, BenchPaper, BenchReport, BenchRow, StreamWorkload } from './performance.js';
