// The wrapgen command, as a function of its arguments and a small I/O surface so that tests run
// it in-process. cli.ts is the executable that calls it.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { emitExportTable } from './emit-exports.js';
import { emitHeader, guardFor } from './emit-header.js';
import { emitLayouts } from './emit-layouts.js';
import { DEFAULT_RUNTIME_IMPORT, emitWrapperSkeletons, emitWrappers } from './emit-wrappers.js';
import { CliUsageError, LayoutMismatchError, ProbeCompileError, ToolchainError, WrapgenSourceError } from './errors.js';
import { verifyLayoutsWithGcc } from './gcc-verify.js';
import type { InterfaceModel } from './model.js';
import { parseInterface } from './parser.js';

export const USAGE = `usage: wrapgen INTERFACE.h... [--header OUT.h] [--layouts OUT.ts] [--exports OUT.json]
               [--wrappers OUT.ts [--wrapper-runtime MODULE]] [--wrapper-skeletons OUT.ts] [--check] [--verify]

Reads the annotated kernel interface (one or more files, in order) and writes:
  --header OUT.h       the C header the extensions compile against
  --layouts OUT.ts     the TypeScript layouts and accessors the kernel uses
  --exports OUT.json   the export table (functions, callbacks, structs, constants, annotations)
  --wrappers OUT.ts    the Nooks wrapper entry code (kernel and extension wrappers, TypeScript)
  --wrapper-runtime MODULE
                       the module the wrappers import the runtime types from (default '${DEFAULT_RUNTIME_IMPORT}')
  --wrapper-skeletons OUT.ts
                       commented stubs of hand-written wrapper bodies, one per function
  --check              write nothing; exit 1 if an output on disk differs from what would be generated
  --verify             also compile a layout probe with gcc -m32 and fail if any layout differs
Exit status: 0 done (or up to date), 1 error or stale output, 2 bad command line.`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

type OutputKind = 'header' | 'layouts' | 'exports' | 'wrappers' | 'wrapper-skeletons';
const OUTPUT_FLAGS: readonly string[] = ['--header', '--layouts', '--exports', '--wrappers', '--wrapper-skeletons'];

interface CliArgs {
  readonly inputs: string[];
  readonly outputs: { readonly kind: OutputKind; readonly path: string }[];
  readonly runtimeImport: string | undefined;
  readonly check: boolean;
  readonly verify: boolean;
  readonly help: boolean;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { inputs: [], outputs: [], runtimeImport: undefined, check: false, verify: false, help: false };
  let runtimeImport: string | undefined;
  let check = false;
  let verify = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (OUTPUT_FLAGS.includes(flag)) {
      const value = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a file name`);
      const kind = flag.slice(2) as OutputKind;
      if (args.outputs.some((o) => o.kind === kind)) throw new CliUsageError(`${flag} is given twice`);
      args.outputs.push({ kind, path: value });
    } else if (flag === '--wrapper-runtime') {
      const value = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a module specifier`);
      if (runtimeImport !== undefined) throw new CliUsageError(`${flag} is given twice`);
      runtimeImport = value;
    } else if (a === '--check') check = true;
    else if (a === '--verify') verify = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a.startsWith('-')) throw new CliUsageError(`unknown option '${a}'`);
    else args.inputs.push(a);
  }
  if (help) return { ...args, help };
  if (args.inputs.length === 0) throw new CliUsageError('no interface file given');
  if (args.outputs.length === 0 && !verify) throw new CliUsageError('nothing to do: give --header, --layouts, --exports, --wrappers, --wrapper-skeletons or --verify');
  if (runtimeImport !== undefined && !args.outputs.some((o) => o.kind === 'wrappers')) throw new CliUsageError('--wrapper-runtime needs --wrappers');
  return { ...args, runtimeImport, check, verify };
}

function generate(model: InterfaceModel, kind: OutputKind, path: string, runtimeImport: string | undefined): string {
  switch (kind) {
    case 'header':
      return emitHeader(model, { guard: guardFor(path) });
    case 'layouts':
      return emitLayouts(model);
    case 'exports':
      return emitExportTable(model);
    case 'wrappers':
      return emitWrappers(model, runtimeImport === undefined ? {} : { runtimeImport });
    case 'wrapper-skeletons':
      return emitWrapperSkeletons(model);
  }
}

/** A short account of how `actual` (on disk) differs from `wanted`. */
export function diffSummary(actual: string, wanted: string): string {
  const a = actual.split('\n');
  const w = wanted.split('\n');
  let first = -1;
  let differing = 0;
  for (let i = 0; i < Math.max(a.length, w.length); i++) {
    if (a[i] !== w[i]) {
      differing++;
      if (first < 0) first = i;
    }
  }
  const show = (s: string | undefined): string => (s === undefined ? '(end of file)' : JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}...` : s));
  return [
    `first difference at line ${first + 1} (${differing} line(s) differ; on disk ${a.length} lines, generated ${w.length}):`,
    `    on disk:   ${show(a[first])}`,
    `    generated: ${show(w[first])}`,
  ].join('\n');
}

/** Runs the wrapgen command; returns its exit status. */
export function runCli(argv: readonly string[], io: CliIo): number {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.stderr(`wrapgen: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    const files = args.inputs.map((p) => {
      const full = resolve(io.cwd, p);
      if (!existsSync(full)) throw new CliUsageError(`cannot read interface file '${p}': no such file`);
      return { name: p, text: readFileSync(full, 'utf8') };
    });
    const model = parseInterface(files);
    let stale = 0;
    for (const o of args.outputs) {
      const text = generate(model, o.kind, o.path, args.runtimeImport);
      const full = resolve(io.cwd, o.path);
      const onDisk = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
      if (args.check) {
        if (onDisk === text) io.stdout(`up to date: ${o.path}\n`);
        else {
          stale++;
          io.stdout(onDisk === undefined ? `missing: ${o.path}\n` : `stale: ${o.path}: ${diffSummary(onDisk, text)}\n`);
        }
      } else if (onDisk === text) io.stdout(`unchanged: ${o.path}\n`);
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text);
        io.stdout(`wrote: ${o.path}\n`);
      }
    }
    if (args.verify) {
      const r = verifyLayoutsWithGcc(model);
      io.stdout(`layouts verified by ${r.compiler.path}: ${r.checks} checks agree\n`);
    }
    if (stale > 0) {
      io.stderr(`wrapgen: ${stale} output(s) differ from the interface; regenerate them (run the same command without --check)\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.stderr(`wrapgen: ${e.message}\n`);
      return 2;
    }
    if (e instanceof WrapgenSourceError || e instanceof LayoutMismatchError || e instanceof ProbeCompileError || e instanceof ToolchainError) {
      io.stderr(`wrapgen: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
