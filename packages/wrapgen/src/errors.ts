import type { SourceLocation } from './model.js';

/** Codes of WrapgenSyntaxError: the text is not in wrapgen's C subset. */
export type WrapgenSyntaxCode =
  /** A token that the grammar does not allow here (the message says what was expected). */
  | 'UNEXPECTED_TOKEN'
  /** A character that is not part of the C subset (e.g. `$`, `@`, a string literal). */
  | 'INVALID_CHARACTER'
  /** A comment opened with slash-star and never closed. */
  | 'UNTERMINATED_COMMENT'
  /** A malformed integer constant (`0x`, `12abc`, `1.5`, a value too large for 64 bits). */
  | 'INVALID_NUMBER'
  /** Valid C, but outside the subset: bit-fields, function bodies, `#if`, attributes, ... */
  | 'UNSUPPORTED_SYNTAX';

/** Codes of WrapgenSemanticError: well-formed text that does not make sense. */
export type WrapgenSemanticCode =
  /** A type name that is neither a keyword type, a builtin typedef nor declared before. */
  | 'UNKNOWN_TYPE'
  /** Two members of one struct/union (including members hoisted from anonymous unions) share a name. */
  | 'DUPLICATE_FIELD'
  /** A name (struct tag, typedef, function, variable, constant) defined twice, or two parameters with one name. */
  | 'DUPLICATE_DEFINITION'
  /** `__nk(x)` with an x that is not one of the annotations. */
  | 'UNKNOWN_ANNOTATION'
  /** A known annotation where it has no meaning (e.g. `shadow` on a parameter, `nullable` on an int). */
  | 'ANNOTATION_NOT_ALLOWED'
  /** The same annotation twice on one entity. */
  | 'DUPLICATE_ANNOTATION'
  /** Annotations that exclude each other (`in` + `out`, `critical` + `noncritical`, ...). */
  | 'CONFLICTING_ANNOTATIONS'
  /** A missing, extra or wrong annotation argument (`object()` of an unknown type, `len(x)` of no sibling, ...). */
  | 'BAD_ANNOTATION_ARGUMENT'
  /** A struct/union/enum used by value before it is defined, or `void` used as an object type. */
  | 'INCOMPLETE_TYPE'
  /** A type C does not allow (array of functions, function returning an array, ...). */
  | 'INVALID_TYPE'
  /** A constant expression that cannot be evaluated (unknown name, division by zero, bad shift, negative array size). */
  | 'BAD_CONSTANT'
  /** An identifier that is also a `#define` name, which the C preprocessor would expand. */
  | 'MACRO_NAME_CONFLICT'
  /** Two declarations that would get one name in the generated TypeScript. */
  | 'NAME_COLLISION';

/** An error located in an interface file; the message starts `file:line:column: `. */
export abstract class WrapgenSourceError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without its `file:line:column: ` prefix. */
  readonly detail: string;
  constructor(loc: SourceLocation, detail: string) {
    super(`${loc.file}:${loc.line}:${loc.column}: ${detail}`);
    this.file = loc.file;
    this.line = loc.line;
    this.column = loc.column;
    this.detail = detail;
  }
}

/** The interface text is not in wrapgen's C subset. */
export class WrapgenSyntaxError extends WrapgenSourceError {
  override readonly name = 'WrapgenSyntaxError';
  constructor(
    readonly code: WrapgenSyntaxCode,
    loc: SourceLocation,
    detail: string,
  ) {
    super(loc, detail);
  }
}

/** The interface is well-formed but wrong: unknown type, duplicate field, misplaced annotation, ... */
export class WrapgenSemanticError extends WrapgenSourceError {
  override readonly name = 'WrapgenSemanticError';
  constructor(
    readonly code: WrapgenSemanticCode,
    loc: SourceLocation,
    detail: string,
  ) {
    super(loc, detail);
  }
}

/** No C compiler that can target i386 (needed only by verifyLayoutsWithGcc and the tests). */
export class ToolchainError extends Error {
  readonly code = 'NO_I386_COMPILER';
  override readonly name = 'ToolchainError';
}

/** The layout probe did not compile for a reason other than a layout mismatch. */
export class ProbeCompileError extends Error {
  readonly code = 'PROBE_COMPILE_FAILED';
  override readonly name = 'ProbeCompileError';
  constructor(
    readonly command: readonly string[],
    readonly output: string,
  ) {
    super(`the layout probe does not compile:\n$ ${command.join(' ')}\n${output.trim()}`);
  }
}

/** One quantity on which wrapgen and the C compiler disagree. */
export interface LayoutMismatch {
  /** What was checked, in C: `offsetof(struct net_device, mtu)`, `sizeof(spinlock_t)`, `IFF_UP`. */
  readonly what: string;
  /** wrapgen's value. */
  readonly expected: bigint;
  /** The compiler's value (undefined if it could not be read back). */
  readonly actual: bigint | undefined;
}

/** wrapgen's layouts (or constant values) differ from what the C compiler computes. */
export class LayoutMismatchError extends Error {
  readonly code = 'LAYOUT_MISMATCH';
  override readonly name = 'LayoutMismatchError';
  constructor(readonly mismatches: readonly LayoutMismatch[]) {
    super(
      `wrapgen's layouts differ from the C compiler's in ${mismatches.length} place(s):\n` +
        mismatches
          .map((m) => `  ${m.what}: wrapgen ${m.expected}, compiler ${m.actual === undefined ? '?' : m.actual}`)
          .join('\n'),
    );
  }
}

/** Bad command line of the wrapgen CLI. */
export class CliUsageError extends Error {
  readonly code = 'USAGE';
  override readonly name = 'CliUsageError';
}
