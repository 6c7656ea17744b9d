// The differential check of the layouts: a C probe with one _Static_assert per size, alignment,
// offset and constant that wrapgen computed, compiled by gcc -m32 against the emitted header.
// When an assertion fails, a second compile reads back the compiler's values so the error says
// what gcc thinks, not only that it disagrees.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveType } from './c-types.js';
import { cLiteral } from './const-eval.js';
import { emitHeader } from './emit-header.js';
import { LayoutMismatchError, ProbeCompileError, ToolchainError } from './errors.js';
import type { LayoutMismatch } from './errors.js';
import { computeLayouts } from './layout.js';
import type { AggregateDecl, InterfaceModel } from './model.js';

/** A C compiler that can target i386. */
export interface I386Compiler {
  readonly kind: 'gcc' | 'clang';
  readonly path: string;
  /** Flags selecting the i386 target, placed first. */
  readonly targetFlags: readonly string[];
}

/** Flags of the layout probe: the extensions' code-generation environment (freestanding, no headers). */
export const PROBE_CFLAGS: readonly string[] = ['-ffreestanding', '-nostdinc', '-fno-pic', '-O2', '-mpreferred-stack-boundary=2', '-Wall'];

const CANDIDATES: readonly I386Compiler[] = [
  { kind: 'gcc', path: 'gcc', targetFlags: ['-m32'] },
  { kind: 'clang', path: 'clang', targetFlags: ['--target=i386-unknown-none-elf'] },
];

let found: I386Compiler | undefined;

/** The first of gcc -m32, clang --target=i386 that compiles (NOOKS_CC=gcc|clang forces one). */
export function findI386Compiler(): I386Compiler {
  if (found !== undefined) return found;
  const forced = process.env.NOOKS_CC;
  const candidates = forced === undefined || forced === '' ? CANDIDATES : CANDIDATES.filter((c) => c.kind === forced);
  const dir = mkdtempSync(join(tmpdir(), 'wrapgen-cc-'));
  const problems: string[] = [];
  try {
    writeFileSync(join(dir, 'p.c'), 'int wrapgen_probe(int x) { return x + 1; }\n');
    for (const c of candidates) {
      const r = spawnSync(c.path, [...c.targetFlags, ...PROBE_CFLAGS, '-c', join(dir, 'p.c'), '-o', join(dir, 'p.o')], { encoding: 'utf8' });
      if (r.error === undefined && r.status === 0) {
        found = c;
        return c;
      }
      problems.push(`${c.path}: ${r.error?.message ?? (r.stderr || `exit status ${r.status}`).trim().split('\n')[0]}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  throw new ToolchainError(
    `no C compiler for i386 found (${problems.join('; ') || `NOOKS_CC=${forced} is neither gcc nor clang`}); install gcc (gcc -m32 -c needs no multilib for freestanding code) or clang`,
  );
}

/** One quantity the probe checks. */
export interface ProbeCheck {
  /** Human-readable, in C terms: `offsetof(struct net_device, mtu)`. */
  readonly what: string;
  /** The C expression the compiler evaluates. */
  readonly expr: string;
  readonly expected: bigint;
}

export interface LayoutProbe {
  /** The probe's C source: the emitted header, then one _Static_assert per check. */
  readonly source: string;
  readonly checks: readonly ProbeCheck[];
}

/** A C expression naming the type of this aggregate, or undefined (an anonymous member: checked through its parent). */
function typeExpr(d: AggregateDecl): string | undefined {
  if (d.tag !== undefined) return `${d.union ? 'union' : 'struct'} ${d.tag}`;
  if (d.parent === undefined) return d.cName; // named by a typedef
  const member = d.parent.member;
  if (member === undefined) return undefined;
  // the member is visible (hoisted) in the nearest ancestor C can name
  let a: AggregateDecl | undefined = d.parent.decl;
  while (a !== undefined && typeExpr(a) === undefined) a = a.parent?.decl;
  if (a === undefined) return undefined;
  return `__typeof__(((${typeExpr(a) as string} *)0)->${member})`;
}

/** Builds the layout probe of a model: every struct size/alignment, field offset/size/alignment, typedef size and constant. */
export function emitLayoutProbe(model: InterfaceModel): LayoutProbe {
  const layouts = computeLayouts(model);
  const checks: ProbeCheck[] = [];
  const add = (what: string, expr: string, expected: bigint | number): void => {
    checks.push({ what, expr, expected: BigInt(expected) });
  };
  for (const l of layouts.aggregates) {
    const t = typeExpr(l.decl);
    if (t === undefined) continue;
    const name = l.decl.tag !== undefined || l.decl.parent === undefined ? l.cName : l.name;
    add(`sizeof(${name})`, `sizeof(${t})`, l.size);
    add(`_Alignof(${name})`, `_Alignof(${t})`, l.align);
    for (const f of l.fields) {
      add(`offsetof(${name}, ${f.name})`, `__builtin_offsetof(${t}, ${f.name})`, f.offset);
      add(`sizeof(${name}.${f.name})`, `sizeof(((${t} *)0)->${f.name})`, f.size);
      add(`alignof(${name}.${f.name})`, `__alignof__(((${t} *)0)->${f.name})`, f.align);
    }
  }
  for (const td of model.typedefs.values()) {
    const r = resolveType(td.type);
    if (r.kind === 'void' || r.kind === 'function') continue;
    if ((r.kind === 'aggregate' || r.kind === 'enum') && !r.decl.complete) continue;
    add(`sizeof(${td.name})`, `sizeof(${td.name})`, layouts.sizeOf(td.type));
  }
  for (const e of model.enums) {
    if (e.tag !== undefined) add(`sizeof(enum ${e.tag})`, `sizeof(enum ${e.tag})`, 4);
  }
  for (const v of model.variables.values()) add(`sizeof(${v.name})`, `sizeof(${v.name})`, layouts.sizeOf(v.type));
  for (const c of model.constants.values()) add(c.name, `(${c.name})`, c.value);

  const lines = [emitHeader(model, { guard: 'WRAPGEN_LAYOUT_PROBE_H' }), '/* ---- layout probe ---- */'];
  checks.forEach((c, i) => {
    const big = c.expected > 0x7fffffffffffffffn;
    const lhs = big ? `(unsigned long long)${c.expr}` : `(long long)${c.expr}`;
    const rhs = cLiteral({ value: c.expected, type: big ? 'unsigned long long' : 'long long' });
    lines.push(`_Static_assert(${lhs} == ${rhs}, "wrapgen#${i}: ${c.what.replace(/"/g, '\\"')} == ${c.expected}");`);
  });
  lines.push('');
  return { source: lines.join('\n'), checks };
}

export interface VerifyOptions {
  /** The compiler to use; default findI386Compiler(). */
  readonly compiler?: I386Compiler;
  /** Extra flags (e.g. the extensions' -D defines). */
  readonly extraFlags?: readonly string[];
}

export interface VerifyResult {
  /** How many quantities the compiler confirmed. */
  readonly checks: number;
  readonly compiler: I386Compiler;
}

/**
 * Compiles the layout probe of the model with gcc -m32 (or clang for i386) and throws
 * LayoutMismatchError listing every size, alignment, offset or constant on which the compiler
 * disagrees with wrapgen; ProbeCompileError if the probe does not compile for another reason;
 * ToolchainError if there is no i386 compiler.
 */
export function verifyLayoutsWithGcc(model: InterfaceModel, options: VerifyOptions = {}): VerifyResult {
  const compiler = options.compiler ?? findI386Compiler();
  const probe = emitLayoutProbe(model);
  const dir = mkdtempSync(join(tmpdir(), 'wrapgen-probe-'));
  try {
    const src = join(dir, 'layout-probe.c');
    writeFileSync(src, probe.source);
    const command = [compiler.path, ...compiler.targetFlags, ...PROBE_CFLAGS, ...(options.extraFlags ?? []), '-c', src, '-o', join(dir, 'layout-probe.o')];
    const r = spawnSync(command[0] as string, command.slice(1), { encoding: 'utf8' });
    if (r.error !== undefined) throw new ToolchainError(`cannot run ${compiler.path}: ${r.error.message}`);
    if (r.status === 0) return { checks: probe.checks.length, compiler };
    const failed = new Set<number>();
    let otherErrors = false;
    for (const line of r.stderr.split('\n')) {
      if (!/\berror:/.test(line)) continue;
      const m = /static.?assert(?:ion)? failed.*wrapgen#(\d+)/.exec(line);
      if (m === null) otherErrors = true;
      else failed.add(Number(m[1]));
    }
    if (failed.size === 0 || otherErrors) throw new ProbeCompileError(command, r.stderr || r.stdout);
    const failing = [...failed].sort((a, b) => a - b).map((i) => probe.checks[i] as (typeof probe.checks)[number]);
    const actual = readBack(compiler, probe.source.slice(0, probe.source.indexOf('/* ---- layout probe ---- */')), failing, dir, options.extraFlags ?? []);
    const mismatches: LayoutMismatch[] = failing.map((c, k) => ({ what: c.what, expected: c.expected, actual: actual?.[k] }));
    throw new LayoutMismatchError(mismatches);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The compiler's values of the failing checks, read from its assembly output (undefined if that fails). */
function readBack(compiler: I386Compiler, header: string, checks: readonly { expr: string; expected: bigint }[], dir: string, extra: readonly string[]): bigint[] | undefined {
  const elems = ['0xc0ffeeu'];
  for (const c of checks) elems.push(`(unsigned int)(unsigned long long)${c.expr}`, `(unsigned int)((unsigned long long)${c.expr} >> 32)`);
  const src = join(dir, 'read-back.c');
  writeFileSync(src, `${header}\nconst unsigned int wrapgen_actual[] = {\n  ${elems.join(',\n  ')}\n};\n`);
  const asm = join(dir, 'read-back.s');
  const r = spawnSync(compiler.path, [...compiler.targetFlags, ...PROBE_CFLAGS, ...extra, '-O0', '-S', src, '-o', asm], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return undefined;
  const words: number[] = [];
  let inside = false;
  for (const line of readFileSync(asm, 'utf8').split('\n')) {
    if (/^wrapgen_actual:/.test(line)) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    const long = /^\s*\.(?:long|int)\s+(-?\w+)/.exec(line);
    const zero = /^\s*\.zero\s+(\d+)/.exec(line);
    if (long !== null) words.push(Number(long[1]) >>> 0);
    else if (zero !== null) for (let i = 0; i < Number(zero[1]) / 4; i++) words.push(0);
    else break;
  }
  if (words[0] !== 0xc0ffee) return undefined;
  return checks.map((c, k) => {
    const v = (BigInt(words[2 + 2 * k] ?? 0) << 32n) | BigInt(words[1 + 2 * k] ?? 0);
    return c.expected < 0n ? BigInt.asIntN(64, v) : v;
  });
}
