// The parsed interface: every declaration of the annotated C interface, with its types resolved
// to objects and every __nk(...) annotation kept (normalised, and raw with its location), so the
// emitters of today (header, layouts, export table) and of tomorrow (wrappers) share one model.

/** A position in an interface file; line and column count from 1 (a tab is one column). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One interface file as given to parseInterface. */
export interface SourceFile {
  /** The name used in messages and in the generated banners (e.g. `kernel.h`). */
  readonly name: string;
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------
// Annotations

/** Every annotation the language knows, as written inside `__nk(...)`. */
export const ANNOTATION_NAMES = [
  'in',
  'out',
  'inout',
  'nullable',
  'object',
  'user',
  'len',
  'readonly',
  'shadow',
  'kernel_private',
  'critical',
  'noncritical',
  'may_sleep',
  'irq_safe',
  'release',
  'acquire',
  'callback',
] as const;

export type AnnotationName = (typeof ANNOTATION_NAMES)[number];

/** One annotation as written, with where it was written. */
export interface Annotation {
  readonly name: AnnotationName;
  /** The argument of `object(T)` / `len(N)` (an identifier) or `release(I)` (a number). */
  readonly arg: string | number | undefined;
  readonly loc: SourceLocation;
}

/**
 * The annotations of one entity, normalised: a flag annotation is `true` when present, an
 * annotation with an argument holds its argument. Absent annotations are absent keys.
 */
export interface AnnotationSet {
  /** Parameter/field: data flows into the callee (the default for non-pointers). */
  readonly in?: true;
  /** Parameter/field: the callee writes through the pointer; the caller reads it afterwards. */
  readonly out?: true;
  /** Parameter/field: both. */
  readonly inout?: true;
  /** Pointer may be NULL. */
  readonly nullable?: true;
  /** Pointer to a tracked kernel object of this type (struct tag or typedef name). */
  readonly object?: string;
  /** Pointer into user space (must go through copy_from_user / copy_to_user). */
  readonly user?: true;
  /** The pointed-to buffer holds as many bytes as this sibling parameter/field says. */
  readonly len?: string;
  /** Field: the extension must not change it. Parameter: the callee does not write through it. */
  readonly readonly?: true;
  /** Struct: the extension works on a shadow copy, synchronised across each XPC. */
  readonly shadow?: true;
  /** Struct: never mapped writable into an extension's domain, never shadowed. */
  readonly kernel_private?: true;
  /** Function: the caller cannot go on if it fails; its wrapper must run it synchronously. */
  readonly critical?: true;
  /** Function: its effect may be deferred or batched (a non-critical write). */
  readonly noncritical?: true;
  /** Function: may block; never call it from interrupt context. */
  readonly may_sleep?: true;
  /** Function: may be called from interrupt context. */
  readonly irq_safe?: true;
  /** Function: releases the object passed as argument number `release` (0-based). */
  readonly release?: number;
  /** Function: returns a new object that the caller now holds. */
  readonly acquire?: true;
  /** Function pointer: the kernel calls it into an extension (an extension entry point). */
  readonly callback?: true;
}

// ---------------------------------------------------------------------------------------------
// Types

/** The C arithmetic types of the subset (`long` is 32 bits on i386). */
export type ScalarName =
  | 'char'
  | 'signed char'
  | 'unsigned char'
  | 'short'
  | 'unsigned short'
  | 'int'
  | 'unsigned int'
  | 'long'
  | 'unsigned long'
  | 'long long'
  | 'unsigned long long'
  | '_Bool'
  | 'float'
  | 'double';

/** `const` / `volatile` on one level of a type. */
export interface Qualifiers {
  readonly const?: true;
  readonly volatile?: true;
}

export interface VoidType extends Qualifiers {
  readonly kind: 'void';
}

export interface ScalarType extends Qualifiers {
  readonly kind: 'scalar';
  readonly name: ScalarName;
}

/** A use of a typedef name. */
export interface TypedefRef extends Qualifiers {
  readonly kind: 'typedef';
  readonly decl: TypedefDecl;
}

/** A use of a struct or union (by tag, or an anonymous one at its definition). */
export interface AggregateRef extends Qualifiers {
  readonly kind: 'aggregate';
  readonly decl: AggregateDecl;
}

export interface EnumRef extends Qualifiers {
  readonly kind: 'enum';
  readonly decl: EnumDecl;
}

export interface PointerType extends Qualifiers {
  readonly kind: 'pointer';
  readonly to: CType;
}

export interface ArrayType {
  readonly kind: 'array';
  readonly of: CType;
  readonly count: number;
}

export interface FunctionType {
  readonly kind: 'function';
  readonly returns: CType;
  readonly params: readonly Param[];
  readonly varargs: boolean;
}

export type CType = VoidType | ScalarType | TypedefRef | AggregateRef | EnumRef | PointerType | ArrayType | FunctionType;

/** A parameter of a function or function-pointer type. */
export interface Param {
  /** undefined for an unnamed parameter (`int register_netdev(struct net_device *);`). */
  readonly name: string | undefined;
  /** Adjusted as C adjusts it: an array parameter is a pointer, a function parameter a function pointer. */
  readonly type: CType;
  readonly annotations: AnnotationSet;
  readonly annotationList: readonly Annotation[];
  readonly loc: SourceLocation;
}

// ---------------------------------------------------------------------------------------------
// Declarations

/** `#define NAME value` with an integer constant expression. */
export interface DefineDecl {
  readonly kind: 'define';
  readonly name: string;
  /** The value as written (source text after the name). */
  readonly expr: string;
  /** The value as C computes it, with C's integer types and wrap-around. */
  readonly value: bigint;
  readonly type: IntegerConstantType;
  readonly loc: SourceLocation;
}

/** The C type of an integer constant expression. */
export type IntegerConstantType = 'int' | 'unsigned int' | 'long' | 'unsigned long' | 'long long' | 'unsigned long long';

export interface TypedefDecl {
  readonly kind: 'typedef';
  readonly name: string;
  readonly type: CType;
  /** One of the builtin fixed-width typedefs (u8 ... s64), not written in the interface. */
  readonly builtin: boolean;
  readonly annotations: AnnotationSet;
  readonly annotationList: readonly Annotation[];
  readonly loc: SourceLocation;
}

/** A member of a struct or union. */
export interface Member {
  /** undefined for an anonymous struct/union member, whose own members are hoisted (C11). */
  readonly name: string | undefined;
  readonly type: CType;
  readonly annotations: AnnotationSet;
  readonly annotationList: readonly Annotation[];
  readonly loc: SourceLocation;
}

/** A struct or union type. Tagged ones are created at their first mention and completed at their definition. */
export interface AggregateDecl {
  readonly kind: 'aggregate';
  readonly union: boolean;
  /** The C tag, undefined for an anonymous struct/union. */
  readonly tag: string | undefined;
  /**
   * The name the generated code uses: the tag; for an anonymous struct named by a typedef, the
   * typedef name; for an anonymous member type, `<parent>__<member>` (`<parent>__anonN` if unnamed).
   */
  name: string;
  /** How C spells the type where that is possible: `struct net_device`, `spinlock_t`. */
  cName: string;
  complete: boolean;
  members: Member[];
  annotations: AnnotationSet;
  annotationList: Annotation[];
  /** Where it was defined (or first mentioned, while incomplete). */
  loc: SourceLocation;
  /** For an anonymous struct/union defined inside another one: that one, and the member name (if any). */
  parent: { readonly decl: AggregateDecl; readonly member: string | undefined } | undefined;
}

export interface EnumConstant {
  readonly name: string;
  readonly value: bigint;
  readonly loc: SourceLocation;
}

export interface EnumDecl {
  readonly kind: 'enum';
  readonly tag: string | undefined;
  name: string;
  complete: boolean;
  constants: EnumConstant[];
  /** gcc gives an enum without negative values the type unsigned int, otherwise int. */
  unsigned: boolean;
  loc: SourceLocation;
}

/** A function the kernel provides to modules (a prototype; `extern` optional). */
export interface FunctionDecl {
  readonly kind: 'function';
  readonly name: string;
  readonly type: FunctionType;
  /** Function annotations: critical, noncritical, may_sleep, irq_safe, release, acquire. */
  readonly annotations: AnnotationSet;
  /** Annotations of the returned value: nullable, object, user, readonly. */
  readonly returnAnnotations: AnnotationSet;
  readonly annotationList: readonly Annotation[];
  readonly loc: SourceLocation;
}

/** `extern TYPE name;`: a data object the kernel exports (e.g. `jiffies`). */
export interface VariableDecl {
  readonly kind: 'variable';
  readonly name: string;
  readonly type: CType;
  readonly annotations: AnnotationSet;
  readonly annotationList: readonly Annotation[];
  readonly loc: SourceLocation;
}

export type Declaration = DefineDecl | TypedefDecl | AggregateDecl | EnumDecl | FunctionDecl | VariableDecl;

/** A named integer constant: a `#define` or an enumerator. */
export interface NamedConstant {
  readonly name: string;
  readonly value: bigint;
  readonly type: IntegerConstantType;
  readonly from: DefineDecl | EnumDecl;
  readonly loc: SourceLocation;
}

/** The whole interface, as parseInterface returns it. */
export interface InterfaceModel {
  readonly files: readonly SourceFile[];
  /**
   * Top-level declarations in source order: defines, typedefs, struct/union/enum definitions
   * (at their definition; forward declarations are not listed), function prototypes, variables.
   */
  readonly declarations: readonly Declaration[];
  /** Every complete struct/union by generated name, in definition order (anonymous member types included). */
  readonly aggregates: ReadonlyMap<string, AggregateDecl>;
  /** Struct/union/enum tags (C's tag namespace), complete or not. */
  readonly tags: ReadonlyMap<string, AggregateDecl | EnumDecl>;
  /** Typedefs by name, builtin ones (u8 ... s64) included. */
  readonly typedefs: ReadonlyMap<string, TypedefDecl>;
  readonly enums: readonly EnumDecl[];
  /** #define constants and enumerators, in source order. */
  readonly constants: ReadonlyMap<string, NamedConstant>;
  readonly functions: ReadonlyMap<string, FunctionDecl>;
  readonly variables: ReadonlyMap<string, VariableDecl>;
}
