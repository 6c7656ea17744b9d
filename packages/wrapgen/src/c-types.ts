// Questions about C types of the model: what a typedef stands for, whether a type is a pointer
// or an integer, and how C spells it (`int (*)(struct net_device *dev)`).

import type { AggregateDecl, CType, FunctionType, Param, Qualifiers } from './model.js';

/** The type with typedefs looked through (qualifiers of the outermost level are dropped). */
export function resolveType(t: CType): CType {
  let r = t;
  while (r.kind === 'typedef') r = r.decl.type;
  return r;
}

export function isPointer(t: CType): boolean {
  return resolveType(t).kind === 'pointer';
}

/** The function type a function pointer points to, or undefined. */
export function functionPointerTarget(t: CType): FunctionType | undefined {
  const r = resolveType(t);
  if (r.kind !== 'pointer') return undefined;
  const f = resolveType(r.to);
  return f.kind === 'function' ? f : undefined;
}

/** The function type of a function or function-pointer type, or undefined. */
export function callableType(t: CType): FunctionType | undefined {
  const r = resolveType(t);
  return r.kind === 'function' ? r : functionPointerTarget(r);
}

export function isIntegerType(t: CType): boolean {
  const r = resolveType(t);
  if (r.kind === 'enum') return true;
  return r.kind === 'scalar' && r.name !== 'float' && r.name !== 'double';
}

/** The struct/union a pointer points to (typedefs looked through), or undefined. */
export function pointeeAggregate(t: CType): AggregateDecl | undefined {
  const r = resolveType(t);
  if (r.kind !== 'pointer') return undefined;
  const p = resolveType(r.to);
  return p.kind === 'aggregate' ? p.decl : undefined;
}

function quals(q: Qualifiers): string {
  return (q.const ? 'const ' : '') + (q.volatile ? 'volatile ' : '');
}

function paramList(params: readonly Param[], varargs: boolean, withNames: boolean): string {
  if (params.length === 0 && !varargs) return 'void';
  const ps = params.map((p) => typeToC(p.type, withNames ? (p.name ?? '') : ''));
  if (varargs) ps.push('...');
  return ps.join(', ');
}

/**
 * C spelling of a type, optionally declaring `name` (`char name[16]`, `int (*open)(struct net_device *dev)`).
 * Anonymous structs/unions are spelt by their generated name's description, as C cannot name them.
 */
export function typeToC(t: CType, name = '', withParamNames = true): string {
  const join = (base: string, inner: string): string => (inner === '' ? base : `${base} ${inner}`);
  switch (t.kind) {
    case 'void':
      return join(`${quals(t)}void`, name);
    case 'scalar':
      return join(`${quals(t)}${t.name}`, name);
    case 'typedef':
      return join(`${quals(t)}${t.decl.name}`, name);
    case 'aggregate':
      return join(`${quals(t)}${t.decl.cName}`, name);
    case 'enum':
      return join(`${quals(t)}${t.decl.tag === undefined ? `enum /* ${t.decl.name} */` : `enum ${t.decl.tag}`}`, name);
    case 'pointer': {
      const q = (t.const ? ' const' : '') + (t.volatile ? ' volatile' : '');
      let inner = `*${q}${q !== '' && name !== '' ? ' ' : ''}${name}`;
      if (t.to.kind === 'array' || t.to.kind === 'function') inner = `(${inner})`;
      return typeToC(t.to, inner, withParamNames);
    }
    case 'array':
      return typeToC(t.of, `${name}[${t.count}]`, withParamNames);
    case 'function':
      return typeToC(t.returns, `${name}(${paramList(t.params, t.varargs, withParamNames)})`, withParamNames);
  }
}

/** Structural identity of two types (typedef names kept: `u32` and `unsigned int` differ). */
export function sameType(a: CType, b: CType): boolean {
  return typeToC(a, '', false) === typeToC(b, '', false) && sameDecls(a, b);
}

function sameDecls(a: CType, b: CType): boolean {
  if (a.kind === 'aggregate' && b.kind === 'aggregate') return a.decl === b.decl;
  if (a.kind === 'pointer' && b.kind === 'pointer') return sameDecls(a.to, b.to);
  if (a.kind === 'array' && b.kind === 'array') return sameDecls(a.of, b.of);
  return true;
}
