import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ExtensionBuildError } from './errors.js';
import { EXTENSION_CFLAGS, findCompiler, isI386RelocatableObject } from './toolchain.js';
import type { Compiler } from './toolchain.js';

/** One object to build: an extension, or a variant of it compiled with extra defines. */
export interface ExtensionTarget {
  /** Object name: `<name>.o` in the output directory. */
  readonly name: string;
  /** The extension whose sources it compiles. */
  readonly extension: string;
  /** Extra preprocessor definitions (`NAME` or `NAME=value`). */
  readonly defines: readonly string[];
  /** What the variant is for (bug variants say what they break). */
  readonly description: string;
  readonly sources: readonly string[];
}

export interface BuildResult {
  readonly target: ExtensionTarget;
  readonly objectPath: string;
  /** False when the object was already up to date. */
  readonly rebuilt: boolean;
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

interface VariantSpec {
  defines?: unknown;
  description?: unknown;
}

function readVariants(dir: string, extension: string): ExtensionTarget[] {
  const file = join(dir, 'variants.json');
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected an object mapping variant names to { "defines": [...], "description": "..." }`);
  }
  const out: ExtensionTarget[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, VariantSpec>)) {
    if (!NAME.test(name)) throw new Error(`${file}: variant name '${name}' must match ${NAME}`);
    const defines = raw.defines;
    if (!Array.isArray(defines) || !defines.every((d): d is string => typeof d === 'string' && /^[A-Za-z_]\w*(=.*)?$/.test(d))) {
      throw new Error(`${file}: variant '${name}' needs "defines": an array of NAME or NAME=value strings`);
    }
    if (typeof raw.description !== 'string') throw new Error(`${file}: variant '${name}' needs a "description" string`);
    out.push({ name, extension, defines, description: raw.description, sources: [] });
  }
  return out;
}

/** Every extension directory under `srcRoot` (each `*.c` in `srcRoot/<name>/`), plus its variants. */
export function discoverTargets(srcRoot: string): ExtensionTarget[] {
  const targets: ExtensionTarget[] = [];
  for (const entry of readdirSync(srcRoot).sort()) {
    const dir = join(srcRoot, entry);
    if (entry === 'include' || !statSync(dir).isDirectory()) continue;
    if (!NAME.test(entry)) throw new Error(`extension directory '${entry}' must match ${NAME}`);
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.c'))
      .sort()
      .map((f) => join(dir, f));
    if (sources.length === 0) continue;
    targets.push({ name: entry, extension: entry, defines: [], description: `the ${entry} extension`, sources });
    for (const v of readVariants(dir, entry)) targets.push({ ...v, sources });
  }
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) throw new Error(`two build targets are named '${t.name}'`);
    seen.add(t.name);
  }
  return targets;
}

function hashInputs(target: ExtensionTarget, compiler: Compiler, includeDir: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ cc: compiler.kind, flags: EXTENSION_CFLAGS, defines: target.defines }));
  const headers = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.h'))
          .sort()
          .map((f) => join(dir, f))
      : [];
  const extDir = join(includeDir, '..', target.extension);
  for (const f of [...target.sources, ...headers(extDir), ...headers(includeDir)]) {
    h.update(f);
    h.update(readFileSync(f));
  }
  return h.digest('hex');
}

function run(target: ExtensionTarget, argv: readonly string[]): void {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd as string, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new ExtensionBuildError(target.name, argv, r.error ? r.error.message : `${r.stderr}${r.stdout}`);
  }
}

/**
 * Compiles one target into `outDir/<name>.o`: each source with the extension flags, then (for
 * several sources) one partial link, so every extension is a single ELF32 relocatable object.
 * Skips the work when the sources, headers, flags and compiler are unchanged.
 */
export function buildTarget(target: ExtensionTarget, srcRoot: string, outDir: string): BuildResult {
  const compiler = findCompiler();
  const includeDir = join(srcRoot, 'include');
  const objectPath = join(outDir, `${target.name}.o`);
  const stampPath = join(outDir, `.${target.name}.sha256`);
  const digest = hashInputs(target, compiler, includeDir);
  if (existsSync(objectPath) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === digest) {
    return { target, objectPath, rebuilt: false };
  }
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), `nooks-ext-${target.name}-`));
  try {
    const objs = target.sources.map((src) => {
      const obj = join(work, basename(src).replace(/\.c$/, '.o'));
      run(target, [
        compiler.path,
        ...compiler.targetFlags,
        ...EXTENSION_CFLAGS,
        '-I',
        includeDir,
        ...target.defines.map((d) => `-D${d}`),
        '-c',
        src,
        '-o',
        obj,
      ]);
      return obj;
    });
    const tmpOut = join(work, 'out.o');
    if (objs.length === 1) renameSync(objs[0] as string, tmpOut);
    else run(target, [...compiler.partialLink, '-o', tmpOut, ...objs]);
    if (!isI386RelocatableObject(readFileSync(tmpOut))) {
      throw new ExtensionBuildError(target.name, [compiler.path], 'the compiler did not produce an ELF32 i386 relocatable object');
    }
    writeFileSync(objectPath, readFileSync(tmpOut));
    writeFileSync(stampPath, digest);
    return { target, objectPath, rebuilt: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds every target under `srcRoot` into `outDir`. */
export function buildAll(srcRoot: string, outDir: string): BuildResult[] {
  return discoverTargets(srcRoot).map((t) => buildTarget(t, srcRoot, outDir));
}
