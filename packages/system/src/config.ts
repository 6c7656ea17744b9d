// One configuration describes a whole simulated computer: which extension (and which build of
// it: the correct object or a hand-made bug variant), natively or under Nooks, how much memory,
// the recovery policy, and the limits that turn a runaway extension into a hang or a livelock.
// Everything that comes from outside (a CLI flag, a file, a worker message) is validated here.

import type { RecoveryPolicy } from '@nooks/isolation';

export type Mode = 'native' | 'nooks';
export const MODES: readonly Mode[] = ['native', 'nooks'];

export type WorkloadName = 'receive-stream' | 'send-stream' | 'ping';
export const WORKLOADS: readonly WorkloadName[] = ['receive-stream', 'send-stream', 'ping'];

/** Extensions the system can build a machine for (their device model and workloads exist). */
export const SUPPORTED_EXTENSIONS: readonly string[] = ['e1000'];

export interface SystemConfig {
  /** The extension: 'e1000'. */
  readonly extension: string;
  /** The object to load as that extension (default: the extension's own; e.g. a bug variant 'e1000-double-free'). */
  readonly object?: string;
  readonly mode: Mode;
  /** Physical memory (default 64 MiB). */
  readonly memoryBytes?: number;
  /** Recovery policy under Nooks (default: the extension's policy file shipped with @nooks/isolation). */
  readonly policy?: RecoveryPolicy;
  /** The kernel's hang watchdog in simulated seconds (default 2). */
  readonly watchdogSeconds?: number;
  /** Nooks' livelock limit for one call into an extension, simulated seconds (default 0.5). */
  readonly livelockSeconds?: number;
  /** Capture every frame on the wire (SystemPcap). */
  readonly capture?: boolean;
  /** Faults to inject into the extension's code once it is loaded (the same plan in either mode). */
  readonly faults?: { readonly seed: number; readonly count: number };
  /** Called at every XPC under Nooks (traces). */
  readonly onXpc?: (direction: 'to-extension' | 'to-kernel', site: string, cycles: number) => void;
}

export class ConfigError extends Error {
  readonly code = 'NOOKS_BAD_CONFIG';
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const MIB = 1 << 20;

function positive(field: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw new ConfigError(field, `must be a number in (0, ${max}], not ${JSON.stringify(v)}`);
  return v;
}

/** Validates a configuration from outside; returns it with defaults filled in. */
export function validateConfig(value: unknown, knownObjects?: readonly string[]): Required<Omit<SystemConfig, 'policy' | 'onXpc' | 'faults'>> & Pick<SystemConfig, 'policy' | 'onXpc' | 'faults'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('config', 'must be an object');
  const o = value as Record<string, unknown>;
  const known = new Set(['extension', 'object', 'mode', 'memoryBytes', 'policy', 'watchdogSeconds', 'livelockSeconds', 'capture', 'faults', 'onXpc']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new ConfigError(k, `unknown field (fields: ${[...known].join(', ')})`);
  if (typeof o.extension !== 'string' || !SUPPORTED_EXTENSIONS.includes(o.extension)) {
    throw new ConfigError('extension', `unknown extension ${JSON.stringify(o.extension)} (supported: ${SUPPORTED_EXTENSIONS.join(', ')})`);
  }
  const object = o.object === undefined ? o.extension : o.object;
  if (typeof object !== 'string' || !(object === o.extension || object.startsWith(`${o.extension}-`))) {
    throw new ConfigError('object', `must be ${o.extension} or one of its variants (${o.extension}-...), not ${JSON.stringify(o.object)}`);
  }
  if (knownObjects && !knownObjects.includes(object)) throw new ConfigError('object', `no built object named ${object} (built: ${knownObjects.filter((n) => n.startsWith(o.extension as string)).join(', ')})`);
  if (o.mode !== 'native' && o.mode !== 'nooks') throw new ConfigError('mode', `must be "native" or "nooks", not ${JSON.stringify(o.mode)}`);
  const memoryBytes = o.memoryBytes === undefined ? 64 * MIB : positive('memoryBytes', o.memoryBytes, 1024 * MIB);
  if (memoryBytes % 4096 !== 0 || memoryBytes < 16 * MIB) throw new ConfigError('memoryBytes', 'must be a multiple of 4096 and at least 16 MiB');
  const watchdogSeconds = o.watchdogSeconds === undefined ? 2 : positive('watchdogSeconds', o.watchdogSeconds, 60);
  const livelockSeconds = o.livelockSeconds === undefined ? 0.5 : positive('livelockSeconds', o.livelockSeconds, 60);
  if (o.capture !== undefined && typeof o.capture !== 'boolean') throw new ConfigError('capture', 'must be true or false');
  let faults: SystemConfig['faults'];
  if (o.faults !== undefined) {
    const f = o.faults as Record<string, unknown>;
    if (typeof f !== 'object' || f === null || !Number.isSafeInteger(f.seed) || (f.seed as number) < 0 || !Number.isInteger(f.count) || (f.count as number) < 1 || (f.count as number) > 100) {
      throw new ConfigError('faults', 'must be { "seed": a non-negative integer, "count": 1..100 }');
    }
    faults = { seed: f.seed as number, count: f.count as number };
  }
  return {
    extension: o.extension,
    object,
    mode: o.mode,
    memoryBytes,
    watchdogSeconds,
    livelockSeconds,
    capture: o.capture === true,
    ...(o.policy !== undefined ? { policy: o.policy as RecoveryPolicy } : {}),
    ...(typeof o.onXpc === 'function' ? { onXpc: o.onXpc as SystemConfig['onXpc'] } : {}),
    ...(faults ? { faults } : {}),
  };
}
