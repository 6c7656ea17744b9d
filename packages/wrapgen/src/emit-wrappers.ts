// Nooks wrapper entry code (SOSP 2003, section 4.3): from the annotated interface, a TypeScript
// module with one kernel wrapper per exported function (extension -> kernel XPC: check and
// translate the arguments the annotations describe, run the kernel function, track what it
// acquired or released, translate its result) and one extension wrapper per callback (kernel ->
// extension XPC: translate object arguments, run the extension). The wrappers call a runtime
// (WrapperRuntime, implemented by @nooks/isolation) for every check; they do nothing by
// themselves. Hand-written bodies for functions that need more are registered with that runtime;
// emitWrapperSkeletons gives their form.

import { callableType, resolveType, typeToC } from './c-types.js';
import { buildExportTable } from './emit-exports.js';
import type { ExportedCallback } from './emit-exports.js';
import { baseName } from './emit-header.js';
import { WrapgenSemanticError } from './errors.js';
import { computeLayouts, describe } from './layout.js';
import type { LayoutSet } from './layout.js';
import type { Annotation, AnnotationSet, CType, FunctionDecl, InterfaceModel, Param, SourceLocation } from './model.js';

/**
 * The interface the generated module imports (type-only) from the runtime module. The runtime
 * (in @nooks/isolation) must provide exactly these types; a test there compares its declaration
 * with this text.
 */
export const WRAPPER_RUNTIME_INTERFACE: string = `// what the generated code imports (type-only) from the runtime module
export interface WrapperCall {
  /** The 32-bit cdecl argument at stack slot i (4-byte slots; a 64-bit arg takes two). */
  arg(i: number): number;
  /** Replaces argument slot i in place before the kernel function runs (for translated pointers). */
  setArg(i: number, value: number): void;
}
export interface WrapperRuntime {
  /** Kernel wrapper entry (extension -> kernel XPC begins). flags: the function's context annotations. */
  enterKernel(name: string, flags: WrapperFlags): void;
  /** Kernel wrapper exit (XPC returns to the extension). */
  leaveKernel(name: string): void;
  /** Runs the real kernel function (or a hand-written body registered for it) with the call's (possibly rewritten) arguments; returns EAX. */
  callKernel(name: string, call: WrapperCall): number;
  /** object(T) parameter: validates an extension-supplied pointer to a kernel object of type T and returns the kernel's version of it (may be the same address). */
  objectToKernel(type: string, ptr: number, nullable: boolean, where: string): number;
  /** object(T) return value / acquire of an object type: returns the extension's version of a kernel object. */
  objectToExtension(type: string, ptr: number, where: string): number;
  /** user parameter: a user-space pointer the kernel will access with copy_*_user semantics. */
  checkUser(ptr: number, len: number, where: string): void;
  /** in / readonly pointer: the extension must be able to read len bytes there (len -1: a NUL-terminated string). */
  checkReadable(ptr: number, len: number, nullable: boolean, where: string): void;
  /** out / inout pointer: the extension must be allowed to write len bytes there. */
  checkWritable(ptr: number, len: number, nullable: boolean, where: string): void;
  /** A function-pointer parameter or field the kernel will call later: must be 0 (if nullable) or point into the extension's code. */
  checkCallback(ptr: number, nullable: boolean, where: string): void;
  /** The function acquired a resource (acquire annotation): record it in the object tracker. objectType: the object(T) annotation of the return, if any. */
  acquired(name: string, result: number, call: WrapperCall, objectType: string | undefined): void;
  /** The function released argument \`index\` (release(i) annotation): drop it from the object tracker. Called BEFORE callKernel. */
  released(name: string, index: number, ptr: number): void;
  /** Extension wrapper (kernel -> extension XPC): runs extension code at target with args; returns EAX. */
  callExtension(site: string, target: number, args: number[], flags: WrapperFlags): number;
}
export interface WrapperFlags { irqSafe: boolean; maySleep: boolean; noncritical: boolean; critical: boolean; }
`;

export interface WrappersOptions {
  /** The module specifier the generated code imports the runtime types from; default `'../wrapper-runtime.js'`. */
  readonly runtimeImport?: string;
  /** The command that regenerates the module, quoted in its banner. */
  readonly command?: string;
}

export const DEFAULT_RUNTIME_IMPORT = '../wrapper-runtime.js';

function str(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An object-literal key: bare when it is an identifier (`__proto__` computed, so it stays an own property), else quoted. */
function propKey(name: string): string {
  if (name === '__proto__') return `['__proto__']`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : str(name);
}

function where(loc: SourceLocation): string {
  return `${baseName(loc.file)}:${loc.line}`;
}

/** `__nk(a, b(x))` as written (normalised order), or '' for none. */
function nk(a: AnnotationSet): string {
  const parts = Object.entries(a).map(([k, v]) => (v === true ? k : `${k}(${String(v)})`));
  return parts.length === 0 ? '' : `__nk(${parts.join(', ')})`;
}

/** Keeps doc comments well-formed whatever the C text holds. */
function doc(s: string): string {
  return s.replace(/\*\//g, '*\\/');
}

interface Flags {
  readonly irqSafe: boolean;
  readonly maySleep: boolean;
  readonly noncritical: boolean;
  readonly critical: boolean;
}

function flagsOf(a: AnnotationSet): Flags {
  return { irqSafe: a.irq_safe === true, maySleep: a.may_sleep === true, noncritical: a.noncritical === true, critical: a.critical === true };
}

/** The name of the module constant holding one combination of flags (`FLAGS_IRQ_SAFE`, `FLAGS_NONE`). */
function flagsConst(f: Flags): string {
  const parts: string[] = [];
  if (f.irqSafe) parts.push('IRQ_SAFE');
  if (f.maySleep) parts.push('MAY_SLEEP');
  if (f.noncritical) parts.push('NONCRITICAL');
  if (f.critical) parts.push('CRITICAL');
  return `FLAGS_${parts.length === 0 ? 'NONE' : parts.join('_')}`;
}

/** The annotation of this name as written on a parameter (for error locations), else the parameter. */
function annotationLoc(p: Param, name: Annotation['name']): SourceLocation {
  return p.annotationList.find((a) => a.name === name)?.loc ?? p.loc;
}

/** A parameter with its cdecl stack slot. */
interface SlotParam {
  readonly param: Param;
  readonly index: number;
  /** First 4-byte slot (the hidden struct-return pointer, if any, is slot 0). */
  readonly slot: number;
  readonly slots: number;
  /** How wrappers name it in `where` strings: the C name, or its index if unnamed. */
  readonly label: string;
}

function returnsInMemory(t: CType): boolean {
  return resolveType(t).kind === 'aggregate';
}

function slotParams(params: readonly Param[], returns: CType, layouts: LayoutSet): SlotParam[] {
  let slot = returnsInMemory(returns) ? 1 : 0;
  return params.map((param, index) => {
    const slots = Math.ceil(layouts.sizeOf(param.type) / 4);
    const sp: SlotParam = { param, index, slot, slots, label: param.name ?? String(index) };
    slot += slots;
    return sp;
  });
}

/** The pointed-to type of a pointer parameter (typedefs of the pointer looked through). */
function pointee(t: CType): CType | undefined {
  const r = resolveType(t);
  return r.kind === 'pointer' ? r.to : undefined;
}

/** `char *`, `const char *`, `unsigned char *` spelt with a char keyword (not u8): a string when no len() is given. */
function isCharPointer(t: CType): boolean {
  const to = pointee(t);
  return to !== undefined && to.kind === 'scalar' && (to.name === 'char' || to.name === 'signed char' || to.name === 'unsigned char');
}

/** sizeof(*p), or undefined when the pointee has no size (void, a function, an incomplete struct). */
function pointeeSize(t: CType, layouts: LayoutSet): number | undefined {
  const to = pointee(t);
  if (to === undefined) return undefined;
  const r = resolveType(to);
  if (r.kind === 'void' || r.kind === 'function') return undefined;
  if (r.kind === 'aggregate' && !r.decl.complete) return undefined;
  if (r.kind === 'array') {
    let e: CType = resolveType(r.of);
    while (e.kind === 'array') e = resolveType(e.of);
    if (e.kind === 'aggregate' && !e.decl.complete) return undefined;
  }
  return layouts.sizeOf(to);
}

/** How the wrapper reads an integer argument as an unsigned length of its own width. */
function unsignedArg(sp: SlotParam, layouts: LayoutSet, readArg: (slot: number) => string): string {
  const size = layouts.sizeOf(sp.param.type);
  const a = readArg(sp.slot);
  return size === 1 ? `${a} & 0xff` : size === 2 ? `${a} & 0xffff` : `${a} >>> 0`;
}

/** The function-pointer fields of the struct a pointer parameter points to (the wrapper cannot check them: it sees only argument slots). */
function callbackFields(t: CType, layouts: LayoutSet): string[] {
  const to = pointee(t);
  if (to === undefined) return [];
  const r = resolveType(to);
  if (r.kind !== 'aggregate' || !r.decl.complete) return [];
  return layouts
    .get(r.decl.name)
    .fields.filter((f) => callableType(f.type) !== undefined)
    .map((f) => `${f.name}@${f.offset}`);
}

/** What a kernel wrapper does for one function: the checks before the call and what follows it. */
interface KernelPlan {
  readonly fn: FunctionDecl;
  readonly params: readonly SlotParam[];
  /** Statements before callKernel (checks, translations, release), in order. */
  readonly before: string[];
  /** Per parameter, a note of what is done (for the doc comment). */
  readonly notes: string[];
  readonly flags: Flags;
}

function planKernelWrapper(fn: FunctionDecl, layouts: LayoutSet): KernelPlan {
  const name = fn.name;
  const params = slotParams(fn.type.params, fn.type.returns, layouts);
  const byName = new Map(params.filter((p) => p.param.name !== undefined).map((p) => [p.param.name as string, p]));
  const arg = (slot: number): string => `call.arg(${slot})`;
  const before: string[] = [];
  const notes: string[] = [];
  const at = (sp: SlotParam): string => str(`${name}(${sp.label})`);

  if (returnsInMemory(fn.type.returns)) {
    const size = layouts.sizeOf(fn.type.returns);
    before.push(`rt.checkWritable(${arg(0)}, ${size}, false, ${str(`${name}(return)`)});`);
    notes.push(`(hidden result pointer, slot 0): checkWritable ${size} bytes`);
  }

  /** A note on the last len(N) lengthOf read, for the doc comment. */
  let lenNote = '';
  const lengthOf = (sp: SlotParam): string | undefined => {
    const len = sp.param.annotations.len;
    lenNote = '';
    if (len === undefined) return undefined;
    const target = byName.get(len);
    const loc = annotationLoc(sp.param, 'len');
    if (target === undefined) {
      // the parser rejects this already; kept for models built by other means
      throw new WrapgenSemanticError('BAD_ANNOTATION_ARGUMENT', loc, `len(${len}): ${name} has no parameter named '${len}'`);
    }
    if (target.slots !== 1) {
      throw new WrapgenSemanticError(
        'BAD_ANNOTATION_ARGUMENT',
        loc,
        `len(${len}): parameter '${len}' of ${name} has type '${typeToC(target.param.type, '', false)}', which takes ${target.slots} argument slots; a wrapper length must fit in 32 bits`,
      );
    }
    lenNote = `len(${len}) = slot ${target.slot}`;
    return unsignedArg(target, layouts, arg);
  };

  for (const sp of params) {
    const p = sp.param;
    const a = p.annotations;
    const what = `${typeToC(p.type, p.name ?? '')}${nk(a) === '' ? '' : ` ${nk(a)}`}`;
    const nullable = a.nullable === true;
    const read = arg(sp.slot);
    const fnptr = callableType(p.type) !== undefined;
    let done: string;
    if (fnptr) {
      before.push(`rt.checkCallback(${read}, ${String(nullable)}, ${at(sp)});`);
      done = 'checkCallback';
    } else if (a.object !== undefined) {
      before.push(`call.setArg(${sp.slot}, rt.objectToKernel(${str(a.object)}, ${read}, ${String(nullable)}, ${at(sp)}));`);
      done = `objectToKernel(${a.object}) + setArg(${sp.slot})`;
    } else if (a.user === true) {
      const len = lengthOf(sp) ?? (isCharPointer(p.type) ? undefined : pointeeSize(p.type, layouts)) ?? -1;
      before.push(`rt.checkUser(${read}, ${String(len)}, ${at(sp)});`);
      done = `checkUser len ${lenNote !== '' ? lenNote : len === -1 ? '-1 (unknown)' : String(len)}`;
    } else if (resolveType(p.type).kind === 'pointer' && (a.out === true || a.inout === true || a.in === true || a.readonly === true)) {
      const writes = a.out === true || a.inout === true;
      let len: string | number | undefined = lengthOf(sp);
      if (len === undefined) {
        if (isCharPointer(p.type)) len = -1;
        else len = pointeeSize(p.type, layouts);
      }
      if (len === undefined) {
        const ann = a.out === true ? 'out' : a.inout === true ? 'inout' : a.in === true ? 'in' : 'readonly';
        throw new WrapgenSemanticError(
          'INCOMPLETE_TYPE',
          annotationLoc(p, ann),
          `annotation '${ann}' on parameter '${sp.label}' of ${name}: '${typeToC(p.type, '', false)}' points to a type without a size; give its length with len(N)`,
        );
      }
      before.push(`rt.${writes ? 'checkWritable' : 'checkReadable'}(${read}, ${String(len)}, ${String(nullable)}, ${at(sp)});`);
      const lenText = lenNote !== '' ? lenNote : len === -1 ? (writes ? '-1 (a string the callee writes)' : '-1 (a NUL-terminated string)') : String(len);
      done = `${writes ? 'checkWritable' : 'checkReadable'} len ${lenText}`;
    } else if (resolveType(p.type).kind === 'pointer') {
      done = 'opaque pointer: passed unchecked';
    } else {
      done = 'value: passed unchanged';
    }
    // the kernel will read (and may call) the function pointers of a struct the extension passes in
    const cbs = fnptr || a.out === true ? [] : callbackFields(p.type, layouts);
    notes.push(
      `${what} (slot ${sp.slot}${sp.slots > 1 ? `..${sp.slot + sp.slots - 1}` : ''}): ${done}` +
        (cbs.length > 0 ? `; function-pointer fields not checked here: ${cbs.join(', ')}` : ''),
    );
  }
  if (fn.type.varargs) notes.push('... (variadic): unnamed arguments are not checked');

  const release = fn.annotations.release;
  if (release !== undefined) {
    const sp = params[release] as SlotParam;
    const read = arg(sp.slot);
    const stmt = `rt.released(${str(name)}, ${release}, ${read});`;
    before.push(sp.param.annotations.nullable === true ? `if (${read} !== 0) ${stmt}` : stmt);
  }
  return { fn, params, before, notes, flags: flagsOf(fn.annotations) };
}

function emitKernelWrapper(plan: KernelPlan, flagsName: string): string[] {
  const { fn } = plan;
  const name = fn.name;
  const ret = fn.returnAnnotations;
  const out: string[] = [];
  const fnAnns = nk(fn.annotations);
  const retAnns = nk(ret);
  out.push('/**');
  out.push(` * ${doc(typeToC(fn.type, name))}`);
  out.push(` * ${where(fn.loc)}${fnAnns === '' ? '' : `, ${fnAnns}`}${retAnns === '' ? '' : `; result ${retAnns}`}`);
  for (const n of plan.notes) out.push(` * - ${doc(n)}`);
  out.push(' */');
  out.push(`export function nooks_w_${name}(rt: WrapperRuntime, call: WrapperCall): number {`);
  out.push(`  rt.enterKernel(${str(name)}, ${flagsName});`);
  out.push('  try {');
  for (const s of plan.before) out.push(`    ${s}`);
  const acquire = fn.annotations.acquire === true;
  const object = ret.object;
  if (!acquire && object === undefined) {
    out.push(`    return rt.callKernel(${str(name)}, call);`);
  } else {
    out.push(`    const result = rt.callKernel(${str(name)}, call);`);
    if (ret.nullable === true) out.push('    if (result === 0) return 0;');
    if (acquire) out.push(`    rt.acquired(${str(name)}, result, call, ${object === undefined ? 'undefined' : str(object)});`);
    if (object !== undefined) out.push(`    return rt.objectToExtension(${str(object)}, result, ${str(`${name}(return)`)});`);
    else out.push('    return result;');
  }
  out.push('  } finally {');
  out.push(`    rt.leaveKernel(${str(name)});`);
  out.push('  }');
  out.push('}');
  return out;
}

/** The TypeScript function name of an extension wrapper (`nooks_x_net_device_hard_start_xmit`, `nooks_x_irq_handler_t`). */
function extensionWrapperName(cb: ExportedCallback): string {
  switch (cb.kind) {
    case 'field':
      return `nooks_x_${cb.struct ?? ''}_${cb.field ?? ''}`;
    case 'param':
      return `nooks_x_${cb.function ?? ''}_${cb.name.slice(cb.name.indexOf('(') + 1, -1)}`;
    case 'typedef':
      return `nooks_x_${cb.name}`;
  }
}

function parseLocation(s: string): SourceLocation {
  const m = /^(.*):(\d+):(\d+)$/.exec(s);
  return m === null ? { file: s, line: 0, column: 0 } : { file: m[1] as string, line: Number(m[2]), column: Number(m[3]) };
}

function emitExtensionWrapper(cb: ExportedCallback, fnName: string, flagsName: string, useSlot: () => void): string[] {
  const out: string[] = [];
  const ownAnns = nk(cb.annotations);
  out.push('/**');
  // a parameter's signature is spelt with the callback's name (`void request_irq(handler)(int irq, ...)`): show the parameter name
  const signature = cb.kind === 'param' ? cb.signature.replace(cb.name, cb.name.slice(cb.name.indexOf('(') + 1, -1)) : cb.signature;
  out.push(` * ${cb.name}: ${doc(signature)}`);
  out.push(` * ${cb.location.replace(/:\d+$/, '')}${ownAnns === '' ? '' : `, ${ownAnns}`}${cb.typedef !== null && cb.kind !== 'typedef' ? ` (type ${cb.typedef})` : ''}`);
  const conversions: string[] = [];
  for (const p of cb.params) {
    const label = p.name ?? String(p.index);
    const slot = p.stackOffset / 4;
    const anns = nk(p.annotations);
    const obj = p.annotations.object;
    let done = 'passed unchanged';
    if (obj !== undefined) {
      useSlot();
      const conv = `rt.objectToExtension(${str(obj)}, wgSlot(args, ${slot}), ${str(`${cb.name}(${label})`)})`;
      conversions.push(p.annotations.nullable === true ? `if (wgSlot(args, ${slot}) !== 0) a[${slot}] = ${conv};` : `a[${slot}] = ${conv};`);
      done = `objectToExtension(${obj})`;
    }
    const decl = p.name === null ? p.type : p.type.endsWith('*') ? `${p.type}${p.name}` : `${p.type} ${p.name}`;
    out.push(` * - ${doc(decl)}${anns === '' ? '' : ` ${anns}`} (slot ${slot}): ${done}`);
  }
  if (cb.returns.passing === 'memory') out.push(' * - (hidden result pointer, slot 0): passed unchanged');
  if (cb.varargs) out.push(' * - ... (variadic): passed unchanged');
  out.push(' */');
  out.push(`export function ${fnName}(rt: WrapperRuntime, target: number, args: number[]): number {`);
  if (conversions.length === 0) {
    out.push(`  return rt.callExtension(${str(cb.name)}, target, args, ${flagsName});`);
  } else {
    out.push('  const a = args.slice();');
    for (const c of conversions) out.push(`  ${c}`);
    out.push(`  return rt.callExtension(${str(cb.name)}, target, a, ${flagsName});`);
  }
  out.push('}');
  return out;
}

/**
 * Emits the wrapper module (see the README, "Wrapper entry code"): a kernel wrapper
 * `nooks_w_<function>` per function of the interface, an extension wrapper per callback, and the
 * tables KERNEL_WRAPPERS, EXTENSION_WRAPPERS and WRAPPER_FLAGS. Throws WrapgenSemanticError when
 * an annotation cannot be turned into a check (a pointer to a type without a size annotated
 * in/out without len(N), a len(N) of a 64-bit parameter) or when two callbacks would get one
 * wrapper name (NAME_COLLISION).
 */
export function emitWrappers(model: InterfaceModel, options: WrappersOptions = {}): string {
  const layouts = computeLayouts(model);
  const table = buildExportTable(model);
  const flagConsts = new Map<string, Flags>();
  const useFlags = (f: Flags): string => {
    const n = flagsConst(f);
    flagConsts.set(n, f);
    return n;
  };
  const flagsEntries: string[] = [];

  const kernel: string[] = [];
  const kernelEntries: string[] = [];
  for (const fn of model.functions.values()) {
    const plan = planKernelWrapper(fn, layouts);
    const flagsName = useFlags(plan.flags);
    kernel.push(...emitKernelWrapper(plan, flagsName), '');
    kernelEntries.push(`  ${propKey(fn.name)}: nooks_w_${fn.name},`);
    flagsEntries.push(`  ${propKey(fn.name)}: ${flagsName},`);
  }

  let slotUsed = false;
  const extension: string[] = [];
  const extensionEntries: string[] = [];
  const names = new Map<string, string>();
  for (const cb of table.callbacks) {
    const fnName = extensionWrapperName(cb);
    const prev = names.get(fnName);
    if (prev !== undefined) {
      throw new WrapgenSemanticError('NAME_COLLISION', parseLocation(cb.location), `the extension wrapper of callback '${cb.name}' would be named '${fnName}', like that of '${prev}'`);
    }
    names.set(fnName, cb.name);
    const flagsName = useFlags(flagsOf(cb.annotations));
    extension.push(
      ...emitExtensionWrapper(cb, fnName, flagsName, () => {
        slotUsed = true;
      }),
      '',
    );
    extensionEntries.push(`  ${propKey(cb.name)}: ${fnName},`);
    flagsEntries.push(`  ${propKey(cb.name)}: ${flagsName},`);
  }

  const out: string[] = [];
  out.push(`// Generated by @nooks/wrapgen from ${model.files.map((f) => baseName(f.name)).join(', ')}. Do not edit: edit the interface`);
  out.push(`// and regenerate${options.command === undefined ? '' : ` (${options.command})`}.`);
  out.push('// Nooks wrapper entry code. nooks_w_<function>: the kernel wrapper of an exported function');
  out.push('// (extension -> kernel): checks and translates the arguments its annotations describe, runs it');
  out.push('// (rt.callKernel), records what it acquired or released and translates an object result.');
  out.push('// nooks_x_<site>: the extension wrapper of a callback (kernel -> extension): translates object');
  out.push('// arguments and runs the extension (rt.callExtension). Argument i is the 32-bit cdecl stack slot i.');
  out.push('');
  out.push(`import type { WrapperCall, WrapperFlags, WrapperRuntime } from ${str(options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT)};`);
  out.push('');
  for (const [n, f] of [...flagConsts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(
      `const ${n}: WrapperFlags = Object.freeze({ irqSafe: ${String(f.irqSafe)}, maySleep: ${String(f.maySleep)}, noncritical: ${String(f.noncritical)}, critical: ${String(f.critical)} });`,
    );
  }
  out.push('');
  if (slotUsed) {
    out.push('/** Argument slot i of an extension call; a missing one is a bug of the caller. */');
    out.push('function wgSlot(args: readonly number[], i: number): number {');
    out.push('  const v = args[i];');
    out.push("  if (v === undefined) throw new RangeError(`extension wrapper: argument slot ${i} is missing (${args.length} given)`);");
    out.push('  return v;');
    out.push('}');
    out.push('');
  }
  out.push('// ---- kernel wrappers (extension -> kernel) ----', '');
  out.push(...kernel);
  out.push('// ---- extension wrappers (kernel -> extension) ----', '');
  out.push(...extension);
  const frozen = (type: string, entries: string[]): string[] =>
    entries.length === 0
      ? [`Object.freeze(Object.create(null) as Record<string, ${type}>);`]
      : [`Object.freeze(Object.assign(Object.create(null) as Record<string, ${type}>, {`, ...entries, '}));'];
  const kernelType = '(rt: WrapperRuntime, call: WrapperCall) => number';
  const extensionType = '(rt: WrapperRuntime, target: number, args: number[]) => number';
  out.push('/** The kernel wrappers by function name (a null-prototype object). */');
  out.push(`export const KERNEL_WRAPPERS: Readonly<Record<string, ${kernelType}>> = ${frozen(kernelType, kernelEntries).join('\n')}`);
  out.push('');
  out.push("/** The extension wrappers by call site: 'struct.field', a callback typedef, or 'function(param)' (a null-prototype object). */");
  out.push(`export const EXTENSION_WRAPPERS: Readonly<Record<string, ${extensionType}>> = ${frozen(extensionType, extensionEntries).join('\n')}`);
  out.push('');
  out.push('/** The context annotations of every function and callback site (a null-prototype object). */');
  out.push(`export const WRAPPER_FLAGS: Readonly<Record<string, WrapperFlags>> = ${frozen('WrapperFlags', flagsEntries).join('\n')}`);
  out.push('');
  return out.join('\n');
}

/** How a hand-written body reads one parameter from the call (a comment line for what it cannot read as one number). */
function decodeParam(sp: SlotParam): string {
  const p = sp.param;
  const v = p.name ?? `arg${sp.index}`;
  const c = `// ${typeToC(p.type, p.name ?? '')}${nk(p.annotations) === '' ? '' : ` ${nk(p.annotations)}`}`;
  const d = describe(p.type);
  const a = `call.arg(${sp.slot})`;
  switch (d.kind) {
    case 'u8':
      return `const ${v} = ${a} & 0xff; ${c}`;
    case 's8':
      return `const ${v} = (${a} << 24) >> 24; ${c}`;
    case 'u16':
      return `const ${v} = ${a} & 0xffff; ${c}`;
    case 's16':
      return `const ${v} = (${a} << 16) >> 16; ${c}`;
    case 'u32':
    case 'ptr':
    case 'fnptr':
      return `const ${v} = ${a} >>> 0; ${c}`;
    case 's32':
      return `const ${v} = ${a} | 0; ${c}`;
    case 'u64':
    case 's64':
      return `const ${v}_lo = ${a} >>> 0, ${v}_hi = call.arg(${sp.slot + 1}) >>> 0; ${c}`;
    case 'f32':
    case 'f64':
    case 'struct':
    case 'array':
      return `// slots ${sp.slot}..${sp.slot + sp.slots - 1}: ${c.slice(3)} (${d.kind === 'struct' ? 'a struct by value' : 'floating point'}: read the stack directly)`;
  }
}

/**
 * Emits the skeletons of hand-written wrapper bodies: per kernel function, a commented-out
 * `body_<name>(rt, call)` with its parameters decoded from the call and its annotations, for
 * authors of @nooks/isolation's bodies to copy. Plain text, not compiled.
 */
export function emitWrapperSkeletons(model: InterfaceModel): string {
  const layouts = computeLayouts(model);
  const out: string[] = [];
  out.push(`// Generated by @nooks/wrapgen from ${model.files.map((f) => baseName(f.name)).join(', ')}: skeletons of hand-written wrapper bodies.`);
  out.push('// Not compiled. Copy a stub into the isolation package, uncomment it and register it with the');
  out.push('// runtime: rt.callKernel(name, call) then runs the body instead of the kernel function. The');
  out.push('// generated kernel wrapper has already checked and translated the arguments (object(T) pointers');
  out.push("// are the kernel's versions) and does the release/acquire bookkeeping and result translation.");
  out.push('// Return the value of EAX. Argument slots are 32-bit cdecl stack slots.');
  out.push('//');
  out.push("// import type { WrapperCall, WrapperRuntime } from './wrapper-runtime.js';");
  for (const fn of model.functions.values()) {
    const params = slotParams(fn.type.params, fn.type.returns, layouts);
    const fnAnns = nk(fn.annotations);
    const retAnns = nk(fn.returnAnnotations);
    out.push('');
    out.push(`// ${typeToC(fn.type, fn.name)}`);
    out.push(`//   ${where(fn.loc)}${fnAnns === '' ? '' : `, ${fnAnns}`}${retAnns === '' ? '' : `; result ${retAnns}`}`);
    out.push(`// export function body_${fn.name}(rt: WrapperRuntime, call: WrapperCall): number {`);
    if (returnsInMemory(fn.type.returns)) out.push(`//   const result_ptr = call.arg(0) >>> 0; // hidden pointer to the ${typeToC(fn.type.returns, '', false)} to fill in`);
    for (const sp of params) out.push(`//   ${decodeParam(sp)}`);
    if (fn.type.varargs) out.push(`//   // ...: variadic arguments from slot ${params.reduce((n, sp) => n + sp.slots, returnsInMemory(fn.type.returns) ? 1 : 0)} on`);
    out.push('//   // ...');
    out.push(`//   return 0; // ${resolveType(fn.type.returns).kind === 'void' ? 'void: EAX is ignored' : `EAX: ${typeToC(fn.type.returns, '', false)}`}`);
    out.push('// }');
  }
  out.push('');
  return out.join('\n');
}
