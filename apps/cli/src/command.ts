// What every command shares: `--help`, flag parsing, and one mapping from errors to exit
// statuses (0 success, 2 bad usage, 1 failure) with messages on stderr.

import { CampaignError, StoreError } from '@nooks/bench';
import { UnknownExtensionError } from '@nooks/extensions';
import { FaultPlanError } from '@nooks/faults';
import { ConfigError } from '@nooks/system';
import { ElfFormatError } from '@nooks/x86';
import { parseFlags } from './args.js';
import type { OptionSpecs, Parsed } from './args.js';
import { CommandFailedError, UsageError } from './errors.js';
import type { Io } from './io.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Command {
  readonly name: string;
  /** One line for `nooks --help`. */
  readonly summary: string;
  /** The usage line(s), without "usage: ". */
  readonly usage: string;
  /** The rest of `--help`: what it does, each flag, the exit statuses. */
  readonly help: string;
  main(argv: readonly string[], io: Io): Promise<number>;
}

export interface CommandDefinition {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly help: string;
  readonly options: OptionSpecs;
  /** Positional arguments allowed (default 0). */
  readonly positionals?: number;
  /** Does the work; returns the exit status (normally 0) or throws. */
  run(args: Parsed, io: Io): Promise<number>;
}

/** Usage errors: ours, and invalid input found by the libraries (configs, trial specs, fault options). */
export function isUsageError(e: unknown): boolean {
  if (e instanceof UsageError || e instanceof ConfigError || e instanceof UnknownExtensionError) return true;
  return e instanceof FaultPlanError && e.code !== 'NO_SITES' && e.code !== 'INVALID_PLAN';
}

function message(e: unknown): string {
  if (e instanceof ElfFormatError) return `not a valid ELF32 object: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export function helpText(c: Pick<Command, 'usage' | 'help'>): string {
  return `usage: ${c.usage}\n\n${c.help.trim()}\n`;
}

export function defineCommand(def: CommandDefinition): Command {
  const usageLines = def.usage.split('\n');
  const usage = usageLines.map((l, i) => (i === 0 ? l : `       ${l}`)).join('\n');
  const command: Command = {
    name: def.name,
    summary: def.summary,
    usage,
    help: def.help,
    async main(argv, io) {
      try {
        const args = parseFlags(argv, def.options, def.positionals ?? 0);
        if (args.values.help === true) {
          io.stdout.write(helpText(command));
          return EXIT_OK;
        }
        return await def.run(args, io);
      } catch (e) {
        return reportError(def.name, e, io, usage);
      }
    },
  };
  return command;
}

/** Writes the error and returns its exit status. */
export function reportError(name: string, e: unknown, io: Io, usage?: string): number {
  if (isUsageError(e)) {
    io.stderr.write(`nooks ${name}: ${message(e)}\n`);
    if (usage) io.stderr.write(`usage: ${usage}\nRun 'nooks ${name} --help' for more.\n`);
    return EXIT_USAGE;
  }
  if (e instanceof CommandFailedError || e instanceof StoreError || e instanceof CampaignError) {
    io.stderr.write(`nooks ${name}: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  io.stderr.write(`nooks ${name}: failed: ${message(e)}\n`);
  return EXIT_FAILURE;
}
