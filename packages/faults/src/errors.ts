// Typed errors: a plan that cannot be made (bad options, no sites) and a plan that cannot be
// applied (the code at a fault's place is not what the plan was made from).

export type FaultPlanErrorCode = 'UNKNOWN_FAULT_TYPE' | 'INVALID_COUNT' | 'INVALID_SEED' | 'INVALID_OPTIONS' | 'NO_SITES' | 'INVALID_PLAN';

/** Options for planFaults or a serialised plan are invalid, or the code has too few fault sites. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
  constructor(readonly code: FaultPlanErrorCode, message: string) {
    super(message);
  }
}

export type FaultApplyErrorCode = 'CODE_MISMATCH' | 'OUT_OF_RANGE';

/** A fault cannot be written: the target's bytes differ from the plan's, or its place is outside the target. */
export class FaultApplyError extends Error {
  override readonly name = 'FaultApplyError';
  constructor(readonly code: FaultApplyErrorCode, message: string) {
    super(message);
  }
}
