// Where each __nk(...) annotation may stand, which ones exclude each other, and the checks on
// the annotated entity's type that can be made where the annotation is written. Checks that need
// the whole interface (object(T) of a later struct, len(N) of a later parameter) run in the
// parser's final pass (see parser.ts, `deferred`).

import { callableType, isPointer, resolveType, typeToC } from './c-types.js';
import { WrapgenSemanticError } from './errors.js';
import type { Annotation, AnnotationName, AnnotationSet, CType, FunctionType } from './model.js';

/** The kinds of entity an annotation can be written on. */
export type AnnotationSite = 'parameter' | 'field' | 'function' | 'struct' | 'typedef' | 'variable';

const DATA: readonly AnnotationName[] = ['in', 'out', 'inout', 'nullable', 'object', 'user', 'len', 'readonly'];
const CALLABLE_DATA: readonly AnnotationName[] = ['in', 'out', 'inout', 'nullable', 'readonly'];
const FUNCTION: readonly AnnotationName[] = ['critical', 'noncritical', 'may_sleep', 'irq_safe', 'release', 'acquire'];
/** Annotations written on a function declaration that describe its returned value. */
export const RETURN_ANNOTATIONS: readonly AnnotationName[] = ['nullable', 'object', 'user', 'readonly'];
const STRUCT: readonly AnnotationName[] = ['shadow', 'kernel_private'];
const VARIABLE: readonly AnnotationName[] = ['nullable', 'object', 'user', 'readonly'];

/** Annotations that take an argument, and what kind. */
export const ANNOTATION_ARGUMENTS: Partial<Record<AnnotationName, 'identifier' | 'number'>> = {
  object: 'identifier',
  len: 'identifier',
  release: 'number',
};

const CONFLICTS: readonly (readonly AnnotationName[])[] = [
  ['in', 'out', 'inout'],
  ['critical', 'noncritical'],
  ['may_sleep', 'irq_safe'],
  ['shadow', 'kernel_private'],
  ['object', 'user'],
  ['readonly', 'out'],
  ['readonly', 'inout'],
];

const WHERE: Record<AnnotationName, string> = {
  in: 'parameters and fields',
  out: 'parameters and fields',
  inout: 'parameters and fields',
  nullable: 'pointer parameters, fields, variables and function results',
  object: 'pointer parameters, fields, variables and function results',
  user: 'pointer parameters, fields, variables and function results',
  len: 'pointer and array parameters and fields',
  readonly: 'parameters, fields, variables and function results',
  shadow: "struct definitions (struct __nk(shadow) name { ... })",
  kernel_private: "struct definitions (struct __nk(kernel_private) name { ... })",
  critical: 'functions and function pointers',
  noncritical: 'functions and function pointers',
  may_sleep: 'functions and function pointers',
  irq_safe: 'functions and function pointers',
  release: 'functions and function pointers',
  acquire: 'functions and function pointers',
  callback: 'function-pointer fields, parameters and typedefs',
};

const SITE_TEXT: Record<AnnotationSite, string> = {
  parameter: 'a parameter',
  field: 'a struct member',
  function: 'a function',
  struct: 'a struct or union',
  typedef: 'a typedef',
  variable: 'a variable',
};

/** The annotations allowed on an entity of this site and type. */
export function allowedAnnotations(site: AnnotationSite, type: CType | undefined): readonly AnnotationName[] {
  const callable = type !== undefined && callableType(type) !== undefined;
  switch (site) {
    case 'parameter':
    case 'field':
      return callable ? [...CALLABLE_DATA, ...FUNCTION, 'callback'] : DATA;
    case 'function':
      return [...FUNCTION, ...RETURN_ANNOTATIONS];
    case 'typedef':
      return callable ? [...FUNCTION, 'callback'] : [];
    case 'struct':
      return STRUCT;
    case 'variable':
      return VARIABLE;
  }
}

function fail(code: 'ANNOTATION_NOT_ALLOWED' | 'DUPLICATE_ANNOTATION' | 'CONFLICTING_ANNOTATIONS' | 'BAD_ANNOTATION_ARGUMENT', a: Annotation, msg: string): never {
  throw new WrapgenSemanticError(code, a.loc, msg);
}

/**
 * Checks the annotations written on one entity and returns them normalised.
 * `what` names the entity in messages (`parameter 'skb'`); `type` is its C type (for a
 * function, its function type).
 */
export function checkAnnotations(site: AnnotationSite, list: readonly Annotation[], type: CType | undefined, what: string): AnnotationSet {
  const allowed = allowedAnnotations(site, type);
  const set: Record<string, true | string | number> = {};
  const seen = new Map<AnnotationName, Annotation>();
  for (const a of list) {
    if (!allowed.includes(a.name)) {
      const callableHint =
        (FUNCTION.includes(a.name) || a.name === 'callback') && (site === 'parameter' || site === 'field' || site === 'typedef')
          ? ` (${what} is not a function pointer)`
          : '';
      fail('ANNOTATION_NOT_ALLOWED', a, `annotation '${a.name}' is not allowed on ${SITE_TEXT[site]}${callableHint}; it belongs on ${WHERE[a.name]}`);
    }
    if (seen.has(a.name)) fail('DUPLICATE_ANNOTATION', a, `annotation '${a.name}' is given twice on ${what}`);
    for (const group of CONFLICTS) {
      if (!group.includes(a.name)) continue;
      const other = group.find((g) => g !== a.name && seen.has(g));
      if (other !== undefined) {
        const hint = group.includes('inout') && other !== 'readonly' && a.name !== 'readonly' ? "; use 'inout' for both directions" : '';
        fail('CONFLICTING_ANNOTATIONS', a, `annotations '${other}' and '${a.name}' cannot be combined on ${what}${hint}`);
      }
    }
    seen.set(a.name, a);
    set[a.name] = a.arg ?? true;
  }
  if (type !== undefined) checkTypeRequirements(site, seen, type, what);
  return set as AnnotationSet;
}

function checkTypeRequirements(site: AnnotationSite, seen: ReadonlyMap<AnnotationName, Annotation>, type: CType, what: string): void {
  const tname = typeToC(type, '', false);
  const pointerOnly: AnnotationName[] = ['nullable', 'user', 'object'];
  if (site === 'parameter') pointerOnly.push('out', 'inout', 'readonly');
  const isFunction = site === 'function';
  if (!isFunction) {
    for (const n of pointerOnly) {
      const a = seen.get(n);
      if (a !== undefined && !isPointer(type)) {
        fail('ANNOTATION_NOT_ALLOWED', a, `annotation '${n}' needs a pointer, but ${what} has type '${tname}'`);
      }
    }
    const len = seen.get('len');
    if (len !== undefined) {
      const r = resolveType(type);
      if (r.kind !== 'pointer' && r.kind !== 'array') {
        fail('ANNOTATION_NOT_ALLOWED', len, `annotation 'len' needs a pointer or an array, but ${what} has type '${tname}'`);
      }
    }
  }
  const fn = callableType(type);
  if (fn === undefined) return;
  checkFunctionAnnotations(seen, fn, isFunction ? what : `the function ${what} points to`);
  if (isFunction) {
    for (const n of RETURN_ANNOTATIONS) {
      const a = seen.get(n);
      if (a !== undefined && n !== 'readonly' && !isPointer(fn.returns)) {
        fail('ANNOTATION_NOT_ALLOWED', a, `annotation '${n}' describes the returned pointer, but ${what} returns '${typeToC(fn.returns, '', false)}'`);
      }
    }
  }
}

function checkFunctionAnnotations(seen: ReadonlyMap<AnnotationName, Annotation>, fn: FunctionType, what: string): void {
  const acquire = seen.get('acquire');
  if (acquire !== undefined && !isPointer(fn.returns)) {
    fail('ANNOTATION_NOT_ALLOWED', acquire, `annotation 'acquire' needs a function returning a pointer, but ${what} returns '${typeToC(fn.returns, '', false)}'`);
  }
  const release = seen.get('release');
  if (release !== undefined) {
    const index = release.arg as number;
    const p = fn.params[index];
    if (p === undefined) {
      fail(
        'BAD_ANNOTATION_ARGUMENT',
        release,
        `release(${index}): ${what} has ${fn.params.length} parameter(s); the argument index counts from 0`,
      );
    }
    if (!isPointer(p.type)) {
      fail('BAD_ANNOTATION_ARGUMENT', release, `release(${index}): argument ${index} of ${what} is not a pointer but '${typeToC(p.type, '', false)}'`);
    }
  }
}

/** Splits the annotations written on a function into its own and those of its result. */
export function splitFunctionAnnotations(set: AnnotationSet): { fn: AnnotationSet; result: AnnotationSet } {
  const fn: Record<string, unknown> = {};
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(set)) {
    if ((RETURN_ANNOTATIONS as readonly string[]).includes(k)) result[k] = v;
    else fn[k] = v;
  }
  return { fn: fn as AnnotationSet, result: result as AnnotationSet };
}
