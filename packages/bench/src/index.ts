export { OUTCOMES, TRACE_LIMIT, TRIAL_DEFAULTS, TrialSpecError, parseTrialId, runTrial, trialId, validateTrialSpec } from './trial.js';
export type { Outcome, TrialFailure, TrialFault, TrialResult, TrialSpec, XpcTraceEvent } from './trial.js';
