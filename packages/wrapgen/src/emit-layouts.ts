// The TypeScript layouts module: per struct/union a const object with its layout (size, align,
// per-field offset/size/type) and accessor functions that read and write each field at a base
// address through a MemoryAccess (the emulated MMU). Accessors are plain functions of
// (mem, addr): no allocation, no `this`, constant offsets, one call per scalar, so the kernel's
// hot paths stay monomorphic. The module imports nothing.

import { baseName } from './emit-header.js';
import { WrapgenSemanticError } from './errors.js';
import { resolveType, typeToC } from './c-types.js';
import { computeLayouts } from './layout.js';
import type { AggregateLayout, FieldLayout, FieldType, ScalarKind } from './layout.js';
import type { AnnotationSet, InterfaceModel, NamedConstant, SourceLocation } from './model.js';

export interface LayoutsOptions {
  /** The command that regenerates the module, quoted in its banner. */
  readonly command?: string;
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined NaN Infinity'
  ).split(' '),
);

/** Names the generated module defines itself. */
const OWN_NAMES = [
  'MemoryAccess',
  'ScalarKind',
  'FieldType',
  'FieldLayout',
  'StructLayout',
  'layouts',
  'wgIndexError',
  'wgGetU64',
  'wgGetS64',
  'wgSet64',
  'wgScratch',
  'wgGetF32',
  'wgSetF32',
  'wgGetF64',
  'wgSetF64',
];

/** The TypeScript identifier for a C name (reserved words get a trailing '_'). */
export function tsIdentifier(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

function propKey(name: string): string {
  return name === '__proto__' ? `['__proto__']` : name;
}

function str(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function descriptorLiteral(t: FieldType): string {
  switch (t.kind) {
    case 'ptr':
      return `{ kind: 'ptr', to: ${str(t.to)} }`;
    case 'fnptr':
      return `{ kind: 'fnptr', signature: ${str(t.signature)} }`;
    case 'array':
      return `{ kind: 'array', element: ${descriptorLiteral(t.element)}, count: ${t.count} }`;
    case 'struct':
      return `{ kind: 'struct', name: ${str(t.name)} }`;
    default:
      return `{ kind: '${t.kind}' }`;
  }
}

function annotationsLiteral(a: AnnotationSet): string {
  const entries = Object.entries(a).map(([k, v]) => `${k}: ${typeof v === 'string' ? str(v) : String(v)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

function where(loc: SourceLocation): string {
  return `${baseName(loc.file)}:${loc.line}`;
}

/** Helpers the module defines only when some accessor uses them. */
type Helper = 'index' | 'u64' | 's64' | 'set64' | 'f32' | 'f64';

class Emitter {
  readonly helpers = new Set<Helper>();

  read(kind: ScalarKind | 'ptr' | 'fnptr', a: string): string {
    switch (kind) {
      case 'u8':
        return `mem.read8(${a}) & 0xff`;
      case 's8':
        return `(mem.read8(${a}) << 24) >> 24`;
      case 'u16':
        return `mem.read16(${a}) & 0xffff`;
      case 's16':
        return `(mem.read16(${a}) << 16) >> 16`;
      case 'u32':
      case 'ptr':
      case 'fnptr':
        return `mem.read32(${a}) >>> 0`;
      case 's32':
        return `mem.read32(${a}) | 0`;
      case 'u64':
        this.helpers.add('u64');
        return `wgGetU64(mem, ${a})`;
      case 's64':
        this.helpers.add('u64');
        this.helpers.add('s64');
        return `wgGetS64(mem, ${a})`;
      case 'f32':
        this.helpers.add('f32');
        return `wgGetF32(mem, ${a})`;
      case 'f64':
        this.helpers.add('f64');
        return `wgGetF64(mem, ${a})`;
    }
  }

  write(kind: ScalarKind | 'ptr' | 'fnptr', a: string): string {
    switch (kind) {
      case 'u8':
      case 's8':
        return `mem.write8(${a}, v & 0xff)`;
      case 'u16':
      case 's16':
        return `mem.write16(${a}, v & 0xffff)`;
      case 'u32':
      case 's32':
      case 'ptr':
      case 'fnptr':
        return `mem.write32(${a}, v >>> 0)`;
      case 'u64':
      case 's64':
        this.helpers.add('set64');
        return `wgSet64(mem, ${a}, v)`;
      case 'f32':
        this.helpers.add('f32');
        return `wgSetF32(mem, ${a}, v)`;
      case 'f64':
        this.helpers.add('f64');
        return `wgSetF64(mem, ${a}, v)`;
    }
  }

  structConst(l: AggregateLayout, tsName: string, sizeOfElement: (f: FieldLayout) => number): string[] {
    const out: string[] = [];
    const note = Object.keys(l.decl.annotations).length > 0 ? ` Annotations: ${Object.keys(l.decl.annotations).join(', ')}.` : '';
    out.push(`/** ${l.cName} (${where(l.decl.loc)}): ${l.size} bytes, aligned to ${l.align}.${note} */`);
    out.push(`export const ${tsName} = {`);
    out.push(`  name: ${str(l.name)},`);
    out.push(`  cName: ${str(l.cName)},`);
    out.push(`  kind: '${l.union ? 'union' : 'struct'}',`);
    out.push(`  size: ${l.size},`);
    out.push(`  align: ${l.align},`);
    out.push(`  annotations: ${annotationsLiteral(l.decl.annotations)},`);
    if (l.fields.length === 0) out.push('  fields: {},');
    else {
      out.push('  fields: {');
      for (const f of l.fields) {
        const anns = Object.keys(f.member.annotations).length > 0 ? `, annotations: ${annotationsLiteral(f.member.annotations)}` : '';
        out.push(`    ${propKey(f.name)}: { offset: ${f.offset}, size: ${f.size}, align: ${f.align}, type: ${descriptorLiteral(f.descriptor)}${anns} },`);
      }
      out.push('  },');
    }
    const methods = new Map<string, SourceLocation>();
    const method = (name: string, f: FieldLayout): string => {
      if (methods.has(name)) {
        throw new WrapgenSemanticError('NAME_COLLISION', f.member.loc, `the accessor '${l.name}.${name}' of member '${f.name}' is also generated for another member`);
      }
      methods.set(name, f.member.loc);
      return name;
    };
    for (const f of l.fields) out.push(...this.fieldAccessors(l, f, method, sizeOfElement(f)));
    out.push('} as const;');
    return out;
  }

  private fieldAccessors(l: AggregateLayout, f: FieldLayout, method: (name: string, f: FieldLayout) => string, elementSize: number): string[] {
    const out: string[] = [];
    const at = (extra: string): string => {
      const sum = [f.offset === 0 ? '' : String(f.offset), extra].filter((s) => s !== '').join(' + ');
      return sum === '' ? 'addr' : `(addr + ${sum}) >>> 0`;
    };
    const anns = Object.keys(f.member.annotations);
    out.push(`  /** ${typeToC(f.type, f.name)}: offset ${f.offset}, ${f.size} bytes${anns.length > 0 ? `; __nk(${anns.join(', ')})` : ''}. */`);
    out.push(`  ${method(`addr_${f.name}`, f)}(addr: number): number {`);
    out.push(`    return ${at('')};`);
    out.push('  },');
    const d = f.descriptor;
    if (d.kind === 'struct') return out;
    if (d.kind === 'array') {
      const dims: number[] = [];
      let leaf: FieldType = d;
      while (leaf.kind === 'array') {
        dims.push(leaf.count);
        leaf = leaf.element;
      }
      const strides = dims.map((_, k) => dims.slice(k + 1).reduce((a, b) => a * b, elementSize));
      const idx = dims.map((_, k) => `i${k}`);
      const idxParams = idx.map((i) => `${i}: number`).join(', ');
      const checks = dims.map((n, k) => {
        this.helpers.add('index');
        const i = idx[k] as string;
        return `    if ((${i} >>> 0) !== ${i} || ${i} >= ${n}) throw wgIndexError('${l.name}.${f.name}', ${i}, ${n});`;
      });
      const offsetExpr = idx.map((i, k) => (strides[k] === 1 ? i : `${i} * ${strides[k]}`)).join(' + ');
      out.push(`  /** The address of ${f.name}${idx.map((i) => `[${i}]`).join('')} (indices checked). */`);
      out.push(`  ${method(`at_${f.name}`, f)}(addr: number, ${idxParams}): number {`);
      out.push(...checks);
      out.push(`    return ${at(offsetExpr)};`);
      out.push('  },');
      if (leaf.kind === 'struct') return out;
      const vType = leaf.kind === 'u64' || leaf.kind === 's64' ? 'bigint' : 'number';
      out.push(`  ${method(`get_${f.name}`, f)}(mem: MemoryAccess, addr: number, ${idxParams}): ${vType} {`);
      out.push(...checks);
      out.push(`    return ${this.read(leaf.kind, at(offsetExpr))};`);
      out.push('  },');
      out.push(`  ${method(`set_${f.name}`, f)}(mem: MemoryAccess, addr: number, ${idxParams}, v: ${vType}): void {`);
      out.push(...checks);
      out.push(`    ${this.write(leaf.kind, at(offsetExpr))};`);
      out.push('  },');
      return out;
    }
    const vType = d.kind === 'u64' || d.kind === 's64' ? 'bigint' : 'number';
    out.push(`  ${method(`get_${f.name}`, f)}(mem: MemoryAccess, addr: number): ${vType} {`);
    out.push(`    return ${this.read(d.kind, at(''))};`);
    out.push('  },');
    out.push(`  ${method(`set_${f.name}`, f)}(mem: MemoryAccess, addr: number, v: ${vType}): void {`);
    out.push(`    ${this.write(d.kind, at(''))};`);
    out.push('  },');
    if (d.kind === 'u64' || d.kind === 's64') {
      // the two 32-bit halves, for hot paths that must not allocate a bigint
      for (const [half, off] of [
        ['lo', ''],
        ['hi', '4'],
      ] as const) {
        out.push(`  ${method(`get_${f.name}_${half}`, f)}(mem: MemoryAccess, addr: number): number {`);
        out.push(`    return ${this.read('u32', at(off))};`);
        out.push('  },');
        out.push(`  ${method(`set_${f.name}_${half}`, f)}(mem: MemoryAccess, addr: number, v: number): void {`);
        out.push(`    ${this.write('u32', at(off))};`);
        out.push('  },');
      }
    }
    return out;
  }

  helperCode(): string[] {
    const out: string[] = [];
    if (this.helpers.has('index')) {
      out.push('function wgIndexError(what: string, index: number, count: number): RangeError {');
      out.push('  return new RangeError(`${what}: index ${index} is not an integer in [0, ${count})`);');
      out.push('}', '');
    }
    if (this.helpers.has('u64')) {
      out.push('function wgGetU64(mem: MemoryAccess, a: number): bigint {');
      out.push('  return (BigInt(mem.read32((a + 4) >>> 0) >>> 0) << 32n) | BigInt(mem.read32(a) >>> 0);');
      out.push('}', '');
    }
    if (this.helpers.has('s64')) {
      out.push('function wgGetS64(mem: MemoryAccess, a: number): bigint {');
      out.push('  return BigInt.asIntN(64, wgGetU64(mem, a));');
      out.push('}', '');
    }
    if (this.helpers.has('set64')) {
      out.push('function wgSet64(mem: MemoryAccess, a: number, v: bigint): void {');
      out.push('  mem.write32(a, Number(BigInt.asUintN(32, v)));');
      out.push('  mem.write32((a + 4) >>> 0, Number(BigInt.asUintN(32, v >> 32n)));');
      out.push('}', '');
    }
    if (this.helpers.has('f32') || this.helpers.has('f64')) {
      out.push('const wgScratch = new DataView(new ArrayBuffer(8));', '');
    }
    if (this.helpers.has('f32')) {
      out.push('function wgGetF32(mem: MemoryAccess, a: number): number {');
      out.push('  wgScratch.setUint32(0, mem.read32(a) >>> 0, true);');
      out.push('  return wgScratch.getFloat32(0, true);');
      out.push('}', '');
      out.push('function wgSetF32(mem: MemoryAccess, a: number, v: number): void {');
      out.push('  wgScratch.setFloat32(0, v, true);');
      out.push('  mem.write32(a, wgScratch.getUint32(0, true));');
      out.push('}', '');
    }
    if (this.helpers.has('f64')) {
      out.push('function wgGetF64(mem: MemoryAccess, a: number): number {');
      out.push('  wgScratch.setUint32(0, mem.read32(a) >>> 0, true);');
      out.push('  wgScratch.setUint32(4, mem.read32((a + 4) >>> 0) >>> 0, true);');
      out.push('  return wgScratch.getFloat64(0, true);');
      out.push('}', '');
      out.push('function wgSetF64(mem: MemoryAccess, a: number, v: number): void {');
      out.push('  wgScratch.setFloat64(0, v, true);');
      out.push('  mem.write32(a, wgScratch.getUint32(0, true));');
      out.push('  mem.write32((a + 4) >>> 0, wgScratch.getUint32(4, true));');
      out.push('}', '');
    }
    return out;
  }
}

function constantLiteral(c: NamedConstant): string {
  const safe = c.value >= BigInt(Number.MIN_SAFE_INTEGER) && c.value <= BigInt(Number.MAX_SAFE_INTEGER);
  if (!safe) return `${c.value}n`;
  if (c.from.kind === 'define' && /0[xX]/.test(c.from.expr) && c.value >= 0n) return `0x${c.value.toString(16)}`;
  return String(c.value);
}

const PREAMBLE = `/**
 * Byte-addressed little-endian memory, as the accessors need it: the kernel passes the emulated
 * MMU (virtual addresses), tests pass a buffer. A read returns the value in its low bits (signed or
 * unsigned, the accessors normalise it); a write receives an unsigned value of the access's width.
 */
export interface MemoryAccess {
  read8(addr: number): number;
  read16(addr: number): number;
  read32(addr: number): number;
  write8(addr: number, v: number): void;
  write16(addr: number, v: number): void;
  write32(addr: number, v: number): void;
}

/** How an accessor reads a scalar: unsigned/signed integers of 8-64 bits, IEEE floats. */
export type ScalarKind = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'f32' | 'f64';

/** What a field holds. */
export type FieldType =
  | { readonly kind: ScalarKind }
  | { readonly kind: 'ptr'; readonly to: string }
  | { readonly kind: 'fnptr'; readonly signature: string }
  | { readonly kind: 'array'; readonly element: FieldType; readonly count: number }
  | { readonly kind: 'struct'; readonly name: string };

export interface FieldLayout {
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  readonly type: FieldType;
  readonly annotations?: Readonly<Record<string, true | string | number>>;
}

export interface StructLayout {
  /** The generated name: the C tag, a typedef name for an anonymous struct, or parent__member. */
  readonly name: string;
  /** How C spells the type. */
  readonly cName: string;
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly align: number;
  readonly annotations: Readonly<Record<string, true | string | number>>;
  readonly fields: Readonly<Record<string, FieldLayout>>;
}
`;

/**
 * Emits the TypeScript layouts module of the interface (see the README, "Layouts in TypeScript").
 * Throws WrapgenSemanticError (NAME_COLLISION) if two declarations would get one TypeScript name.
 */
export function emitLayouts(model: InterfaceModel, options: LayoutsOptions = {}): string {
  const layouts = computeLayouts(model);
  const e = new Emitter();
  const taken = new Map<string, string>(OWN_NAMES.map((n) => [n, 'a name of the generated module']));
  const claim = (name: string, what: string, loc: SourceLocation): string => {
    const ts = tsIdentifier(name);
    const prev = taken.get(ts);
    if (prev !== undefined) throw new WrapgenSemanticError('NAME_COLLISION', loc, `${what} would be exported as '${ts}', which is already ${prev}`);
    taken.set(ts, what);
    return ts;
  };

  const structs: string[] = [];
  const registry: string[] = [];
  for (const l of layouts.aggregates) {
    const ts = claim(l.name, l.cName, l.decl.loc);
    structs.push(
      ...e.structConst(l, ts, (f) => {
        // the innermost element of a (multi-dimensional) array
        let t = resolveType(f.type);
        while (t.kind === 'array') t = resolveType(t.of);
        return layouts.sizeOf(t);
      }),
      '',
    );
    registry.push(l.name === ts ? `  ${propKey(ts)},` : `  ${propKey(l.name)}: ${ts},`);
  }
  const aliases: string[] = [];
  for (const td of model.typedefs.values()) {
    if (td.builtin) continue;
    const r = td.type;
    if (r.kind !== 'aggregate' || !r.decl.complete || r.decl.name === td.name) continue;
    const ts = claim(td.name, `typedef ${td.name}`, td.loc);
    aliases.push(`/** typedef ${r.decl.cName} ${td.name} */`, `export const ${ts} = ${tsIdentifier(r.decl.name)};`);
  }
  const constants: string[] = [];
  for (const c of model.constants.values()) {
    const ts = claim(c.name, `constant ${c.name}`, c.loc);
    const lit = constantLiteral(c);
    const src = c.from.kind === 'define' ? c.from.expr : undefined;
    const comment = src !== undefined && src !== lit ? ` // ${src}` : c.from.kind === 'enum' ? ` // enum ${c.from.tag ?? c.from.name}` : '';
    constants.push(`export const ${ts} = ${lit};${comment}`);
  }

  const out: string[] = [];
  out.push(`// Generated by @nooks/wrapgen from ${model.files.map((f) => baseName(f.name)).join(', ')}. Do not edit: edit the interface`);
  out.push(`// and regenerate${options.command === undefined ? '' : ` (${options.command})`}.`);
  out.push('// Layouts are those of gcc -m32 (i386 System V ABI). For each struct: its layout, and');
  out.push('// accessors addr_F(addr), get_F(mem, addr), set_F(mem, addr, v), at_F(addr, i...) for arrays;');
  out.push('// 64-bit fields are bigint (get_F/set_F) or two 32-bit halves (get_F_lo/get_F_hi).');
  out.push('');
  out.push(PREAMBLE);
  out.push(...e.helperCode());
  out.push(...structs);
  if (aliases.length > 0) out.push(...aliases, '');
  out.push('/** Every struct and union by its generated name. */');
  if (registry.length === 0) out.push('export const layouts = {} as const satisfies Readonly<Record<string, StructLayout>>;');
  else out.push('export const layouts = {', ...registry, '} as const satisfies Readonly<Record<string, StructLayout>>;');
  if (constants.length > 0) out.push('', '// #define constants and enumerators', ...constants);
  out.push('');
  return out.join('\n');
}

