// Sizes, alignments and member offsets as gcc -m32 lays them out for the i386 System V ABI:
// char 1, short 2, int/long/pointer/enum 4, long long and double 8 bytes but 4-aligned (in a
// struct, and for _Alignof since gcc 8), a struct aligned to its most aligned member and
// padded at the tail to a multiple of that, unions the size of their largest member rounded
// up likewise. No packing, no bit-fields (the language has neither).

import { resolveType, typeToC } from './c-types.js';
import type { AggregateDecl, CType, InterfaceModel, Member, ScalarName } from './model.js';

/** The kinds of scalar a field can hold, as the TypeScript accessors read them. */
export type ScalarKind = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'f32' | 'f64';

/** What a field holds, in the form the generated TypeScript and the export table describe it. */
export type FieldType =
  | { readonly kind: ScalarKind }
  /** A data pointer; `to` is the C spelling of the pointed-to type (`struct sk_buff`, `const char`). */
  | { readonly kind: 'ptr'; readonly to: string }
  /** A function pointer; `signature` is the C function type (`int (struct net_device *)`). */
  | { readonly kind: 'fnptr'; readonly signature: string }
  | { readonly kind: 'array'; readonly element: FieldType; readonly count: number }
  /** A struct or union by value; `name` is its generated name (a key of the layouts). */
  | { readonly kind: 'struct'; readonly name: string };

/** One named field of a struct/union (members of anonymous members hoisted, with their offset in this aggregate). */
export interface FieldLayout {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
  readonly type: CType;
  readonly descriptor: FieldType;
  readonly member: Member;
  /** True when the field belongs to an anonymous struct/union member (C11) and is hoisted here. */
  readonly hoisted: boolean;
}

/** The layout of one struct or union. */
export interface AggregateLayout {
  readonly decl: AggregateDecl;
  readonly name: string;
  readonly cName: string;
  readonly union: boolean;
  readonly size: number;
  readonly align: number;
  /** Direct members in order, anonymous ones included (name undefined). */
  readonly members: readonly { readonly member: Member; readonly offset: number; readonly size: number; readonly align: number }[];
  /** Named fields in order, the members of anonymous members hoisted. */
  readonly fields: readonly FieldLayout[];
}

/** The layouts of every struct/union of an interface. */
export interface LayoutSet {
  /** In the order of model.aggregates (definition order). */
  readonly aggregates: readonly AggregateLayout[];
  /** The layout of the struct/union with this generated name; throws if there is none. */
  get(name: string): AggregateLayout;
  sizeOf(t: CType): number;
  alignOf(t: CType): number;
}

const SCALARS: Record<ScalarName, { size: number; align: number; kind: ScalarKind }> = {
  char: { size: 1, align: 1, kind: 's8' }, // char is signed on i386
  'signed char': { size: 1, align: 1, kind: 's8' },
  'unsigned char': { size: 1, align: 1, kind: 'u8' },
  _Bool: { size: 1, align: 1, kind: 'u8' },
  short: { size: 2, align: 2, kind: 's16' },
  'unsigned short': { size: 2, align: 2, kind: 'u16' },
  int: { size: 4, align: 4, kind: 's32' },
  'unsigned int': { size: 4, align: 4, kind: 'u32' },
  long: { size: 4, align: 4, kind: 's32' },
  'unsigned long': { size: 4, align: 4, kind: 'u32' },
  'long long': { size: 8, align: 4, kind: 's64' },
  'unsigned long long': { size: 8, align: 4, kind: 'u64' },
  float: { size: 4, align: 4, kind: 'f32' },
  double: { size: 8, align: 4, kind: 'f64' },
};

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

const cache = new WeakMap<InterfaceModel, LayoutSet>();

/** Computes (once per model) the i386 layout of every struct and union. */
export function computeLayouts(model: InterfaceModel): LayoutSet {
  const cached = cache.get(model);
  if (cached !== undefined) return cached;
  const byDecl = new Map<AggregateDecl, AggregateLayout>();

  const sizeAlign = (t: CType): { size: number; align: number } => {
    const r = resolveType(t);
    switch (r.kind) {
      case 'scalar':
        return SCALARS[r.name];
      case 'pointer':
      case 'enum':
        return { size: 4, align: 4 };
      case 'array': {
        const e = sizeAlign(r.of);
        return { size: e.size * r.count, align: e.align };
      }
      case 'aggregate': {
        const l = layoutOf(r.decl);
        return { size: l.size, align: l.align };
      }
      case 'void':
      case 'function':
      case 'typedef':
        throw new Error(`wrapgen: '${typeToC(t, '', false)}' has no size`);
    }
  };

  const layoutOf = (decl: AggregateDecl): AggregateLayout => {
    const done = byDecl.get(decl);
    if (done !== undefined) return done;
    if (!decl.complete) throw new Error(`wrapgen: '${decl.cName}' is incomplete`);
    let end = 0;
    let align = 1;
    const members: { member: Member; offset: number; size: number; align: number }[] = [];
    const fields: FieldLayout[] = [];
    for (const m of decl.members) {
      const sa = sizeAlign(m.type);
      const offset = decl.union ? 0 : alignUp(end, sa.align);
      end = decl.union ? Math.max(end, sa.size) : offset + sa.size;
      align = Math.max(align, sa.align);
      members.push({ member: m, offset, size: sa.size, align: sa.align });
      if (m.name !== undefined) {
        fields.push({ name: m.name, offset, size: sa.size, align: sa.align, type: m.type, descriptor: describe(m.type), member: m, hoisted: false });
      } else {
        const inner = layoutOf((resolveType(m.type) as { decl: AggregateDecl }).decl);
        for (const f of inner.fields) fields.push({ ...f, offset: offset + f.offset, hoisted: true });
      }
    }
    const layout: AggregateLayout = {
      decl,
      name: decl.name,
      cName: decl.cName,
      union: decl.union,
      size: alignUp(end, align),
      align,
      members,
      fields,
    };
    byDecl.set(decl, layout);
    return layout;
  };

  const aggregates = [...model.aggregates.values()].map(layoutOf);
  const byName = new Map(aggregates.map((l) => [l.name, l]));
  const set: LayoutSet = {
    aggregates,
    get(name: string): AggregateLayout {
      const l = byName.get(name);
      if (l === undefined) throw new Error(`wrapgen: no struct or union named '${name}' in the interface`);
      return l;
    },
    sizeOf: (t) => sizeAlign(t).size,
    alignOf: (t) => sizeAlign(t).align,
  };
  cache.set(model, set);
  return set;
}

/** The descriptor of a field type: scalar kind, pointer, function pointer, array or struct. */
export function describe(t: CType): FieldType {
  const r = resolveType(t);
  switch (r.kind) {
    case 'scalar':
      return { kind: SCALARS[r.name].kind };
    case 'enum':
      return { kind: r.decl.unsigned ? 'u32' : 's32' };
    case 'pointer': {
      const to = resolveType(r.to);
      if (to.kind === 'function') return { kind: 'fnptr', signature: typeToC(to, '', false) };
      return { kind: 'ptr', to: typeToC(r.to, '', false) };
    }
    case 'array':
      return { kind: 'array', element: describe(r.of), count: r.count };
    case 'aggregate':
      return { kind: 'struct', name: r.decl.name };
    case 'void':
    case 'function':
    case 'typedef':
      throw new Error(`wrapgen: '${typeToC(t, '', false)}' is not a field type`);
  }
}

/** The size in bytes of a scalar kind. */
export function scalarSize(kind: ScalarKind): number {
  return kind === 'u8' || kind === 's8' ? 1 : kind === 'u16' || kind === 's16' ? 2 : kind === 'u64' || kind === 's64' || kind === 'f64' ? 8 : 4;
}
