// The extensions the CLI can name: built objects (@nooks/extensions), the ones a whole system
// can be built for (@nooks/system), and the hand-made bug variants described in each
// extension's variants.json (validated here: it is a file from outside the program).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_SOURCE_DIR, listExtensions } from '@nooks/extensions';
import { SUPPORTED_EXTENSIONS } from '@nooks/system';
import { CommandFailedError, UsageError } from './errors.js';

/** An extension a whole machine can be built for (bench, trial, campaign). */
export function requireSupportedExtension(name: string): string {
  if (!SUPPORTED_EXTENSIONS.includes(name)) {
    throw new UsageError(`unknown extension '${name}' (supported: ${SUPPORTED_EXTENSIONS.join(', ')})`);
  }
  requireObject(name);
  return name;
}

/** A built object: an extension, a variant or a test module (inspect, faults). */
export function requireObject(name: string): string {
  const built = listExtensions();
  if (built.length === 0) throw new CommandFailedError('no extension objects are built yet: run `pnpm build` at the root first');
  if (!built.includes(name)) throw new UsageError(`unknown extension '${name}' (built objects: ${built.join(', ')})`);
  return name;
}

/** What a bug does natively, as the kernel reports it. */
export type NativeCrash = 'panic' | 'oops' | 'hang';

export interface BugVariant {
  readonly name: string;
  readonly extension: string;
  readonly defines: readonly string[];
  readonly description: string;
  /** What makes it fire (null when variants.json does not say, as for the test modules). */
  readonly trigger: string | null;
  readonly native: NativeCrash | null;
  /** The trial outcome that native crash is (an oops leaves the system up: non-fatal). */
  readonly nativeOutcome: 'system-crash' | 'hang' | 'non-fatal' | null;
  /** Its object has been built (the trial can load it). */
  readonly built: boolean;
}

const NATIVE_OUTCOME: Readonly<Record<NativeCrash, BugVariant['nativeOutcome']>> = { panic: 'system-crash', oops: 'non-fatal', hang: 'hang' };

function variantsFile(extension: string): string {
  return join(EXTENSION_SOURCE_DIR, extension, 'variants.json');
}

/** Extensions that have C sources (directories of EXTENSION_SOURCE_DIR). */
export function sourceExtensions(): string[] {
  if (!existsSync(EXTENSION_SOURCE_DIR)) return [];
  return readdirSync(EXTENSION_SOURCE_DIR)
    .filter((d) => d !== 'include' && statSync(join(EXTENSION_SOURCE_DIR, d)).isDirectory())
    .sort();
}

/** The bug variants of one extension, from its variants.json (none if it has no such file). */
export function bugVariants(extension: string): BugVariant[] {
  const file = variantsFile(extension);
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CommandFailedError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CommandFailedError(`${file}: expected an object of variants`);
  const built = new Set(listExtensions());
  const out: BugVariant[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    const v = raw as Record<string, unknown>;
    const bad = (what: string): never => {
      throw new CommandFailedError(`${file}: variant '${name}' ${what}`);
    };
    if (typeof raw !== 'object' || raw === null) bad('is not an object');
    if (!Array.isArray(v.defines) || !v.defines.every((d) => typeof d === 'string')) bad('needs "defines": an array of strings');
    if (typeof v.description !== 'string') bad('needs a "description" string');
    if (v.trigger !== undefined && typeof v.trigger !== 'string') bad('has a "trigger" that is not a string');
    if (v.native !== undefined && v.native !== 'panic' && v.native !== 'oops' && v.native !== 'hang') bad('has a "native" that is not panic, oops or hang');
    const native = (v.native as NativeCrash | undefined) ?? null;
    out.push({
      name,
      extension,
      defines: v.defines as string[],
      description: v.description as string,
      trigger: (v.trigger as string | undefined) ?? null,
      native,
      nativeOutcome: native === null ? null : NATIVE_OUTCOME[native],
      built: built.has(name),
    });
  }
  return out;
}

/** A bug variant a trial can load: of that extension, described and built. */
export function requireBug(extension: string, name: string): BugVariant {
  const variants = bugVariants(extension);
  const v = variants.find((b) => b.name === name);
  if (!v) throw new UsageError(`unknown bug '${name}' for ${extension} (bugs: ${variants.map((b) => b.name).join(', ') || 'none'}; see 'nooks bugs')`);
  if (!v.built) throw new CommandFailedError(`the object of bug '${name}' is not built: run \`pnpm build\` at the root first`);
  return v;
}
