// Typed errors of the simulated kernel. A panic ends the simulated system: it is thrown through
// the emulator's run loop up to whoever drives the machine, which records the crash report.

import type { CrashReport } from './crash.js';

/** The kernel has crashed (panic). Carries the structured crash report. */
export class KernelPanic extends Error {
  readonly code = 'KERNEL_PANIC';
  override readonly name = 'KernelPanic';
  constructor(readonly report: CrashReport) {
    super(`Kernel panic: ${report.reason}`);
  }
}

/** A module object that cannot be loaded (malformed ELF, unknown symbol, bad relocation...). */
export class ModuleLoadError extends Error {
  readonly code = 'MODULE_LOAD';
  override readonly name = 'ModuleLoadError';
  constructor(readonly module: string, message: string) {
    super(`${module}: ${message}`);
  }
}

/** A request the kernel's host API cannot honour (programming error of the embedder). */
export class KernelUsageError extends Error {
  readonly code = 'KERNEL_USAGE';
  override readonly name = 'KernelUsageError';
}

/**
 * A kernel integrity check (BUG(), a list or skb check) failed: offered to the isolation
 * manager when the kernel was serving an isolated extension's call, before it becomes a crash.
 */
export class KernelBug extends Error {
  readonly code = 'KERNEL_BUG';
  override readonly name = 'KernelBug';
}
