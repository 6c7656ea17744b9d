// A trial (DESIGN.md section 7): boot the machine, load the extension (natively or isolated),
// inject k faults into its code (or load a hand-made bug variant instead), run the workload for
// a bounded simulated time, and classify what happened, as the paper did:
//
//   no-effect     the workload completed intact and nothing was reported
//   recovered     Nooks detected a failure, recovered, and the workload completed intact
//   non-fatal     the system survived but something went wrong: an oops, a failure Nooks
//                 could not bring back (disabled), data lost or corrupted, a stalled workload
//   system-crash  the kernel panicked
//   hang          the kernel's watchdog saw no progress (deadlock, livelock with interrupts off)
//
// A trial is a pure function of its spec: its id encodes the spec, and running it again gives
// the same outcome and figures, on any worker.

import { performance } from 'node:perf_hooks';
import { FAULT_TYPES } from '@nooks/faults';
import type { FaultType } from '@nooks/faults';
import type { CrashReport } from '@nooks/kernel';
import { ConfigError, MODES, NooksSystem, SUPPORTED_EXTENSIONS, WORKLOADS, runWorkload } from '@nooks/system';
import type { Mode, WorkloadName, WorkloadResult } from '@nooks/system';

export type Outcome = 'no-effect' | 'recovered' | 'non-fatal' | 'system-crash' | 'hang';
export const OUTCOMES: readonly Outcome[] = ['no-effect', 'recovered', 'non-fatal', 'system-crash', 'hang'];

export interface TrialSpec {
  readonly extension: string;
  readonly mode: Mode;
  readonly workload: WorkloadName;
  /** Seed of the fault plan. */
  readonly seed: number;
  /** Faults injected (default 5); 0 with a bug. */
  readonly faults: number;
  /** A hand-made bug variant loaded instead of injecting faults (e.g. 'e1000-double-free'). */
  readonly bug?: string;
  /** Fault types to draw from (default: all). */
  readonly types?: readonly FaultType[];
  /** Stream size in bytes, when not the default (part of the id, so a replay is exact). */
  readonly size?: number;
}

export interface TrialFault {
  readonly type: string;
  readonly symbol: string;
  readonly address: number;
  readonly before: string;
  readonly after: string;
  readonly note: string;
}

export interface TrialFailure {
  readonly trigger: string;
  readonly reason: string;
  readonly site: string;
  readonly detectedAt: number;
  readonly recoveredAt?: number;
  readonly action?: string;
  readonly timeline: ReadonlyArray<{ event: string; cycles: number; detail?: string }>;
}

export interface XpcTraceEvent {
  readonly cycles: number;
  readonly direction: 'to-extension' | 'to-kernel';
  readonly site: string;
}

export interface TrialResult {
  readonly id: string;
  readonly spec: TrialSpec;
  readonly outcome: Outcome;
  /** One line saying why the outcome is what it is. */
  readonly summary: string;
  readonly faults: readonly TrialFault[];
  /** The kernel's crash (panic/hang), or its first oops. */
  readonly crash?: CrashReport;
  /** Nooks' failures and recoveries. */
  readonly failures: readonly TrialFailure[];
  readonly workload: WorkloadResult;
  /** XPCs in the whole trial (0 natively). */
  readonly xpcs: number;
  readonly simulatedSeconds: number;
  /** The last kernel log lines. */
  readonly log: readonly string[];
  /** With `trace`: every XPC (capped at TRACE_LIMIT events). */
  readonly trace?: readonly XpcTraceEvent[];
  /** Wall-clock time the trial took on the host (not part of the deterministic result). */
  readonly hostSeconds: number;
}

export const TRACE_LIMIT = 200_000;

/** What a trial runs: stream size and simulated-time bounds, chosen so a campaign fits its budget. */
export const TRIAL_DEFAULTS = {
  workload: 'receive-stream' as WorkloadName,
  faults: 5,
  /** 512 KiB of stream (about 360 full-size frames). */
  size: 512 << 10,
  /** With a hand-made bug: 1 MiB, so that both rings wrap (some bugs wait for that). */
  bugSize: 1 << 20,
  /**
   * Simulated seconds the workload may take before it counts as not completed: long enough for
   * TCP to retransmit a lost SYN twice (1 s, then 2 s) while a driver is being recovered.
   */
  timeLimitSeconds: 4,
  /** The kernel watchdog and Nooks' livelock limit, simulated seconds. */
  watchdogSeconds: 0.1,
  livelockSeconds: 0.05,
};

export class TrialSpecError extends ConfigError {}

/** The id of a trial: every field of its spec, so that the id alone replays it. */
export function trialId(spec: TrialSpec): string {
  const base = `${spec.extension}/${spec.mode}/${spec.workload}`;
  const size = spec.size !== undefined ? `/size=${spec.size}` : '';
  if (spec.bug) return `${base}/bug=${spec.bug}${size}`;
  const types = spec.types && spec.types.length > 0 ? `/types=${[...spec.types].join(',')}` : '';
  return `${base}/seed=${spec.seed}/faults=${spec.faults}${types}${size}`;
}

/** Parses a trial id back into its spec (TrialSpecError naming what is wrong). */
export function parseTrialId(id: string): TrialSpec {
  const parts = id.split('/');
  const fail = (msg: string): never => {
    throw new TrialSpecError('trial id', `${JSON.stringify(id)}: ${msg} (form: EXT/MODE/WORKLOAD/seed=S/faults=K[/types=a,b][/size=N] or EXT/MODE/WORKLOAD/bug=NAME[/size=N])`);
  };
  if (parts.length < 4 || parts.length > 7) fail('wrong number of parts');
  const [extension, mode, workload, ...rest] = parts as [string, string, string, ...string[]];
  const kv = new Map<string, string>();
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i <= 0) fail(`bad part ${JSON.stringify(p)}`);
    kv.set(p.slice(0, i), p.slice(i + 1));
  }
  for (const key of kv.keys()) if (!['bug', 'seed', 'faults', 'types', 'size'].includes(key)) fail(`unknown part ${JSON.stringify(key)}`);
  const size = kv.has('size') ? { size: Number(kv.get('size')) } : {};
  const spec: TrialSpec = kv.has('bug')
    ? { extension, mode: mode as Mode, workload: workload as WorkloadName, seed: 0, faults: 0, bug: kv.get('bug')!, ...size }
    : {
        extension,
        mode: mode as Mode,
        workload: workload as WorkloadName,
        seed: Number(kv.get('seed')),
        faults: Number(kv.get('faults')),
        ...(kv.has('types') ? { types: kv.get('types')!.split(',') as FaultType[] } : {}),
        ...size,
      };
  return validateTrialSpec(spec);
}

/** Validates a spec from outside (CLI flags, a worker message, the database). */
export function validateTrialSpec(spec: TrialSpec): TrialSpec {
  if (!SUPPORTED_EXTENSIONS.includes(spec.extension)) throw new TrialSpecError('extension', `unknown extension ${JSON.stringify(spec.extension)} (supported: ${SUPPORTED_EXTENSIONS.join(', ')})`);
  if (!MODES.includes(spec.mode)) throw new TrialSpecError('mode', `must be native or nooks, not ${JSON.stringify(spec.mode)}`);
  if (!WORKLOADS.includes(spec.workload)) throw new TrialSpecError('workload', `unknown workload ${JSON.stringify(spec.workload)} (workloads: ${WORKLOADS.join(', ')})`);
  if (spec.size !== undefined && (!Number.isSafeInteger(spec.size) || spec.size < 1 || spec.size > 1 << 30)) throw new TrialSpecError('size', `must be a number of bytes in 1..2^30, not ${JSON.stringify(spec.size)}`);
  if (spec.bug !== undefined) {
    if (!spec.bug.startsWith(`${spec.extension}-`)) throw new TrialSpecError('bug', `${JSON.stringify(spec.bug)} is not a bug variant of ${spec.extension}`);
    return spec;
  }
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) throw new TrialSpecError('seed', `must be a non-negative integer, not ${JSON.stringify(spec.seed)}`);
  if (!Number.isInteger(spec.faults) || spec.faults < 0 || spec.faults > 100) throw new TrialSpecError('faults', `must be an integer in 0..100, not ${JSON.stringify(spec.faults)}`);
  for (const t of spec.types ?? []) if (!(FAULT_TYPES as readonly string[]).includes(t)) throw new TrialSpecError('types', `unknown fault type ${JSON.stringify(t)} (types: ${FAULT_TYPES.join(', ')})`);
  return spec;
}

/** Runs one trial. Deterministic: the same spec gives the same result (hostSeconds aside). */
export async function runTrial(spec: TrialSpec, options: { trace?: boolean; size?: number } = {}): Promise<TrialResult> {
  validateTrialSpec(spec);
  const host0 = performance.now();
  const trace: XpcTraceEvent[] | undefined = options.trace ? [] : undefined;
  const sys = NooksSystem.build({
    extension: spec.extension,
    mode: spec.mode,
    ...(spec.bug ? { object: spec.bug } : {}),
    watchdogSeconds: TRIAL_DEFAULTS.watchdogSeconds,
    livelockSeconds: TRIAL_DEFAULTS.livelockSeconds,
    ...(trace ? { onXpc: (direction: XpcTraceEvent['direction'], site: string, cycles: number) => void (trace.length < TRACE_LIMIT && trace.push({ cycles, direction, site })) } : {}),
  });
  const faults: TrialFault[] = [];
  if (!spec.bug && spec.faults > 0 && sys.module) {
    const plan = sys.injectFaults(spec.seed, spec.faults, spec.types);
    for (const f of plan.faults) faults.push({ type: f.type, symbol: f.symbol, address: f.address, before: f.before.text, after: f.after.text, note: f.note });
  }
  const workload = await runWorkload(sys, {
    workload: spec.workload,
    ...(spec.workload === 'ping' ? {} : { size: spec.size ?? options.size ?? (spec.bug ? TRIAL_DEFAULTS.bugSize : TRIAL_DEFAULTS.size) }),
    timeLimitSeconds: TRIAL_DEFAULTS.timeLimitSeconds,
  });
  const k = sys.k;
  const failures: TrialFailure[] = (sys.nooks?.failures ?? []).map((f) => ({
    trigger: f.trigger,
    reason: f.reason,
    site: f.site,
    detectedAt: f.detectedAt,
    ...(f.recoveredAt !== undefined ? { recoveredAt: f.recoveredAt } : {}),
    ...(f.action !== undefined ? { action: f.action } : {}),
    timeline: f.timeline.map((e) => ({ event: e.event, cycles: e.cycles, ...(e.detail !== undefined ? { detail: e.detail } : {}) })),
  }));
  const crash = k.dead ?? k.crashes[0];
  let outcome: Outcome;
  let summary: string;
  if (k.dead) {
    outcome = k.dead.kind === 'hang' ? 'hang' : 'system-crash';
    summary = `${k.dead.kind} (${k.dead.context}) at ${k.dead.location}: ${k.dead.reason}`;
  } else if (failures.length > 0) {
    outcome = workload.completed ? 'recovered' : 'non-fatal';
    summary = `${failures.length} failure(s) caught (first: ${failures[0]!.trigger}: ${failures[0]!.reason}); ${workload.completed ? 'workload completed intact' : `workload ${workload.corrupted ? 'corrupted' : 'did not complete'} (${workload.delivered} of ${workload.expected})`}`;
  } else if (k.crashes.length > 0) {
    outcome = 'non-fatal';
    summary = `oops (${k.crashes[0]!.context}) at ${k.crashes[0]!.location}: ${k.crashes[0]!.reason}`;
  } else if (!workload.completed || sys.bootError) {
    outcome = 'non-fatal';
    summary = sys.bootError ? `the extension did not load: ${sys.bootError.message}` : `workload ${workload.corrupted ? 'corrupted' : 'did not complete'} (${workload.delivered} of ${workload.expected})`;
  } else {
    outcome = 'no-effect';
    summary = 'workload completed intact; nothing reported';
  }
  return {
    id: trialId(spec),
    spec,
    outcome,
    summary,
    faults,
    ...(crash ? { crash } : {}),
    failures,
    workload,
    xpcs: sys.nooks ? sys.nooks.xpc.toExtension + sys.nooks.xpc.toKernel : 0,
    simulatedSeconds: k.cycles / 1.7e9,
    log: k.log.tail(40),
    ...(trace ? { trace } : {}),
    hostSeconds: (performance.now() - host0) / 1000,
  };
}
