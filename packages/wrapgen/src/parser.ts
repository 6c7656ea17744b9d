// Recursive-descent parser of wrapgen's C subset (see README, "The interface language").
// One pass over the files in order (a later file sees the earlier ones' declarations, as if
// they were concatenated), then a final pass for checks that need the whole interface.

import { ANNOTATION_ARGUMENTS, checkAnnotations, splitFunctionAnnotations } from './annotations.js';
import { callableType, isIntegerType, pointeeAggregate, resolveType, sameType, typeToC } from './c-types.js';
import { binary, cast, parseIntegerLiteral, unary, wrap } from './const-eval.js';
import type { BinaryOp, IntValue, UnaryOp } from './const-eval.js';
import { WrapgenSemanticError, WrapgenSyntaxError } from './errors.js';
import type { WrapgenSemanticCode, WrapgenSyntaxCode } from './errors.js';
import { describeToken, tokenize } from './lexer.js';
import type { Token } from './lexer.js';
import { ANNOTATION_NAMES } from './model.js';
import type {
  AggregateDecl,
  Annotation,
  AnnotationName,
  AnnotationSet,
  CType,
  Declaration,
  DefineDecl,
  EnumDecl,
  FunctionDecl,
  FunctionType,
  InterfaceModel,
  IntegerConstantType,
  Member,
  NamedConstant,
  Param,
  Qualifiers,
  ScalarName,
  SourceFile,
  SourceLocation,
  TypedefDecl,
  VariableDecl,
} from './model.js';

const BUILTIN_LOC: SourceLocation = { file: '<builtin>', line: 0, column: 0 };

/** The fixed-width typedefs every interface may use without declaring them (as asm/types.h gives them). */
export const BUILTIN_TYPEDEFS: ReadonlyArray<readonly [string, ScalarName]> = [
  ['s8', 'signed char'],
  ['u8', 'unsigned char'],
  ['s16', 'short'],
  ['u16', 'unsigned short'],
  ['s32', 'int'],
  ['u32', 'unsigned int'],
  ['s64', 'long long'],
  ['u64', 'unsigned long long'],
];

const BASIC_TYPE_WORDS = new Set(['void', 'char', 'short', 'int', 'long', 'signed', 'unsigned', 'float', 'double', '_Bool']);
const QUALIFIER_WORDS = new Set(['const', 'volatile']);

// a Map, not an object: identifiers such as `constructor` or `__proto__` must not find Object.prototype
const UNSUPPORTED_WORDS = new Map<string, string>(Object.entries({
  static: "'static' declarations are not supported: the interface declares what the kernel exports",
  inline: "inline functions are not supported: declare a prototype ending with ';'",
  __inline: "inline functions are not supported: declare a prototype ending with ';'",
  __inline__: "inline functions are not supported: declare a prototype ending with ';'",
  register: "'register' is not supported in the interface",
  auto: "'auto' is not supported in the interface",
  restrict: "'restrict' is not supported in the interface",
  __restrict: "'__restrict' is not supported in the interface",
  _Atomic: "'_Atomic' is not supported in the interface",
  _Thread_local: "'_Thread_local' is not supported in the interface",
  _Noreturn: "'_Noreturn' is not supported in the interface",
  _Alignas: "'_Alignas' is not supported: wrapgen computes the natural i386 layout",
  _Complex: "'_Complex' is not supported in the interface",
  _Static_assert: "'_Static_assert' is not supported in the interface",
  __attribute__: "'__attribute__' is not supported (packed or aligned structs change the ABI layout); use __nk(...) annotations",
  __attribute: "'__attribute' is not supported (packed or aligned structs change the ABI layout); use __nk(...) annotations",
  __extension__: "'__extension__' is not supported in the interface",
  asm: "'asm' is not supported in the interface",
  __asm__: "'__asm__' is not supported in the interface",
  typeof: "'typeof' is not supported in the interface",
  __typeof__: "'__typeof__' is not supported in the interface",
  sizeof: "'sizeof' is not supported in constant expressions; write the number or a #define",
}));

const C_KEYWORDS = new Set([
  ...BASIC_TYPE_WORDS,
  ...QUALIFIER_WORDS,
  ...UNSUPPORTED_WORDS.keys(),
  'typedef',
  'extern',
  'struct',
  'union',
  'enum',
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'default',
  'break',
  'continue',
  'return',
  'goto',
  '__nk',
]);

type DeclContext = 'top' | 'member' | 'param';

interface DeclSpecs {
  readonly storage: 'typedef' | 'extern' | undefined;
  readonly type: CType;
  readonly annotations: Annotation[];
  readonly definedAggregate: AggregateDecl | undefined;
  readonly definedEnum: EnumDecl | undefined;
  readonly start: Token;
}

interface Declarator {
  readonly nameTok: Token | undefined;
  readonly annotations: Annotation[];
  /** Builds the declared type from the declaration specifiers' type. */
  readonly apply: (base: CType) => CType;
  /** Where the name is (or the declarator starts, if it has none). */
  readonly loc: SourceLocation;
}

interface ParsedParams {
  readonly params: Param[];
  readonly varargs: boolean;
}

/** Parses the interface files, in order, into one model. Throws WrapgenSyntaxError / WrapgenSemanticError. */
export function parseInterface(files: readonly SourceFile[]): InterfaceModel {
  const parser = new InterfaceParser();
  for (const f of files) parser.parseFile(f);
  return parser.finish(files);
}

class InterfaceParser {
  private toks: Token[] = [];
  private pos = 0;
  private text = '';

  private readonly typedefs = new Map<string, TypedefDecl>();
  private readonly tags = new Map<string, AggregateDecl | EnumDecl>();
  /** C's ordinary identifiers: typedef names, functions, variables, enumerators. */
  private readonly ordinary = new Map<string, { readonly what: string; readonly loc: SourceLocation }>();
  private readonly defines = new Map<string, DefineDecl>();
  private readonly constants = new Map<string, NamedConstant>();
  /** Every identifier declared as a name (member, parameter, tag, ...), for the #define clash check. */
  private readonly names = new Map<string, SourceLocation>();
  private readonly aggregateOrder: AggregateDecl[] = [];
  private readonly declarations: Declaration[] = [];
  private readonly enums: EnumDecl[] = [];
  private readonly functions = new Map<string, FunctionDecl>();
  private readonly variables = new Map<string, VariableDecl>();
  private readonly deferred: (() => void)[] = [];
  private anonymousEnums = 0;

  constructor() {
    for (const [name, scalar] of BUILTIN_TYPEDEFS) {
      this.typedefs.set(name, {
        kind: 'typedef',
        name,
        type: { kind: 'scalar', name: scalar },
        builtin: true,
        annotations: {},
        annotationList: [],
        loc: BUILTIN_LOC,
      });
      this.ordinary.set(name, { what: 'a typedef', loc: BUILTIN_LOC });
    }
  }

  // -------------------------------------------------------------------------------------------
  // tokens

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  private at(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  private syntax(code: WrapgenSyntaxCode, t: { readonly loc: SourceLocation } | SourceLocation, msg: string): never {
    throw new WrapgenSyntaxError(code, 'loc' in t ? t.loc : t, msg);
  }

  private semantic(code: WrapgenSemanticCode, t: { readonly loc: SourceLocation } | SourceLocation, msg: string): never {
    throw new WrapgenSemanticError(code, 'loc' in t ? t.loc : t, msg);
  }

  private expected(what: string, context = ''): never {
    const t = this.peek();
    this.syntax('UNEXPECTED_TOKEN', t, `expected ${what}${context === '' ? '' : ` ${context}`}, found ${describeToken(t)}`);
  }

  private expect(text: string, context = ''): Token {
    if (!this.at(text)) this.expected(`'${text}'`, context);
    return this.next();
  }

  private isTypeStart(t: Token): boolean {
    if (t.kind !== 'ident') return false;
    return (
      BASIC_TYPE_WORDS.has(t.text) ||
      QUALIFIER_WORDS.has(t.text) ||
      t.text === '__nk' ||
      t.text === 'struct' ||
      t.text === 'union' ||
      t.text === 'enum' ||
      this.typedefs.has(t.text)
    );
  }

  // -------------------------------------------------------------------------------------------
  // names

  private where(loc: SourceLocation): string {
    return loc === BUILTIN_LOC ? '(builtin)' : `at ${loc.file}:${loc.line}:${loc.column}`;
  }

  /** Records an identifier used as a declared name; it must not be a #define name. */
  private useName(t: Token, what: string): string {
    const d = this.defines.get(t.text);
    if (d !== undefined) {
      this.semantic(
        'MACRO_NAME_CONFLICT',
        t,
        `${what} '${t.text}' is also a #define constant (${this.where(d.loc)}); the C preprocessor would replace it`,
      );
    }
    if (!this.names.has(t.text)) this.names.set(t.text, t.loc);
    return t.text;
  }

  private declareOrdinary(t: Token, what: string): void {
    const prev = this.ordinary.get(t.text);
    if (prev !== undefined) {
      this.semantic('DUPLICATE_DEFINITION', t, `'${t.text}' is already declared as ${prev.what} ${this.where(prev.loc)}`);
    }
    this.ordinary.set(t.text, { what, loc: t.loc });
  }

  // -------------------------------------------------------------------------------------------
  // files and top-level declarations

  parseFile(file: SourceFile): void {
    this.toks = tokenize(file.name, file.text);
    this.pos = 0;
    this.text = file.text;
    while (this.peek().kind !== 'eof') {
      if (this.peek().kind === 'hash') this.parseDirective();
      else this.parseDeclaration();
    }
  }

  private parseDirective(): void {
    this.next(); // '#'
    const dir = this.next();
    if (dir.kind === 'eol') return; // the null directive
    if (dir.kind !== 'ident' || dir.text !== 'define') {
      this.syntax('UNSUPPORTED_SYNTAX', dir, `unsupported directive '#${dir.text}': an interface file takes only '#define NAME value'`);
    }
    const name = this.next();
    if (name.kind !== 'ident') {
      this.syntax('UNEXPECTED_TOKEN', name, `expected a macro name after '#define', found ${describeToken(name)}`);
    }
    if (C_KEYWORDS.has(name.text)) this.syntax('UNSUPPORTED_SYNTAX', name, `'#define ${name.text}' redefines a C keyword, which is not supported`);
    if (this.at('(') && this.peek().start === name.end) {
      this.syntax('UNSUPPORTED_SYNTAX', this.peek(), `function-like macros are not supported ('#define ${name.text}(...)'); define an integer constant`);
    }
    if (this.peek().kind === 'eol') {
      this.syntax('UNSUPPORTED_SYNTAX', this.peek(), `'#define ${name.text}' has no value; the interface takes only integer constants ('#define NAME value')`);
    }
    const prev = this.defines.get(name.text);
    if (prev !== undefined) this.semantic('DUPLICATE_DEFINITION', name, `#define '${name.text}' is already defined ${this.where(prev.loc)}`);
    const clash = this.names.get(name.text);
    if (clash !== undefined) {
      this.semantic('MACRO_NAME_CONFLICT', name, `#define '${name.text}' would replace the name '${name.text}' declared ${this.where(clash)}`);
    }
    if (this.typedefs.has(name.text)) {
      this.semantic('MACRO_NAME_CONFLICT', name, `#define '${name.text}' would replace the typedef '${name.text}'`);
    }
    const first = this.peek();
    const v = this.parseConstExpr();
    const last = this.toks[this.pos - 1] as Token;
    if (this.peek().kind !== 'eol') this.expected('end of line', `after the value of '#define ${name.text}'`);
    this.next();
    const decl: DefineDecl = {
      kind: 'define',
      name: name.text,
      expr: this.text.slice(first.start, last.end).replace(/\\\r?\n/g, ' '),
      value: v.value,
      type: v.type,
      loc: name.loc,
    };
    this.defines.set(name.text, decl);
    this.constants.set(name.text, { name: name.text, value: v.value, type: v.type, from: decl, loc: name.loc });
    this.declarations.push(decl);
  }

  private parseDeclaration(): void {
    const specs = this.parseDeclSpecs('top');
    if (this.at(';')) {
      const semi = this.next();
      if (specs.storage === 'typedef') this.syntax('UNEXPECTED_TOKEN', semi, "expected a name for the typedef, found ';'");
      if (specs.definedAggregate !== undefined) {
        const agg = specs.definedAggregate;
        if (agg.tag === undefined) {
          this.syntax('UNSUPPORTED_SYNTAX', agg.loc, 'an anonymous struct or union at top level declares nothing; give it a tag or a typedef name');
        }
        if (specs.annotations.length > 0) {
          agg.annotationList = [...specs.annotations, ...agg.annotationList];
          agg.annotations = checkAnnotations('struct', agg.annotationList, undefined, `struct ${agg.tag}`);
        }
        this.declarations.push(agg);
        return;
      }
      if (specs.definedEnum !== undefined) {
        this.rejectAnnotations(specs.annotations, 'an enum');
        this.declarations.push(specs.definedEnum);
        return;
      }
      const t = specs.type;
      if ((t.kind === 'aggregate' || t.kind === 'enum') && specs.storage === undefined) {
        // a forward declaration: `struct net_device;`
        if (specs.annotations.length > 0) {
          this.semantic('ANNOTATION_NOT_ALLOWED', specs.annotations[0] as Annotation, 'annotations on a struct belong on its definition, not on a forward declaration');
        }
        return;
      }
      this.syntax('UNEXPECTED_TOKEN', semi, "expected a name before ';': this declaration declares nothing");
    }
    let first = true;
    for (;;) {
      const d = this.parseDeclarator('named', 'in the declaration');
      const trailing = this.parseAnnotations();
      const nameTok = d.nameTok as Token;
      if (this.at('{')) {
        this.syntax('UNSUPPORTED_SYNTAX', this.peek(), `function bodies are not supported: declare '${nameTok.text}' as a prototype ending with ';'`);
      }
      if (this.at('=')) this.syntax('UNSUPPORTED_SYNTAX', this.peek(), 'initializers are not supported in the interface');
      if (this.at(':')) this.syntax('UNSUPPORTED_SYNTAX', this.peek(), "unexpected ':' (bit-fields are only possible in a struct, and are not supported)");
      const type = d.apply(specs.type);
      this.checkWellFormed(type, d.loc);
      const anns = [...specs.annotations, ...d.annotations, ...trailing];
      if (specs.storage === 'typedef') this.addTypedef(nameTok, type, anns, specs, first);
      else {
        this.rejectAnonymousAtTopLevel(specs);
        const r = resolveType(type);
        if (type.kind === 'function' || (r.kind === 'function' && type.kind === 'typedef')) this.addFunction(nameTok, r as FunctionType, anns);
        else this.addVariable(nameTok, type, anns, specs);
      }
      first = false;
      if (this.at(',')) {
        this.next();
        continue;
      }
      this.expect(';', `after the declaration of '${nameTok.text}'`);
      return;
    }
  }

  private rejectAnnotations(anns: readonly Annotation[], what: string): void {
    const a = anns[0];
    if (a !== undefined) this.semantic('ANNOTATION_NOT_ALLOWED', a, `annotation '${a.name}' is not allowed on ${what}`);
  }

  /** An anonymous struct can only be named by a typedef or be a member: C could not refer to it again. */
  private rejectAnonymousAtTopLevel(specs: DeclSpecs): void {
    if (specs.definedAggregate !== undefined && specs.definedAggregate.tag === undefined) {
      this.syntax('UNSUPPORTED_SYNTAX', specs.definedAggregate.loc, 'an anonymous struct or union must be named by a typedef or be a member of another struct');
    }
  }

  private addTypedef(nameTok: Token, type: CType, anns: Annotation[], specs: DeclSpecs, first: boolean): void {
    const name = this.useName(nameTok, 'typedef');
    const what = `typedef '${name}'`;
    const annotations = checkAnnotations('typedef', anns, type, what);
    const agg = specs.definedAggregate;
    if (agg !== undefined && agg.tag === undefined && agg.parent === undefined) {
      if (first && type.kind === 'aggregate' && type.decl === agg) {
        agg.name = name;
        agg.cName = name;
      } else if (first) {
        this.syntax('UNSUPPORTED_SYNTAX', nameTok, 'an anonymous struct in a typedef must be named by its first declarator (typedef struct { ... } name;)');
      }
    }
    const en = specs.definedEnum;
    if (en !== undefined && en.tag === undefined && first) en.name = name;
    const decl: TypedefDecl = { kind: 'typedef', name, type, builtin: false, annotations, annotationList: anns, loc: nameTok.loc };
    const prev = this.typedefs.get(name);
    if (prev !== undefined) {
      if (prev.builtin && sameType(prev.type, type)) {
        this.typedefs.set(name, decl);
        this.ordinary.set(name, { what: 'a typedef', loc: nameTok.loc });
        this.declarations.push(decl);
        return;
      }
      if (prev.builtin) {
        this.semantic('DUPLICATE_DEFINITION', nameTok, `typedef '${name}' is builtin as '${typeToC(prev.type, '', false)}'; it can only be redeclared as that type`);
      }
      this.semantic('DUPLICATE_DEFINITION', nameTok, `typedef '${name}' is already defined ${this.where(prev.loc)} as '${typeToC(prev.type, '', false)}'`);
    }
    this.declareOrdinary(nameTok, 'a typedef');
    this.typedefs.set(name, decl);
    this.declarations.push(decl);
    this.deferObjectChecks(decl.annotationList, decl.annotations, undefined, what);
    const fn = callableType(type);
    if (fn !== undefined) this.deferParamObjectChecks(fn);
  }

  private addFunction(nameTok: Token, type: FunctionType, anns: Annotation[]): void {
    const name = this.useName(nameTok, 'function');
    const what = `function '${name}'`;
    const r = resolveType(type.returns);
    if (r.kind === 'array' || r.kind === 'function') {
      this.semantic('INVALID_TYPE', nameTok, `${what} returns ${r.kind === 'array' ? 'an array' : 'a function'}, which C does not allow`);
    }
    this.declareOrdinary(nameTok, 'a function');
    const all = checkAnnotations('function', anns, type, what);
    const { fn, result } = splitFunctionAnnotations(all);
    const decl: FunctionDecl = {
      kind: 'function',
      name,
      type,
      annotations: fn,
      returnAnnotations: result,
      annotationList: anns,
      loc: nameTok.loc,
    };
    this.functions.set(name, decl);
    this.declarations.push(decl);
    this.deferObjectChecks(anns, result, type.returns, `the result of ${what}`);
    this.deferParamObjectChecks(type);
  }

  private addVariable(nameTok: Token, type: CType, anns: Annotation[], specs: DeclSpecs): void {
    const name = this.useName(nameTok, 'variable');
    if (specs.storage !== 'extern') {
      this.syntax('UNSUPPORTED_SYNTAX', nameTok, `variable '${name}' must be declared 'extern' (the interface declares, the kernel defines)`);
    }
    this.checkObjectType(type, nameTok.loc, `variable '${name}'`);
    this.declareOrdinary(nameTok, 'a variable');
    const annotations = checkAnnotations('variable', anns, type, `variable '${name}'`);
    const decl: VariableDecl = { kind: 'variable', name, type, annotations, annotationList: anns, loc: nameTok.loc };
    this.variables.set(name, decl);
    this.declarations.push(decl);
    this.deferObjectChecks(anns, annotations, type, `variable '${name}'`);
  }

  // -------------------------------------------------------------------------------------------
  // annotations

  private parseAnnotations(): Annotation[] {
    const out: Annotation[] = [];
    while (this.at('__nk')) out.push(...this.parseAnnotationGroup());
    return out;
  }

  private parseAnnotationGroup(): Annotation[] {
    this.next(); // __nk
    this.expect('(', "after '__nk'");
    if (this.at(')')) this.expected('an annotation name', 'in __nk(...)');
    const out: Annotation[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind !== 'ident') this.syntax('UNEXPECTED_TOKEN', t, `expected an annotation name in __nk(...), found ${describeToken(t)}`);
      if (!(ANNOTATION_NAMES as readonly string[]).includes(t.text)) {
        this.semantic('UNKNOWN_ANNOTATION', t, `unknown annotation '${t.text}'; the annotations are ${ANNOTATION_NAMES.join(', ')}`);
      }
      const name = t.text as AnnotationName;
      const argKind = ANNOTATION_ARGUMENTS[name];
      let arg: string | number | undefined;
      if (this.at('(')) {
        if (argKind === undefined) this.semantic('BAD_ANNOTATION_ARGUMENT', this.peek(), `annotation '${name}' takes no argument`);
        this.next();
        const a = this.next();
        if (argKind === 'number') {
          const v = a.kind === 'number' ? parseIntegerLiteral(a.text) : undefined;
          if (v === undefined || typeof v === 'string' || v.value > 255n) {
            this.semantic('BAD_ANNOTATION_ARGUMENT', a, `${name}(...) takes an argument index (0, 1, ...), found ${describeToken(a)}`);
          }
          arg = Number(v.value);
        } else {
          let id = a;
          if ((a.text === 'struct' || a.text === 'union') && this.peek().kind === 'ident') id = this.next();
          if (id.kind !== 'ident' || C_KEYWORDS.has(id.text)) {
            const form = name === 'object' ? 'object(TYPE)' : 'len(NAME)';
            this.semantic('BAD_ANNOTATION_ARGUMENT', id, `${form} takes ${name === 'object' ? 'a struct tag or typedef name' : 'the name of a parameter or member'}, found ${describeToken(id)}`);
          }
          arg = id.text;
        }
        this.expect(')', `to close the argument of '${name}'`);
      } else if (argKind !== undefined) {
        const form = name === 'object' ? 'object(TYPE)' : name === 'len' ? 'len(NAME)' : 'release(ARG_INDEX)';
        this.semantic('BAD_ANNOTATION_ARGUMENT', t, `annotation '${name}' needs an argument: ${form}`);
      }
      out.push({ name, arg, loc: t.loc });
      if (this.at(',')) {
        this.next();
        continue;
      }
      this.expect(')', 'to close __nk(...)');
      return out;
    }
  }

  /** object(T): T must name a struct/union (by tag or typedef) and agree with the pointer's target. */
  private deferObjectChecks(list: readonly Annotation[], set: AnnotationSet, type: CType | undefined, what: string): void {
    const object = set.object;
    if (object === undefined) return;
    const ann = list.find((a) => a.name === 'object') as Annotation;
    this.deferred.push(() => {
      const target = this.objectTarget(object);
      if (target === undefined) {
        this.semantic('BAD_ANNOTATION_ARGUMENT', ann, `object(${object}): no struct, union or typedef of one is named '${object}' in the interface`);
      }
      const pointee = type === undefined ? undefined : pointeeAggregate(type);
      if (pointee !== undefined && pointee !== target) {
        this.semantic('BAD_ANNOTATION_ARGUMENT', ann, `object(${object}) on ${what}, which points to '${pointee.cName}'`);
      }
    });
  }

  private deferParamObjectChecks(fn: FunctionType): void {
    for (const p of fn.params) {
      this.deferObjectChecks(p.annotationList, p.annotations, p.type, `parameter '${p.name ?? '(unnamed)'}'`);
      const inner = callableType(p.type);
      if (inner !== undefined) this.deferParamObjectChecks(inner);
    }
  }

  private objectTarget(name: string): AggregateDecl | undefined {
    const tag = this.tags.get(name);
    if (tag !== undefined && tag.kind === 'aggregate') return tag;
    const td = this.typedefs.get(name);
    if (td !== undefined) {
      const r = resolveType(td.type);
      if (r.kind === 'aggregate') return r.decl;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // declaration specifiers

  private parseDeclSpecs(context: DeclContext): DeclSpecs {
    const start = this.peek();
    let storage: 'typedef' | 'extern' | undefined;
    const annotations: Annotation[] = [];
    const words = new Map<string, number>();
    let wordTok: Token | undefined;
    let named: CType | undefined;
    let definedAggregate: AggregateDecl | undefined;
    let definedEnum: EnumDecl | undefined;
    const q: { const?: true; volatile?: true } = {};
    const hasType = (): boolean => named !== undefined || words.size > 0;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident') break;
      const w = t.text;
      const unsupported = UNSUPPORTED_WORDS.get(w);
      if (unsupported !== undefined) this.syntax('UNSUPPORTED_SYNTAX', t, unsupported);
      if (w === 'typedef' || w === 'extern') {
        if (context !== 'top') this.syntax('UNSUPPORTED_SYNTAX', t, `'${w}' is not allowed ${context === 'member' ? 'in a struct member' : 'in a parameter'}`);
        if (storage !== undefined) this.syntax('UNEXPECTED_TOKEN', t, `'${w}' after '${storage}': a declaration has one storage class`);
        storage = w;
        this.next();
      } else if (w === 'const' || w === 'volatile') {
        q[w] = true;
        this.next();
      } else if (w === '__nk') {
        annotations.push(...this.parseAnnotationGroup());
      } else if (BASIC_TYPE_WORDS.has(w)) {
        if (named !== undefined) this.semantic('INVALID_TYPE', t, `'${w}' after '${typeToC(named, '', false)}': two types in one declaration`);
        words.set(w, (words.get(w) ?? 0) + 1);
        wordTok ??= t;
        this.next();
      } else if (w === 'struct' || w === 'union' || w === 'enum') {
        if (hasType()) this.semantic('INVALID_TYPE', t, `'${w}' after another type: two types in one declaration`);
        if (w === 'enum') {
          const r = this.parseEnumSpecifier(context);
          named = r.type;
          definedEnum = r.defined;
        } else {
          const r = this.parseAggregateSpecifier(context);
          named = r.type;
          definedAggregate = r.defined;
        }
      } else if (!hasType()) {
        const td = this.typedefs.get(w);
        if (td !== undefined) {
          named = { kind: 'typedef', decl: td };
          this.next();
          continue;
        }
        const tag = this.tags.get(w);
        const hint = tag !== undefined ? `; did you mean '${tag.kind === 'enum' ? 'enum' : tag.union ? 'union' : 'struct'} ${w}'?` : '';
        if (C_KEYWORDS.has(w)) this.syntax('UNEXPECTED_TOKEN', t, `expected a type, found '${w}'`);
        this.semantic('UNKNOWN_TYPE', t, `unknown type name '${w}'${hint}`);
      } else break;
    }
    let base: CType;
    if (named !== undefined) base = named;
    else if (words.size > 0) base = this.basicType(words, wordTok as Token);
    else {
      const what = context === 'member' ? 'a type for the struct member' : context === 'param' ? 'a parameter type' : 'a declaration';
      this.expected(what);
    }
    if (q.const || q.volatile) base = this.qualify(base, q);
    return { storage, type: base, annotations, definedAggregate, definedEnum, start };
  }

  private qualify(t: CType, q: Qualifiers): CType {
    if (t.kind === 'array' || t.kind === 'function') return t; // qualifiers of a typedef'd array apply to elements; not modelled
    return { ...t, ...(q.const ? { const: true } : {}), ...(q.volatile ? { volatile: true } : {}) } as CType;
  }

  private basicType(words: ReadonlyMap<string, number>, at: Token): CType {
    const n = (w: string): number => words.get(w) ?? 0;
    const bad = (): never => {
      const spelled = [...words.entries()].flatMap(([w, c]) => Array<string>(c).fill(w)).join(' ');
      this.semantic('INVALID_TYPE', at, `invalid combination of type specifiers '${spelled}'`);
    };
    for (const [w, c] of words) if (c > 1 && !(w === 'long' && c === 2)) bad();
    if (n('signed') && n('unsigned')) bad();
    const sign = n('unsigned') ? 'unsigned ' : '';
    const others = (...allowed: string[]): boolean => [...words.keys()].every((w) => allowed.includes(w));
    let name: ScalarName;
    if (n('void')) {
      if (words.size !== 1) bad();
      return { kind: 'void' };
    } else if (n('_Bool')) {
      if (words.size !== 1) bad();
      name = '_Bool';
    } else if (n('float')) {
      if (words.size !== 1) bad();
      name = 'float';
    } else if (n('double')) {
      if (n('long')) this.syntax('UNSUPPORTED_SYNTAX', at, "'long double' is not supported");
      if (words.size !== 1) bad();
      name = 'double';
    } else if (n('char')) {
      if (!others('char', 'signed', 'unsigned')) bad();
      name = n('unsigned') ? 'unsigned char' : n('signed') ? 'signed char' : 'char';
    } else if (n('short')) {
      if (!others('short', 'int', 'signed', 'unsigned')) bad();
      name = `${sign}short` as ScalarName;
    } else if (n('long') === 2) {
      if (!others('long', 'int', 'signed', 'unsigned')) bad();
      name = `${sign}long long` as ScalarName;
    } else if (n('long') === 1) {
      if (!others('long', 'int', 'signed', 'unsigned')) bad();
      name = `${sign}long` as ScalarName;
    } else {
      name = `${sign}int` as ScalarName;
    }
    return { kind: 'scalar', name };
  }

  // -------------------------------------------------------------------------------------------
  // struct / union / enum

  private parseAggregateSpecifier(context: DeclContext): { type: CType; defined: AggregateDecl | undefined } {
    const kw = this.next();
    const union = kw.text === 'union';
    const kind = union ? 'union' : 'struct';
    const anns = this.parseAnnotations();
    let tagTok: Token | undefined;
    if (this.peek().kind === 'ident' && this.peek().text !== '__nk') {
      tagTok = this.next();
      if (C_KEYWORDS.has(tagTok.text)) this.syntax('UNEXPECTED_TOKEN', tagTok, `expected a ${kind} tag or '{' after '${kind}', found '${tagTok.text}'`);
      this.useName(tagTok, `${kind} tag`);
    }
    anns.push(...this.parseAnnotations());
    if (!this.at('{')) {
      if (tagTok === undefined) this.expected(`a ${kind} tag or '{'`, `after '${kind}'`);
      if (anns.length > 0) {
        this.semantic('ANNOTATION_NOT_ALLOWED', anns[0] as Annotation, `annotations on a ${kind} belong on its definition ('${kind} __nk(...) ${tagTok.text} { ... }')`);
      }
      const existing = this.tags.get(tagTok.text);
      if (existing === undefined && context === 'param') {
        this.semantic(
          'INCOMPLETE_TYPE',
          tagTok,
          `'${kind} ${tagTok.text}' is first mentioned in a parameter list, where C would give it a scope of its own; declare it before ('${kind} ${tagTok.text};')`,
        );
      }
      return { type: { kind: 'aggregate', decl: this.lookupTag(tagTok, union) }, defined: undefined };
    }
    const open = this.next();
    if (context === 'param') this.syntax('UNSUPPORTED_SYNTAX', open, `a ${kind} defined in a parameter list is not visible outside it; define it before the function`);
    let decl: AggregateDecl;
    if (tagTok !== undefined) {
      decl = this.lookupTag(tagTok, union);
      if (decl.complete) this.semantic('DUPLICATE_DEFINITION', tagTok, `${kind} '${tagTok.text}' is already defined ${this.where(decl.loc)}`);
      decl.loc = tagTok.loc;
    } else {
      decl = {
        kind: 'aggregate',
        union,
        tag: undefined,
        name: `(anonymous ${kind})`,
        cName: `(anonymous ${kind})`,
        complete: false,
        members: [],
        annotations: {},
        annotationList: [],
        loc: kw.loc,
        parent: undefined,
      };
    }
    decl.members = this.parseMembers(decl);
    decl.complete = true;
    anns.push(...this.parseAnnotations());
    decl.annotationList = anns;
    decl.annotations = checkAnnotations('struct', anns, undefined, `${kind} ${tagTok?.text ?? '(anonymous)'}`);
    this.aggregateOrder.push(decl);
    return { type: { kind: 'aggregate', decl }, defined: decl };
  }

  private lookupTag(tagTok: Token, union: boolean): AggregateDecl {
    const kind = union ? 'union' : 'struct';
    const existing = this.tags.get(tagTok.text);
    if (existing !== undefined) {
      if (existing.kind === 'aggregate' && existing.union === union) return existing;
      const was = existing.kind === 'enum' ? 'enum' : existing.union ? 'union' : 'struct';
      this.semantic('DUPLICATE_DEFINITION', tagTok, `'${kind} ${tagTok.text}': '${tagTok.text}' is already a ${was} tag (${this.where(existing.loc)})`);
    }
    const decl: AggregateDecl = {
      kind: 'aggregate',
      union,
      tag: tagTok.text,
      name: tagTok.text,
      cName: `${kind} ${tagTok.text}`,
      complete: false,
      members: [],
      annotations: {},
      annotationList: [],
      loc: tagTok.loc,
      parent: undefined,
    };
    this.tags.set(tagTok.text, decl);
    return decl;
  }

  private parseMembers(owner: AggregateDecl): Member[] {
    const kind = owner.union ? 'union' : 'struct';
    const members: Member[] = [];
    const seen = new Map<string, SourceLocation>();
    const addName = (name: string, loc: SourceLocation): void => {
      const prev = seen.get(name);
      if (prev !== undefined) {
        this.semantic('DUPLICATE_FIELD', loc, `duplicate member '${name}' in ${kind} ${owner.tag ?? '(anonymous)'} (first declared ${this.where(prev)})`);
      }
      seen.set(name, loc);
    };
    while (!this.at('}')) {
      const t = this.peek();
      if (t.kind === 'eof') this.expected(`'}'`, `to close the ${kind}`);
      if (t.kind === 'hash') this.syntax('UNSUPPORTED_SYNTAX', t, `directives inside a ${kind} are not supported`);
      const specs = this.parseDeclSpecs('member');
      if (this.at(';')) {
        const semi = this.next();
        const inner = specs.definedAggregate;
        if (inner === undefined || inner.tag !== undefined) {
          this.syntax('UNEXPECTED_TOKEN', semi, "expected a member name before ';': this member declaration declares nothing");
        }
        inner.parent = { decl: owner, member: undefined };
        for (const [name, loc] of flatNames(inner)) addName(name, loc);
        const annotations = checkAnnotations('field', specs.annotations, specs.type, `the anonymous ${inner.union ? 'union' : 'struct'} member`);
        members.push({ name: undefined, type: specs.type, annotations, annotationList: specs.annotations, loc: specs.start.loc });
        continue;
      }
      let first = true;
      for (;;) {
        const d = this.parseDeclarator('named', `in a ${kind} member`);
        const trailing = this.parseAnnotations();
        const nameTok = d.nameTok as Token;
        if (this.at(':')) this.syntax('UNSUPPORTED_SYNTAX', this.peek(), `bit-fields are not supported (member '${nameTok.text}')`);
        const name = this.useName(nameTok, 'member');
        if (first && specs.definedAggregate !== undefined && specs.definedAggregate.tag === undefined) {
          specs.definedAggregate.parent = { decl: owner, member: name };
        }
        first = false;
        const type = d.apply(specs.type);
        this.checkWellFormed(type, nameTok.loc);
        this.checkObjectType(type, nameTok.loc, `member '${name}'`);
        addName(name, nameTok.loc);
        const list = [...specs.annotations, ...d.annotations, ...trailing];
        const annotations = checkAnnotations('field', list, type, `member '${name}'`);
        members.push({ name, type, annotations, annotationList: list, loc: nameTok.loc });
        this.deferObjectChecks(list, annotations, type, `member '${name}'`);
        const fn = callableType(type);
        if (fn !== undefined) this.deferParamObjectChecks(fn);
        if (this.at(',')) {
          this.next();
          continue;
        }
        this.expect(';', `after ${kind} member`);
        break;
      }
    }
    this.next(); // '}'
    this.deferred.push(() => this.checkMemberLens(owner));
    return members;
  }

  /** len(N) on a member: N is a member of the same struct (or of an enclosing one, through anonymous members). */
  private checkMemberLens(owner: AggregateDecl): void {
    for (const m of owner.members) {
      const len = m.annotations.len;
      if (len === undefined) continue;
      const ann = m.annotationList.find((a) => a.name === 'len') as Annotation;
      let scope: AggregateDecl | undefined = owner;
      let target: Member | undefined;
      while (scope !== undefined && target === undefined) {
        target = flatMembers(scope).find((x) => x.name === len);
        scope = scope.parent !== undefined && scope.parent.member === undefined ? scope.parent.decl : undefined;
      }
      if (target === undefined) this.semantic('BAD_ANNOTATION_ARGUMENT', ann, `len(${len}): no member '${len}' in the same struct as member '${m.name ?? ''}'`);
      if (!isIntegerType(target.type)) {
        this.semantic('BAD_ANNOTATION_ARGUMENT', ann, `len(${len}): member '${len}' has type '${typeToC(target.type, '', false)}', not an integer type`);
      }
    }
  }

  private parseEnumSpecifier(context: DeclContext): { type: CType; defined: EnumDecl | undefined } {
    const kw = this.next();
    let tagTok: Token | undefined;
    if (this.peek().kind === 'ident') {
      tagTok = this.next();
      if (C_KEYWORDS.has(tagTok.text)) this.syntax('UNEXPECTED_TOKEN', tagTok, `expected an enum tag or '{' after 'enum', found '${tagTok.text}'`);
      this.useName(tagTok, 'enum tag');
    }
    const lookup = (t: Token): EnumDecl => {
      const existing = this.tags.get(t.text);
      if (existing !== undefined) {
        if (existing.kind === 'enum') return existing;
        this.semantic('DUPLICATE_DEFINITION', t, `'enum ${t.text}': '${t.text}' is already a ${existing.union ? 'union' : 'struct'} tag (${this.where(existing.loc)})`);
      }
      const d: EnumDecl = { kind: 'enum', tag: t.text, name: t.text, complete: false, constants: [], unsigned: true, loc: t.loc };
      this.tags.set(t.text, d);
      return d;
    };
    if (!this.at('{')) {
      if (tagTok === undefined) this.expected("an enum tag or '{'", "after 'enum'");
      if (!this.tags.has(tagTok.text) && context === 'param') {
        this.semantic('INCOMPLETE_TYPE', tagTok, `'enum ${tagTok.text}' is first mentioned in a parameter list; define it before`);
      }
      return { type: { kind: 'enum', decl: lookup(tagTok) }, defined: undefined };
    }
    const open = this.next();
    if (context === 'param') this.syntax('UNSUPPORTED_SYNTAX', open, 'an enum defined in a parameter list is not supported; define it before the function');
    let decl: EnumDecl;
    if (tagTok !== undefined) {
      decl = lookup(tagTok);
      if (decl.complete) this.semantic('DUPLICATE_DEFINITION', tagTok, `enum '${tagTok.text}' is already defined ${this.where(decl.loc)}`);
      decl.loc = tagTok.loc;
    } else {
      this.anonymousEnums++;
      decl = { kind: 'enum', tag: undefined, name: `(anonymous enum ${this.anonymousEnums})`, complete: false, constants: [], unsigned: true, loc: kw.loc };
    }
    let prev: IntValue = { value: -1n, type: 'int' };
    const INT_MIN = -(2n ** 31n);
    const UINT_MAX = 2n ** 32n - 1n;
    while (!this.at('}')) {
      const id = this.next();
      if (id.kind !== 'ident' || C_KEYWORDS.has(id.text)) this.syntax('UNEXPECTED_TOKEN', id, `expected an enumerator name, found ${describeToken(id)}`);
      this.useName(id, 'enumerator');
      this.declareOrdinary(id, 'an enumerator');
      let v: IntValue;
      if (this.at('=')) {
        this.next();
        v = this.parseConstExpr();
      } else v = { value: prev.value + 1n, type: prev.type };
      if (v.value < INT_MIN || v.value > UINT_MAX) {
        this.semantic('BAD_CONSTANT', id, `enumerator '${id.text}' = ${v.value} does not fit in 32 bits`);
      }
      const type: IntegerConstantType = v.value > 2n ** 31n - 1n ? 'unsigned int' : 'int';
      prev = { value: v.value, type };
      decl.constants.push({ name: id.text, value: v.value, loc: id.loc });
      this.constants.set(id.text, { name: id.text, value: v.value, type, from: decl, loc: id.loc });
      if (this.at(',')) {
        this.next();
        continue;
      }
      if (!this.at('}')) this.expected("',' or '}'", 'after enumerator');
    }
    const close = this.next();
    if (decl.constants.length === 0) this.syntax('UNEXPECTED_TOKEN', close, "expected an enumerator name, found '}': an enum needs at least one enumerator");
    const hasNegative = decl.constants.some((c) => c.value < 0n);
    const hasLarge = decl.constants.some((c) => c.value > 2n ** 31n - 1n);
    if (hasNegative && hasLarge) this.semantic('BAD_CONSTANT', decl.loc, 'this enum mixes negative values and values above INT_MAX; gcc would make it 64 bits wide');
    decl.unsigned = !hasNegative;
    decl.complete = true;
    this.enums.push(decl);
    return { type: { kind: 'enum', decl }, defined: decl };
  }

  // -------------------------------------------------------------------------------------------
  // declarators

  /**
   * mode 'named': a name is required; 'either': a parameter (name optional); 'abstract': none.
   * `context` completes the message when the name is missing ("in a struct member").
   */
  private parseDeclarator(mode: 'named' | 'either' | 'abstract', context: string): Declarator {
    const startLoc = this.peek().loc;
    const ptrs: Qualifiers[] = [];
    const annotations: Annotation[] = [];
    while (this.at('*')) {
      this.next();
      const q: { const?: true; volatile?: true } = {};
      for (;;) {
        if (this.at('const')) q.const = true;
        else if (this.at('volatile')) q.volatile = true;
        else if (this.at('__nk')) {
          annotations.push(...this.parseAnnotationGroup());
          continue;
        } else break;
        this.next();
      }
      ptrs.push(q);
    }
    annotations.push(...this.parseAnnotations());
    let inner: Declarator | undefined;
    let nameTok: Token | undefined;
    if (this.at('(') && this.isGroupingParen(mode)) {
      this.next();
      inner = this.parseDeclarator(mode, context);
      annotations.push(...inner.annotations);
      this.expect(')', 'to close the parenthesised declarator');
    } else if (this.peek().kind === 'ident' && this.peek().text !== '__nk' && !(mode !== 'named' && this.isTypeStart(this.peek()))) {
      const t = this.peek();
      if (C_KEYWORDS.has(t.text)) {
        const unsupported = UNSUPPORTED_WORDS.get(t.text);
        if (unsupported !== undefined) this.syntax('UNSUPPORTED_SYNTAX', t, unsupported);
        this.expected('a name', context);
      }
      if (mode === 'abstract') this.expected("')'");
      nameTok = this.next();
    } else if (mode === 'named') {
      this.expected('a name', context);
    }
    const suffixes: ((t: CType) => CType)[] = [];
    for (;;) {
      if (this.at('[')) {
        const open = this.next();
        if (this.at(']')) {
          if (mode === 'named') this.syntax('UNSUPPORTED_SYNTAX', this.peek(), 'arrays without a size (flexible array members) are not supported');
          this.next();
          // a parameter `char buf[]` is a pointer, as C adjusts it
          suffixes.push((t) => ({ kind: 'pointer', to: t }));
          continue;
        }
        const v = this.parseConstExpr();
        if (v.value < 0n) this.semantic('BAD_CONSTANT', open, `array size ${v.value} is negative`);
        if (v.value > 0x7fffffffn) this.semantic('BAD_CONSTANT', open, `array size ${v.value} is too large for i386`);
        this.expect(']', 'after the array size');
        const count = Number(v.value);
        suffixes.push((t) => ({ kind: 'array', of: t, count }));
      } else if (this.at('(')) {
        this.next();
        const { params, varargs } = this.parseParams();
        suffixes.push((t) => ({ kind: 'function', returns: t, params, varargs }));
      } else break;
    }
    const apply = (base: CType): CType => {
      let t = base;
      for (const q of ptrs) t = { kind: 'pointer', to: t, ...q };
      for (let i = suffixes.length - 1; i >= 0; i--) t = (suffixes[i] as (t: CType) => CType)(t);
      return inner !== undefined ? inner.apply(t) : t;
    };
    return { nameTok: nameTok ?? inner?.nameTok, annotations, apply, loc: (nameTok ?? inner?.nameTok)?.loc ?? startLoc };
  }

  private isGroupingParen(mode: 'named' | 'either' | 'abstract'): boolean {
    if (mode === 'named') return true;
    const t = this.peek(1);
    if (t.kind === 'punct') return t.text === '*' || t.text === '(' || t.text === '[';
    if (t.kind === 'ident') return !this.isTypeStart(t) && t.text !== '__nk';
    return false;
  }

  private parseParams(): ParsedParams {
    if (this.at(')')) {
      this.next();
      return { params: [], varargs: false };
    }
    if (this.at('void') && this.at(')', 1)) {
      this.next();
      this.next();
      return { params: [], varargs: false };
    }
    const params: Param[] = [];
    let varargs = false;
    const seen = new Map<string, SourceLocation>();
    for (;;) {
      if (this.at('...')) {
        const dots = this.next();
        if (params.length === 0) this.syntax('UNEXPECTED_TOKEN', dots, "'...' needs at least one named parameter before it");
        varargs = true;
        this.expect(')', "after '...'");
        break;
      }
      const specs = this.parseDeclSpecs('param');
      const d = this.parseDeclarator('either', 'in the parameter list');
      const trailing = this.parseAnnotations();
      let type = d.apply(specs.type);
      this.checkWellFormed(type, d.loc);
      const r = resolveType(type);
      if (r.kind === 'array') type = { kind: 'pointer', to: r.of };
      else if (r.kind === 'function') type = { kind: 'pointer', to: type };
      const name = d.nameTok === undefined ? undefined : this.useName(d.nameTok, 'parameter');
      const what = name === undefined ? `parameter ${params.length}` : `parameter '${name}'`;
      if (r.kind === 'void') this.semantic('INCOMPLETE_TYPE', d.loc, `${what} has type void ('(void)' alone means no parameters)`);
      this.checkObjectType(type, d.loc, what);
      if (name !== undefined && d.nameTok !== undefined) {
        const prev = seen.get(name);
        if (prev !== undefined) this.semantic('DUPLICATE_DEFINITION', d.nameTok, `two parameters named '${name}' (the first ${this.where(prev)})`);
        seen.set(name, d.nameTok.loc);
      }
      const list = [...specs.annotations, ...d.annotations, ...trailing];
      const annotations = checkAnnotations('parameter', list, type, what);
      params.push({ name, type, annotations, annotationList: list, loc: d.loc });
      if (this.at(',')) {
        this.next();
        continue;
      }
      if (!this.at(')')) this.expected("',' or ')'", 'after parameter');
      this.next();
      break;
    }
    for (const p of params) {
      const len = p.annotations.len;
      if (len === undefined) continue;
      const ann = p.annotationList.find((a) => a.name === 'len') as Annotation;
      const target = params.find((x) => x.name === len);
      if (target === undefined) this.semantic('BAD_ANNOTATION_ARGUMENT', ann, `len(${len}): no parameter named '${len}' in this parameter list`);
      if (!isIntegerType(target.type)) {
        this.semantic('BAD_ANNOTATION_ARGUMENT', ann, `len(${len}): parameter '${len}' has type '${typeToC(target.type, '', false)}', not an integer type`);
      }
    }
    return { params, varargs };
  }

  // -------------------------------------------------------------------------------------------
  // type checks

  /** Types C rejects whatever their use: arrays of functions or void, functions returning arrays or functions. */
  private checkWellFormed(t: CType, loc: SourceLocation): void {
    switch (t.kind) {
      case 'pointer':
        this.checkWellFormed(t.to, loc);
        return;
      case 'array': {
        const e = resolveType(t.of);
        if (e.kind === 'function') this.semantic('INVALID_TYPE', loc, 'array of functions; did you mean an array of function pointers ((*name[N])(...))?');
        if (e.kind === 'void') this.semantic('INCOMPLETE_TYPE', loc, 'array of void');
        this.checkWellFormed(t.of, loc);
        return;
      }
      case 'function': {
        const r = resolveType(t.returns);
        if (r.kind === 'array' || r.kind === 'function') this.semantic('INVALID_TYPE', loc, `function returning ${r.kind === 'array' ? 'an array' : 'a function'}`);
        this.checkWellFormed(t.returns, loc);
        return;
      }
      default:
        return;
    }
  }

  /** A member, parameter or variable must have a complete object type. */
  private checkObjectType(t: CType, loc: SourceLocation, what: string): void {
    const r = resolveType(t);
    switch (r.kind) {
      case 'void':
        this.semantic('INCOMPLETE_TYPE', loc, `${what} has type void`);
        break;
      case 'function':
        this.semantic('INVALID_TYPE', loc, `${what} has a function type; did you mean a function pointer ('(*name)(...)')?`);
        break;
      case 'aggregate':
        if (!r.decl.complete) {
          this.semantic('INCOMPLETE_TYPE', loc, `${what} has incomplete type '${r.decl.cName}'; define it before using it by value`);
        }
        break;
      case 'enum':
        if (!r.decl.complete) this.semantic('INCOMPLETE_TYPE', loc, `${what} has incomplete type 'enum ${r.decl.name}'; define it before using it by value`);
        break;
      case 'array':
        this.checkObjectType(r.of, loc, what);
        break;
      default:
        break;
    }
  }

  // -------------------------------------------------------------------------------------------
  // integer constant expressions

  private parseConstExpr(): IntValue {
    return this.parseBinary(0);
  }

  private static readonly LEVELS: readonly (readonly BinaryOp[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

  private parseBinary(level: number): IntValue {
    const ops = InterfaceParser.LEVELS[level];
    if (ops === undefined) return this.parseUnary();
    let left = this.parseBinary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !(ops as readonly string[]).includes(t.text)) return left;
      this.next();
      const right = this.parseBinary(level + 1);
      const r = binary(t.text as BinaryOp, left, right);
      if (typeof r === 'string') this.semantic('BAD_CONSTANT', t, r);
      left = r;
    }
  }

  private parseUnary(): IntValue {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!')) {
      this.next();
      return unary(t.text as UnaryOp, this.parseUnary());
    }
    if (this.at('(') && this.isTypeStart(this.peek(1))) {
      this.next();
      const target = this.parseCastType();
      this.expect(')', 'to close the cast');
      return this.castTo(this.parseUnary(), target);
    }
    return this.parsePrimary();
  }

  private parseCastType(): CType {
    const start = this.peek();
    const specs = this.parseDeclSpecs('member');
    if (specs.annotations.length > 0) this.syntax('UNSUPPORTED_SYNTAX', start, 'annotations are not allowed in a cast');
    if (this.at('*')) this.syntax('UNSUPPORTED_SYNTAX', this.peek(), 'casts to pointer types are not supported in constants');
    if (!isIntegerType(specs.type)) this.syntax('UNSUPPORTED_SYNTAX', start, `a constant can only be cast to an integer type, not '${typeToC(specs.type, '', false)}'`);
    return specs.type;
  }

  private castTo(v: IntValue, t: CType): IntValue {
    const r = resolveType(t);
    if (r.kind === 'enum') return cast(v, r.decl.unsigned ? 'unsigned int' : 'int');
    if (r.kind !== 'scalar') return v;
    switch (r.name) {
      case 'char':
      case 'signed char':
        return { value: BigInt.asIntN(8, v.value), type: 'int' };
      case 'unsigned char':
        return { value: BigInt.asUintN(8, v.value), type: 'int' };
      case '_Bool':
        return { value: v.value === 0n ? 0n : 1n, type: 'int' };
      case 'short':
        return { value: BigInt.asIntN(16, v.value), type: 'int' };
      case 'unsigned short':
        return { value: BigInt.asUintN(16, v.value), type: 'int' };
      case 'int':
      case 'unsigned int':
      case 'long':
      case 'unsigned long':
      case 'long long':
      case 'unsigned long long':
        return wrap(v.value, r.name);
      case 'float':
      case 'double':
        return v;
    }
  }

  private parsePrimary(): IntValue {
    const t = this.next();
    if (t.kind === 'number') {
      const v = parseIntegerLiteral(t.text);
      if (typeof v === 'string') this.syntax('INVALID_NUMBER', t, v);
      return v;
    }
    if (t.kind === 'ident') {
      if (t.text === 'sizeof') this.syntax('UNSUPPORTED_SYNTAX', t, UNSUPPORTED_WORDS.get('sizeof') as string);
      const c = this.constants.get(t.text);
      if (c === undefined) {
        this.semantic('BAD_CONSTANT', t, `'${t.text}' is not a constant defined before this point (#define or enumerator)`);
      }
      return { value: c.value, type: c.type };
    }
    if (t.kind === 'punct' && t.text === '(') {
      const v = this.parseConstExpr();
      this.expect(')', 'to close the parenthesised expression');
      return v;
    }
    this.syntax('UNEXPECTED_TOKEN', t, `expected an integer constant expression, found ${describeToken(t)}`);
  }

  // -------------------------------------------------------------------------------------------
  // final pass

  finish(files: readonly SourceFile[]): InterfaceModel {
    for (const check of this.deferred) check();
    // anonymous member types are named after their parent, which is complete only after them
    const naming = new Set<AggregateDecl>();
    const nameOf = (d: AggregateDecl): string => {
      if (d.parent === undefined || naming.has(d)) return d.name;
      naming.add(d);
      const p = d.parent;
      const parentName = nameOf(p.decl);
      let suffix = p.member;
      if (suffix === undefined) {
        const anon = p.decl.members.filter((m) => m.name === undefined);
        const k = anon.findIndex((m) => m.type.kind === 'aggregate' && m.type.decl === d);
        suffix = `anon${k}`;
      }
      d.name = `${parentName}__${suffix}`;
      d.cName = `(anonymous ${d.union ? 'union' : 'struct'} ${p.member === undefined ? 'in' : 'of'} ${parentName}${p.member === undefined ? '' : `.${p.member}`})`;
      return d.name;
    };
    const aggregates = new Map<string, AggregateDecl>();
    for (const d of this.aggregateOrder) {
      const name = nameOf(d);
      const prev = aggregates.get(name);
      if (prev !== undefined) {
        this.semantic('NAME_COLLISION', d.loc, `the generated name '${name}' of this ${d.union ? 'union' : 'struct'} is also the name of ${prev.cName} (${this.where(prev.loc)})`);
      }
      aggregates.set(name, d);
    }
    return {
      files: files.map((f) => ({ name: f.name, text: f.text })),
      declarations: this.declarations,
      aggregates,
      tags: this.tags,
      typedefs: this.typedefs,
      enums: this.enums,
      constants: this.constants,
      functions: this.functions,
      variables: this.variables,
    };
  }
}

/** The named members of an aggregate, with anonymous members' members hoisted (as C11 sees them). */
export function flatMembers(d: AggregateDecl): Member[] {
  const out: Member[] = [];
  for (const m of d.members) {
    if (m.name !== undefined) out.push(m);
    else if (m.type.kind === 'aggregate') out.push(...flatMembers(m.type.decl));
  }
  return out;
}

function flatNames(d: AggregateDecl): [string, SourceLocation][] {
  return flatMembers(d).map((m) => [m.name as string, m.loc]);
}
