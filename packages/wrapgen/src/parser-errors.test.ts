import { describe, expect, it } from 'vitest';
import { emitLayouts } from './emit-layouts.js';
import { WrapgenSemanticError, WrapgenSourceError, WrapgenSyntaxError } from './errors.js';
import { parseInterface } from './parser.js';

function errorOf(fn: () => unknown): WrapgenSourceError {
  try {
    fn();
  } catch (e) {
    if (e instanceof WrapgenSourceError) return e;
    throw e;
  }
  throw new Error('expected an error, got none');
}

const parse = (text: string): unknown => parseInterface([{ name: 't.h', text }]);

// [source, code, message]: every message names file:line:column and what was expected or wrong.
const SYNTAX: readonly (readonly [string, string, string])[] = [
  ['struct s {\n  int a\n  int b;\n};', 'UNEXPECTED_TOKEN', "t.h:3:3: expected ';' after struct member, found 'int'"],
  ['int x; /* open', 'UNTERMINATED_COMMENT', "t.h:1:8: unterminated comment: '/*' without '*/'"],
  ['int @x;', 'INVALID_CHARACTER', "t.h:1:5: unexpected character '@'"],
  ['extern char *s = "x";', 'UNSUPPORTED_SYNTAX', 't.h:1:18: string literals are not supported in the interface'],
  ['int x; # define A 1', 'INVALID_CHARACTER', "t.h:1:8: unexpected '#': a directive must start its line"],
  ['#include <linux/types.h>', 'UNSUPPORTED_SYNTAX', "t.h:1:2: unsupported directive '#include': an interface file takes only '#define NAME value'"],
  ['#ifndef FOO\n#endif', 'UNSUPPORTED_SYNTAX', "t.h:1:2: unsupported directive '#ifndef': an interface file takes only '#define NAME value'"],
  ['#define MAX(a, b) a', 'UNSUPPORTED_SYNTAX', "t.h:1:12: function-like macros are not supported ('#define MAX(...)'); define an integer constant"],
  ['#define EMPTY\n', 'UNSUPPORTED_SYNTAX', "t.h:1:14: '#define EMPTY' has no value; the interface takes only integer constants ('#define NAME value')"],
  ['#define int 4', 'UNSUPPORTED_SYNTAX', "t.h:1:9: '#define int' redefines a C keyword, which is not supported"],
  ['#define A 1 2', 'UNEXPECTED_TOKEN', "t.h:1:13: expected end of line after the value of '#define A', found '2'"],
  ['#define A (1', 'UNEXPECTED_TOKEN', "t.h:1:13: expected ')' to close the parenthesised expression, found end of line"],
  ['#define A 0x', 'INVALID_NUMBER', "t.h:1:11: invalid integer constant '0x'"],
  ['#define A 1.5', 'INVALID_NUMBER', "t.h:1:11: floating-point constant '1.5' is not supported; use an integer"],
  ['#define A 09', 'INVALID_NUMBER', "t.h:1:11: invalid digit in octal constant '09'"],
  ['#define A 0x1ffffffffffffffff', 'INVALID_NUMBER', "t.h:1:11: integer constant '0x1ffffffffffffffff' is too large for any C integer type"],
  ['#define A ((void *)0)', 'UNSUPPORTED_SYNTAX', 't.h:1:18: casts to pointer types are not supported in constants'],
  ['struct s { unsigned int flag : 1; };', 'UNSUPPORTED_SYNTAX', "t.h:1:30: bit-fields are not supported (member 'flag')"],
  ['int f(void) { return 0; }', 'UNSUPPORTED_SYNTAX', "t.h:1:13: function bodies are not supported: declare 'f' as a prototype ending with ';'"],
  ['extern int x = 3;', 'UNSUPPORTED_SYNTAX', 't.h:1:14: initializers are not supported in the interface'],
  ['static int f(void);', 'UNSUPPORTED_SYNTAX', "t.h:1:1: 'static' declarations are not supported: the interface declares what the kernel exports"],
  [
    'struct s { int a; } __attribute__((packed));',
    'UNSUPPORTED_SYNTAX',
    "t.h:1:21: '__attribute__' is not supported (packed or aligned structs change the ABI layout); use __nk(...) annotations",
  ],
  ['int printk(...);', 'UNEXPECTED_TOKEN', "t.h:1:12: '...' needs at least one named parameter before it"],
  ['struct s { int n; char data[]; };', 'UNSUPPORTED_SYNTAX', 't.h:1:29: arrays without a size (flexible array members) are not supported'],
  ['typedef int;', 'UNEXPECTED_TOKEN', "t.h:1:12: expected a name for the typedef, found ';'"],
  ['int;', 'UNEXPECTED_TOKEN', "t.h:1:4: expected a name before ';': this declaration declares nothing"],
  ['struct s { int; };', 'UNEXPECTED_TOKEN', "t.h:1:15: expected a member name before ';': this member declaration declares nothing"],
  ['struct { int a; };', 'UNSUPPORTED_SYNTAX', 't.h:1:1: an anonymous struct or union at top level declares nothing; give it a tag or a typedef name'],
  ['extern struct { int a; } v;', 'UNSUPPORTED_SYNTAX', 't.h:1:8: an anonymous struct or union must be named by a typedef or be a member of another struct'],
  ['int counter;', 'UNSUPPORTED_SYNTAX', "t.h:1:5: variable 'counter' must be declared 'extern' (the interface declares, the kernel defines)"],
  ['int f(int a int b);', 'UNEXPECTED_TOKEN', "t.h:1:13: expected ',' or ')' after parameter, found 'int'"],
  ['int f(int a __nk());', 'UNEXPECTED_TOKEN', "t.h:1:18: expected an annotation name in __nk(...), found ')'"],
  ['int f(int *a __nk(in nullable));', 'UNEXPECTED_TOKEN', "t.h:1:22: expected ')' to close __nk(...), found 'nullable'"],
  ['enum e { };', 'UNEXPECTED_TOKEN', "t.h:1:10: expected an enumerator name, found '}': an enum needs at least one enumerator"],
  ['enum e { A B };', 'UNEXPECTED_TOKEN', "t.h:1:12: expected ',' or '}' after enumerator, found 'B'"],
  ['struct s { int a;', 'UNEXPECTED_TOKEN', "t.h:1:18: expected '}' to close the struct, found end of file"],
  ['struct s { int a; } x', 'UNSUPPORTED_SYNTAX', "t.h:1:21: variable 'x' must be declared 'extern' (the interface declares, the kernel defines)"],
  ['extern int x', 'UNEXPECTED_TOKEN', "t.h:1:13: expected ';' after the declaration of 'x', found end of file"],
  ['struct 3 { int a; };', 'UNEXPECTED_TOKEN', "t.h:1:8: expected a struct tag or '{' after 'struct', found '3'"],
  ['long double x;', 'UNSUPPORTED_SYNTAX', "t.h:1:1: 'long double' is not supported"],
  ['int f(int (*)(int) x);', 'UNEXPECTED_TOKEN', "t.h:1:20: expected ',' or ')' after parameter, found 'x'"],
  ['struct s { int a[4; };', 'UNEXPECTED_TOKEN', "t.h:1:19: expected ']' after the array size, found ';'"],
];

const SEMANTIC: readonly (readonly [string, string, string])[] = [
  ['struct sk_buff;\nint f(sk_buff *skb);', 'UNKNOWN_TYPE', "t.h:2:7: unknown type name 'sk_buff'; did you mean 'struct sk_buff'?"],
  ['int f(frob x);', 'UNKNOWN_TYPE', "t.h:1:7: unknown type name 'frob'"],
  ['struct s { int a; char a; };', 'DUPLICATE_FIELD', "t.h:1:24: duplicate member 'a' in struct s (first declared at t.h:1:16)"],
  ['struct s { int a; union { int b; int a; }; };', 'DUPLICATE_FIELD', "t.h:1:38: duplicate member 'a' in struct s (first declared at t.h:1:16)"],
  ['struct s { int a; };\nstruct s { int b; };', 'DUPLICATE_DEFINITION', "t.h:2:8: struct 's' is already defined at t.h:1:8"],
  ['typedef int T;\ntypedef long T;', 'DUPLICATE_DEFINITION', "t.h:2:14: typedef 'T' is already defined at t.h:1:13 as 'int'"],
  ['typedef int u8;', 'DUPLICATE_DEFINITION', "t.h:1:13: typedef 'u8' is builtin as 'unsigned char'; it can only be redeclared as that type"],
  ['int u8(void);', 'DUPLICATE_DEFINITION', "t.h:1:5: 'u8' is already declared as a typedef (builtin)"],
  ['int f(void);\nint f(void);', 'DUPLICATE_DEFINITION', "t.h:2:5: 'f' is already declared as a function at t.h:1:5"],
  ['#define A 1\n#define A 2', 'DUPLICATE_DEFINITION', "t.h:2:9: #define 'A' is already defined at t.h:1:9"],
  ['int f(int a, int a);', 'DUPLICATE_DEFINITION', "t.h:1:18: two parameters named 'a' (the first at t.h:1:11)"],
  ['struct s;\nunion s;', 'DUPLICATE_DEFINITION', "t.h:2:7: 'union s': 's' is already a struct tag (at t.h:1:8)"],
  [
    'int f(int x __nk(frobnicate));',
    'UNKNOWN_ANNOTATION',
    "t.h:1:18: unknown annotation 'frobnicate'; the annotations are in, out, inout, nullable, object, user, len, readonly, shadow, kernel_private, critical, noncritical, may_sleep, irq_safe, release, acquire, callback",
  ],
  [
    'struct s;\nint f(struct s *p __nk(shadow));',
    'ANNOTATION_NOT_ALLOWED',
    "t.h:2:24: annotation 'shadow' is not allowed on a parameter; it belongs on struct definitions (struct __nk(shadow) name { ... })",
  ],
  ['int f(int n __nk(nullable));', 'ANNOTATION_NOT_ALLOWED', "t.h:1:18: annotation 'nullable' needs a pointer, but parameter 'n' has type 'int'"],
  [
    'struct s { int a __nk(callback); };',
    'ANNOTATION_NOT_ALLOWED',
    "t.h:1:23: annotation 'callback' is not allowed on a struct member (member 'a' is not a function pointer); it belongs on function-pointer fields, parameters and typedefs",
  ],
  [
    'struct s { int a __nk(critical); };',
    'ANNOTATION_NOT_ALLOWED',
    "t.h:1:23: annotation 'critical' is not allowed on a struct member (member 'a' is not a function pointer); it belongs on functions and function pointers",
  ],
  ['struct __nk(shadow) s;', 'ANNOTATION_NOT_ALLOWED', "t.h:1:13: annotations on a struct belong on its definition ('struct __nk(...) s { ... }')"],
  ['int f(void) __nk(acquire);', 'ANNOTATION_NOT_ALLOWED', "t.h:1:18: annotation 'acquire' needs a function returning a pointer, but function 'f' returns 'int'"],
  ['int f(void) __nk(nullable);', 'ANNOTATION_NOT_ALLOWED', "t.h:1:18: annotation 'nullable' describes the returned pointer, but function 'f' returns 'int'"],
  [
    'typedef __nk(shadow) struct { int a; } s_t;',
    'ANNOTATION_NOT_ALLOWED',
    "t.h:1:14: annotation 'shadow' is not allowed on a typedef; it belongs on struct definitions (struct __nk(shadow) name { ... })",
  ],
  [
    'void *f(int which) __nk(len(which));',
    'ANNOTATION_NOT_ALLOWED',
    "t.h:1:25: annotation 'len' is not allowed on a function; it belongs on pointer and array parameters and fields",
  ],
  ['extern int v __nk(in);', 'ANNOTATION_NOT_ALLOWED', "t.h:1:19: annotation 'in' is not allowed on a variable; it belongs on parameters and fields"],
  ['enum __nk(shadow) e { A };', 'UNEXPECTED_TOKEN', "t.h:1:6: expected an enum tag or '{' after 'enum', found '__nk'"],
  ['int f(int *p __nk(in, in));', 'DUPLICATE_ANNOTATION', "t.h:1:23: annotation 'in' is given twice on parameter 'p'"],
  ['int f(int *p __nk(in, out));', 'CONFLICTING_ANNOTATIONS', "t.h:1:23: annotations 'in' and 'out' cannot be combined on parameter 'p'; use 'inout' for both directions"],
  ['int f(int * __nk(out) p __nk(readonly));', 'CONFLICTING_ANNOTATIONS', "t.h:1:30: annotations 'out' and 'readonly' cannot be combined on parameter 'p'"],
  ['int f(void) __nk(may_sleep, irq_safe);', 'CONFLICTING_ANNOTATIONS', "t.h:1:29: annotations 'may_sleep' and 'irq_safe' cannot be combined on function 'f'"],
  ['int f(void *p __nk(object));', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:20: annotation 'object' needs an argument: object(TYPE)"],
  ['int f(int *p __nk(nullable(1)));', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:27: annotation 'nullable' takes no argument"],
  ['void f(void *p) __nk(release(x));', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:30: release(...) takes an argument index (0, 1, ...), found 'x'"],
  ['int f(void *p __nk(object(nosuch)));', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:20: object(nosuch): no struct, union or typedef of one is named 'nosuch' in the interface"],
  [
    'struct a { int x; };\nstruct b { int y; };\nint f(struct a *p __nk(object(b)));',
    'BAD_ANNOTATION_ARGUMENT',
    "t.h:3:24: object(b) on parameter 'p', which points to 'struct a'",
  ],
  ['int f(char *buf __nk(len(size)), int n);', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:22: len(size): no parameter named 'size' in this parameter list"],
  ['int f(char *buf __nk(len(p)), char *p);', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:22: len(p): parameter 'p' has type 'char *', not an integer type"],
  ['struct s { char *buf __nk(len(count)); };', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:27: len(count): no member 'count' in the same struct as member 'buf'"],
  ['void f(void *p) __nk(release(3));', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:22: release(3): function 'f' has 1 parameter(s); the argument index counts from 0"],
  ['void f(int x) __nk(release(0));', 'BAD_ANNOTATION_ARGUMENT', "t.h:1:20: release(0): argument 0 of function 'f' is not a pointer but 'int'"],
  ['struct inner;\nstruct s { struct inner i; };', 'INCOMPLETE_TYPE', "t.h:2:25: member 'i' has incomplete type 'struct inner'; define it before using it by value"],
  [
    'int f(struct undeclared *p);',
    'INCOMPLETE_TYPE',
    "t.h:1:14: 'struct undeclared' is first mentioned in a parameter list, where C would give it a scope of its own; declare it before ('struct undeclared;')",
  ],
  ['int f(int a, void b);', 'INCOMPLETE_TYPE', "t.h:1:19: parameter 'b' has type void ('(void)' alone means no parameters)"],
  ['struct s { void v; };', 'INCOMPLETE_TYPE', "t.h:1:17: member 'v' has type void"],
  ['long char c;', 'INVALID_TYPE', "t.h:1:1: invalid combination of type specifiers 'long char'"],
  ['struct s { int (*ops[2])(void); int f[2](void); };', 'INVALID_TYPE', 't.h:1:37: array of functions; did you mean an array of function pointers ((*name[N])(...))?'],
  ['struct s { int f(void); };', 'INVALID_TYPE', "t.h:1:16: member 'f' has a function type; did you mean a function pointer ('(*name)(...)')?"],
  ['int (f(void))[3];', 'INVALID_TYPE', 't.h:1:6: function returning an array'],
  ['#define A (B + 1)', 'BAD_CONSTANT', "t.h:1:12: 'B' is not a constant defined before this point (#define or enumerator)"],
  ['#define A (1 / 0)', 'BAD_CONSTANT', 't.h:1:14: division by zero'],
  ['#define A (1 << 32)', 'BAD_CONSTANT', "t.h:1:14: shift count 32 is out of range for type 'int'"],
  ['struct s { char c[-1]; };', 'BAD_CONSTANT', 't.h:1:18: array size -1 is negative'],
  ['enum e { BIG = 0x100000000 };', 'BAD_CONSTANT', "t.h:1:10: enumerator 'BIG' = 4294967296 does not fit in 32 bits"],
  ['enum e2 { C = -1, D = 0x80000000 };', 'BAD_CONSTANT', 't.h:1:6: this enum mixes negative values and values above INT_MAX; gcc would make it 64 bits wide'],
  ['#define mtu 3\nstruct s { int mtu; };', 'MACRO_NAME_CONFLICT', "t.h:2:16: member 'mtu' is also a #define constant (at t.h:1:9); the C preprocessor would replace it"],
  ['struct s { int mtu; };\n#define mtu 3', 'MACRO_NAME_CONFLICT', "t.h:2:9: #define 'mtu' would replace the name 'mtu' declared at t.h:1:16"],
];

describe('parse errors', () => {
  it.each(SYNTAX)('syntax: %j', (src, code, message) => {
    const e = errorOf(() => parse(src));
    expect(e).toBeInstanceOf(WrapgenSyntaxError);
    expect(e.message).toBe(message);
    expect((e as WrapgenSyntaxError).code).toBe(code);
  });

  it.each(SEMANTIC)('semantic: %j', (src, code, message) => {
    const e = errorOf(() => parse(src));
    expect(e.message).toBe(message);
    expect(e.constructor).toBe(code === 'UNEXPECTED_TOKEN' ? WrapgenSyntaxError : WrapgenSemanticError);
    expect((e as WrapgenSemanticError).code).toBe(code);
  });

  it('locates errors in the right file of several, and exposes file, line, column and detail', () => {
    const e = errorOf(() =>
      parseInterface([
        { name: 'types.h', text: 'struct list_head { struct list_head *next, *prev; };\n' },
        { name: 'net.h', text: '\n\nstruct s {\n\tstruct list_head l\n};\n' },
      ]),
    );
    expect(e.message).toBe("net.h:5:1: expected ';' after struct member, found '}'");
    expect([e.file, e.line, e.column, e.detail]).toEqual(['net.h', 5, 1, "expected ';' after struct member, found '}'"]);
  });

  it('lets a later file use an earlier one but not the reverse', () => {
    const types = { name: 'types.h', text: 'struct list_head { struct list_head *next, *prev; };\n' };
    const user = { name: 'user.h', text: 'struct s { struct list_head l; };\n' };
    expect(() => parseInterface([types, user])).not.toThrow();
    expect(errorOf(() => parseInterface([user, types])).message).toBe(
      "user.h:1:29: member 'l' has incomplete type 'struct list_head'; define it before using it by value",
    );
  });

  it('reports TypeScript name collisions when emitting layouts', () => {
    const emit = (text: string): string => errorOf(() => emitLayouts(parseInterface([{ name: 't.h', text }]))).message;
    expect(emit('struct x { int a; };\nenum { x = 1 };')).toBe("t.h:2:8: constant x would be exported as 'x', which is already struct x");
    expect(emit('struct s { long long a; int a_lo; };')).toBe("t.h:1:29: the accessor 's.get_a_lo' of member 'a_lo' is also generated for another member");
    expect(emit('struct layouts { int a; };')).toBe("t.h:1:8: struct layouts would be exported as 'layouts', which is already a name of the generated module");
    expect(emit('struct new { int a; };\nstruct new_ { int b; };')).toBe("t.h:2:8: struct new_ would be exported as 'new_', which is already struct new");
  });
});
