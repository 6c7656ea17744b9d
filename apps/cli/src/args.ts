// Flag parsing: node's util.parseArgs (strict) for the syntax, then our own checks for the
// values, each failing with a UsageError that names the flag and says what it needs.

import { parseArgs } from 'node:util';
import { FAULT_TYPES, UNSUPPORTED_FAULT_TYPES, isFaultType } from '@nooks/faults';
import type { FaultType } from '@nooks/faults';
import { UsageError } from './errors.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** May be given several times (string[]). */
  readonly multiple?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

interface NodeError extends Error {
  code?: string;
}

/** parseArgs in strict mode, its errors turned into short UsageErrors. */
export function parseFlags(argv: readonly string[], options: OptionSpecs, maxPositionals = 0): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as NodeError;
    const m = /'([^']*)'/.exec(err.message);
    const what = m?.[1] ?? '';
    switch (err.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown option '${what}'`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
        const flag = what.split(' ')[0] ?? what;
        if (options[flag.replace(/^--?/, '')]?.type === 'boolean' || / does not take an argument/.test(err.message)) throw new UsageError(`option '${flag}' does not take a value`);
        const next = argv[argv.indexOf(flag) + 1];
        const hint = next !== undefined && next.startsWith('-') ? ` ('${next}' looks like an option; for a value starting with '-' write ${flag}=${next})` : '';
        throw new UsageError(`option '${flag}' needs a value${hint}`);
      }
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`unexpected argument '${what}'`);
      default:
        throw new UsageError(err.message);
    }
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help !== true && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals] ?? ''}'`);
  }
  return { values, positionals: parsed.positionals };
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${name} may be given only once`);
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  if (v === '') throw new UsageError(`--${name} needs a non-empty value`);
  return v;
}

/** A repeatable string flag (each value checked non-empty). */
export function stringsFlag(p: Parsed, name: string): string[] {
  const v = p.values[name];
  const all = v === undefined ? [] : Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  for (const s of all) if (s === '') throw new UsageError(`--${name} needs a non-empty value`);
  return all;
}

export function booleanFlag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function requiredFlag(p: Parsed, name: string, what: string): string {
  const v = stringFlag(p, name);
  if (v === undefined) throw new UsageError(`--${name} is required (${what})`);
  return v;
}

/** A decimal integer in [min, max]; `what` says what the number is, for the message. */
export function integerFlag(p: Parsed, name: string, range: { min: number; max: number }): number | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  return parseInteger(`--${name}`, v, range);
}

export function parseInteger(label: string, v: string, range: { min: number; max: number }): number {
  const n = /^-?[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    const max = range.max === Number.MAX_SAFE_INTEGER ? '2^53-1' : String(range.max);
    throw new UsageError(`${label} must be an integer from ${range.min} to ${max}, not '${v}'`);
  }
  return n;
}

export function choiceFlag<T extends string>(p: Parsed, name: string, choices: readonly T[]): T | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not '${v}'`);
  return v as T;
}

/** `--types a,b`: fault types of @nooks/faults (an unsupported one says why it is not made). */
export function faultTypesFlag(p: Parsed, name = 'types'): FaultType[] | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  const out: FaultType[] = [];
  for (const t of v.split(',').map((s) => s.trim())) {
    if (t === '') throw new UsageError(`--${name} needs comma-separated fault types, not '${v}'`);
    const why = UNSUPPORTED_FAULT_TYPES[t];
    if (why !== undefined) throw new UsageError(`--${name}: fault type '${t}' is not supported: ${why}`);
    if (!isFaultType(t)) throw new UsageError(`--${name}: unknown fault type '${t}' (types: ${FAULT_TYPES.join(', ')})`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Rejects flags that make no sense together. */
export function exclusive(p: Parsed, a: string, others: readonly string[], why = ''): void {
  if (p.values[a] === undefined) return;
  for (const b of others) if (p.values[b] !== undefined) throw new UsageError(`--${a} and --${b} cannot be used together${why ? ` (${why})` : ''}`);
}
