// `nooks trial`: one trial (boot, load natively or under Nooks, inject faults or load a bug
// variant, run the workload, classify), from flags or replayed from its id.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TRACE_LIMIT, TRIAL_DEFAULTS, parseTrialId, runTrial, validateTrialSpec } from '@nooks/bench';
import type { TrialSpec } from '@nooks/bench';
import { FAULT_TYPES } from '@nooks/faults';
import { MODES, WORKLOADS } from '@nooks/system';
import { booleanFlag, choiceFlag, exclusive, faultTypesFlag, integerFlag, requiredFlag, stringFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { CommandFailedError, UsageError } from '../errors.js';
import { requireBug, requireSupportedExtension } from '../extensions.js';
import { jsonLine } from '../format.js';
import { renderTrial } from '../trial-render.js';
import type { Parsed } from '../args.js';

/** The spec the flags describe (UsageError on anything wrong). */
export function trialSpecFromFlags(args: Parsed): TrialSpec {
  const id = stringFlag(args, 'id');
  if (id !== undefined) {
    exclusive(args, 'id', ['extension', 'mode', 'seed', 'faults', 'bug', 'workload', 'types'], 'the id names every field of the trial');
    const spec = parseTrialId(id);
    if (spec.bug) requireBug(spec.extension, spec.bug);
    else requireSupportedExtension(spec.extension);
    return spec;
  }
  const extension = requireSupportedExtension(requiredFlag(args, 'extension', 'e.g. --extension e1000'));
  const mode = choiceFlag(args, 'mode', MODES);
  if (mode === undefined) throw new UsageError(`--mode is required (${MODES.join(' or ')})`);
  const workload = choiceFlag(args, 'workload', WORKLOADS) ?? TRIAL_DEFAULTS.workload;
  exclusive(args, 'bug', ['seed', 'faults', 'types'], 'a bug variant is loaded instead of injecting faults');
  const bug = stringFlag(args, 'bug');
  if (bug !== undefined) {
    requireBug(extension, bug);
    return validateTrialSpec({ extension, mode, workload, seed: 0, faults: 0, bug });
  }
  if (args.values.seed === undefined) throw new UsageError('give --seed S (inject faults from that seed) or --bug NAME (load a hand-made bug variant)');
  const seed = integerFlag(args, 'seed', { min: 0, max: Number.MAX_SAFE_INTEGER })!;
  const faults = integerFlag(args, 'faults', { min: 0, max: 100 }) ?? TRIAL_DEFAULTS.faults;
  const types = faultTypesFlag(args);
  return validateTrialSpec({ extension, mode, workload, seed, faults, ...(types ? { types } : {}) });
}

export const trialCommand = defineCommand({
  name: 'trial',
  summary: 'run one fault-injection trial (or a bug variant), natively or under Nooks',
  usage: `nooks trial --extension NAME --mode native|nooks (--seed S [--faults K] [--types a,b] | --bug NAME) [--workload W] [--trace FILE] [--json]
nooks trial --id TRIAL_ID [--trace FILE] [--json]`,
  help: `
Runs one trial: boots the simulated machine, loads the extension natively or isolated by Nooks,
injects K faults chosen by the seed into its code (or loads a hand-made bug variant instead),
runs the workload for a bounded simulated time and classifies the outcome: no-effect,
recovered, non-fatal, system-crash or hang. Prints the outcome and why, the faults (function+
offset, disassembly before -> after), the kernel's crash report or Nooks' recovery timeline,
the workload's figures, and the trial id. A trial is deterministic: its id replays it.

  --extension NAME   the extension (supported: e1000)
  --mode MODE        native (no isolation) or nooks (isolated, with recovery)
  --seed S           inject faults planned from seed S (integer, 0 to 2^53-1)
  --faults K         number of faults, 0 to 100 (default ${TRIAL_DEFAULTS.faults})
  --types a,b        draw only from these fault types (default: all):
                     ${FAULT_TYPES.join(', ')}
  --bug NAME         load this hand-made bug variant instead of injecting faults (nooks bugs)
  --workload W       ${WORKLOADS.join(', ')} (default ${TRIAL_DEFAULTS.workload})
  --id TRIAL_ID      replay the trial with this id (as printed by a trial, a campaign or a report)
  --trace FILE       write every XPC of the trial to FILE as JSON lines
                     ({"cycles":N,"direction":"to-extension"|"to-kernel","site":"..."}; at most ${TRACE_LIMIT})
  --json             print the trial result (schema in the README; the trace is not included)
  -h, --help         this help

Exit status: 0 the trial ran (whatever its outcome); 2 bad usage (unknown extension or bug, bad
seed, missing --mode, malformed id); 1 failure (the trial could not run, the trace could not be
written).`,
  options: {
    extension: { type: 'string' },
    mode: { type: 'string' },
    seed: { type: 'string' },
    faults: { type: 'string' },
    types: { type: 'string' },
    bug: { type: 'string' },
    workload: { type: 'string' },
    id: { type: 'string' },
    trace: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const spec = trialSpecFromFlags(args);
    const traceArg = stringFlag(args, 'trace');
    const tracePath = traceArg === undefined ? undefined : resolve(io.cwd, traceArg);
    if (tracePath !== undefined) {
      const dir = dirname(tracePath);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--trace: directory ${dir} does not exist`);
      if (existsSync(tracePath) && statSync(tracePath).isDirectory()) throw new UsageError(`--trace: ${tracePath} is a directory`);
    }
    const result = await runTrial(spec, { trace: tracePath !== undefined });
    if (tracePath !== undefined) {
      const events = result.trace ?? [];
      try {
        writeFileSync(tracePath, events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''));
      } catch (e) {
        throw new CommandFailedError(`cannot write the trace to ${tracePath}: ${(e as Error).message}`);
      }
      io.stderr.write(`trace: ${events.length} XPC event(s) written to ${tracePath}${events.length >= TRACE_LIMIT ? ` (capped at ${TRACE_LIMIT})` : ''}\n`);
    }
    const { trace: _trace, ...rest } = result;
    if (booleanFlag(args, 'json')) io.stdout.write(jsonLine(rest));
    else io.stdout.write(renderTrial(rest, spec.bug ? requireBug(spec.extension, spec.bug).description : undefined));
    return EXIT_OK;
  },
});
