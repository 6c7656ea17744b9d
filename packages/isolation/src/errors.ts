import type { CrashReport } from '@nooks/kernel';

/** What detected an extension's failure (Nooks section 4.4). */
export type FailureTrigger = 'exception' | 'wrapper-check' | 'livelock' | 'resource-limit' | 'signal';

/**
 * An isolated extension failed: thrown where it is detected (a processor exception in its
 * domain, a wrapper's check, the livelock limit) and caught at the outermost call into its
 * domain, which unwinds the call and returns an error to the kernel.
 */
export class ExtensionFailure extends Error {
  readonly code = 'NOOKS_EXTENSION_FAILURE';
  override readonly name = 'ExtensionFailure';
  constructor(
    readonly extension: string,
    readonly trigger: FailureTrigger,
    readonly reason: string,
    readonly report: CrashReport,
  ) {
    super(`${extension}: ${reason}`);
  }
}

/** Misuse of the isolation manager's API (not an extension's fault). */
export class IsolationUsageError extends Error {
  readonly code = 'NOOKS_USAGE';
  override readonly name = 'IsolationUsageError';
}
