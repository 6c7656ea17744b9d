// The export table: what the kernel provides to modules (functions and variables, with their
// cdecl signatures and every annotation), the callbacks through which it calls into them, the
// struct layouts with their annotations, and the constants. The module loader binds imports
// with it today; the wrapper generator of the isolation package builds wrappers from it.

import { callableType, resolveType, typeToC } from './c-types.js';
import { baseName } from './emit-header.js';
import { computeLayouts, describe } from './layout.js';
import type { FieldType, LayoutSet } from './layout.js';
import type { AnnotationSet, CType, FunctionType, InterfaceModel, IntegerConstantType, Param, SourceLocation } from './model.js';

/** How a cdecl function returns its result on i386 (Linux 2.4, gcc -m32 defaults). */
export type ReturnPassing = 'none' | 'eax' | 'edx:eax' | 'st0' | 'memory';

export interface ExportedParam {
  readonly index: number;
  /** null for an unnamed parameter. */
  readonly name: string | null;
  readonly type: string;
  readonly size: number;
  /**
   * Offset of the argument from the first argument slot ([esp+4] at entry). When the function
   * returns a struct ('memory'), slot 0 holds the hidden result pointer and parameters start at 4.
   */
  readonly stackOffset: number;
  /** Bytes the argument occupies on the stack (its size rounded up to 4). */
  readonly stackSize: number;
  readonly descriptor: FieldType;
  readonly annotations: AnnotationSet;
}

export interface ExportedResult {
  readonly type: string;
  readonly size: number;
  readonly passing: ReturnPassing;
  readonly annotations: AnnotationSet;
}

export interface ExportedSignature {
  /** The C declaration (`int register_netdev(struct net_device *dev)`). */
  readonly signature: string;
  readonly returns: ExportedResult;
  readonly params: readonly ExportedParam[];
  readonly varargs: boolean;
  /** Bytes of arguments on the stack (without varargs). */
  readonly argumentBytes: number;
  readonly annotations: AnnotationSet;
}

export interface ExportedFunction extends ExportedSignature {
  readonly name: string;
  readonly location: string;
}

export interface ExportedCallback extends ExportedSignature {
  /** `net_device.open`, `request_irq(handler)` or the typedef name. */
  readonly name: string;
  readonly kind: 'typedef' | 'field' | 'param';
  /** For a field: the struct's generated name, the member and its offset. */
  readonly struct: string | null;
  readonly field: string | null;
  readonly offset: number | null;
  /** For a parameter: the function and the parameter index. */
  readonly function: string | null;
  readonly paramIndex: number | null;
  /** The callback typedef the type comes from, if any. */
  readonly typedef: string | null;
  readonly location: string;
}

export interface ExportedVariable {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly descriptor: FieldType;
  readonly annotations: AnnotationSet;
  readonly location: string;
}

export interface ExportedField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  readonly type: string;
  readonly descriptor: FieldType;
  readonly annotations: AnnotationSet;
  /** True for a member of an anonymous struct/union member, hoisted into this one. */
  readonly hoisted: boolean;
}

export interface ExportedStruct {
  readonly name: string;
  readonly cName: string;
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly align: number;
  readonly annotations: AnnotationSet;
  readonly location: string;
  readonly fields: readonly ExportedField[];
}

export interface ExportedConstant {
  readonly name: string;
  /** A JSON number when it is a safe integer, else its decimal digits as a string. */
  readonly value: number | string;
  readonly cType: IntegerConstantType;
  readonly kind: 'define' | 'enumerator';
  /** The #define's value as written, or the enum's name. */
  readonly source: string;
  readonly location: string;
}

export interface ExportTable {
  readonly format: 'nooks-wrapgen-exports';
  readonly version: 1;
  readonly sources: readonly string[];
  readonly functions: readonly ExportedFunction[];
  readonly variables: readonly ExportedVariable[];
  readonly callbacks: readonly ExportedCallback[];
  readonly structs: readonly ExportedStruct[];
  readonly constants: readonly ExportedConstant[];
}

function location(loc: SourceLocation): string {
  return `${baseName(loc.file)}:${loc.line}:${loc.column}`;
}

const round4 = (n: number): number => Math.ceil(n / 4) * 4;

function passing(t: CType, layouts: LayoutSet): ReturnPassing {
  const r = resolveType(t);
  if (r.kind === 'void') return 'none';
  if (r.kind === 'aggregate') return 'memory';
  if (r.kind === 'scalar' && (r.name === 'float' || r.name === 'double')) return 'st0';
  return layouts.sizeOf(r) === 8 ? 'edx:eax' : 'eax';
}

function signature(name: string, fn: FunctionType, annotations: AnnotationSet, resultAnnotations: AnnotationSet, layouts: LayoutSet): ExportedSignature {
  const pass = passing(fn.returns, layouts);
  let offset = pass === 'memory' ? 4 : 0;
  const params = fn.params.map((p: Param, index): ExportedParam => {
    const size = layouts.sizeOf(p.type);
    const param: ExportedParam = {
      index,
      name: p.name ?? null,
      type: typeToC(p.type, '', false),
      size,
      stackOffset: offset,
      stackSize: round4(size),
      descriptor: describe(p.type),
      annotations: p.annotations,
    };
    offset += round4(size);
    return param;
  });
  return {
    signature: typeToC(fn, name),
    returns: {
      type: typeToC(fn.returns, '', false),
      size: pass === 'none' ? 0 : layouts.sizeOf(fn.returns),
      passing: pass,
      annotations: resultAnnotations,
    },
    params,
    varargs: fn.varargs,
    argumentBytes: offset,
    annotations,
  };
}

/** The callback typedef a type comes from (`hard_start_xmit_t` or a pointer to a callback function typedef). */
function callbackTypedef(t: CType): { name: string; annotations: AnnotationSet } | undefined {
  let cur: CType = t;
  for (;;) {
    if (cur.kind === 'typedef') {
      if (cur.decl.annotations.callback) return { name: cur.decl.name, annotations: cur.decl.annotations };
      cur = cur.decl.type;
    } else if (cur.kind === 'pointer') cur = cur.to;
    else return undefined;
  }
}

/** Builds the export table (the object that emitExportTable serialises). */
export function buildExportTable(model: InterfaceModel): ExportTable {
  const layouts = computeLayouts(model);
  const functions: ExportedFunction[] = [];
  const variables: ExportedVariable[] = [];
  const callbacks: ExportedCallback[] = [];
  const callback = (
    t: CType,
    own: AnnotationSet,
    name: string,
    where: Pick<ExportedCallback, 'kind' | 'struct' | 'field' | 'offset' | 'function' | 'paramIndex'>,
    loc: SourceLocation,
  ): void => {
    const fn = callableType(t);
    if (fn === undefined) return;
    const td = callbackTypedef(t);
    if (!own.callback && td === undefined) return;
    const annotations = { ...(td?.annotations ?? {}), ...own };
    callbacks.push({
      name,
      ...where,
      typedef: td?.name ?? null,
      location: location(loc),
      ...signature(where.field ?? name, fn, annotations, {}, layouts),
    });
  };
  const none = { struct: null, field: null, offset: null, function: null, paramIndex: null };

  for (const d of model.declarations) {
    switch (d.kind) {
      case 'function':
        functions.push({ name: d.name, location: location(d.loc), ...signature(d.name, d.type, d.annotations, d.returnAnnotations, layouts) });
        d.type.params.forEach((p, i) => {
          callback(p.type, p.annotations, `${d.name}(${p.name ?? i})`, { ...none, kind: 'param', function: d.name, paramIndex: i }, p.loc);
        });
        break;
      case 'variable':
        variables.push({
          name: d.name,
          type: typeToC(d.type, '', false),
          size: layouts.sizeOf(d.type),
          descriptor: describe(d.type),
          annotations: d.annotations,
          location: location(d.loc),
        });
        break;
      case 'typedef':
        if (d.annotations.callback) {
          const fn = callableType(d.type) as FunctionType;
          callbacks.push({
            name: d.name,
            ...none,
            kind: 'typedef',
            typedef: d.name,
            location: location(d.loc),
            ...signature(d.name, fn, d.annotations, {}, layouts),
          });
        }
        break;
      case 'define':
      case 'aggregate':
      case 'enum':
        break;
    }
  }
  const structs: ExportedStruct[] = layouts.aggregates.map((l) => {
    // an anonymous member's fields are reported where C names them: in the enclosing struct
    const anonymousMember = l.decl.parent !== undefined && l.decl.parent.member === undefined;
    for (const f of anonymousMember ? [] : l.fields) {
      callback(f.type, f.member.annotations, `${l.name}.${f.name}`, { ...none, kind: 'field', struct: l.name, field: f.name, offset: f.offset }, f.member.loc);
    }
    return {
      name: l.name,
      cName: l.cName,
      kind: l.union ? 'union' : 'struct',
      size: l.size,
      align: l.align,
      annotations: l.decl.annotations,
      location: location(l.decl.loc),
      fields: l.fields.map((f) => ({
        name: f.name,
        offset: f.offset,
        size: f.size,
        align: f.align,
        type: typeToC(f.type, '', false),
        descriptor: f.descriptor,
        annotations: f.member.annotations,
        hoisted: f.hoisted,
      })),
    };
  });
  const constants: ExportedConstant[] = [...model.constants.values()].map((c) => ({
    name: c.name,
    value: c.value >= BigInt(Number.MIN_SAFE_INTEGER) && c.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c.value) : c.value.toString(),
    cType: c.type,
    kind: c.from.kind === 'define' ? 'define' : 'enumerator',
    source: c.from.kind === 'define' ? c.from.expr : `enum ${c.from.tag ?? c.from.name}`,
    location: location(c.loc),
  }));
  return {
    format: 'nooks-wrapgen-exports',
    version: 1,
    sources: model.files.map((f) => baseName(f.name)),
    functions,
    variables,
    callbacks,
    structs,
    constants,
  };
}

/** The export table as JSON text (2-space indented, ending with a newline). */
export function emitExportTable(model: InterfaceModel): string {
  return `${JSON.stringify(buildExportTable(model), null, 2)}\n`;
}
