// Integer constants with C's types on i386 (int and long are 32 bits, long long 64): literal
// typing (C11 6.4.4.1), the usual arithmetic conversions and wrap-around, so that a #define's
// value in TypeScript is the value gcc computes (`~0` is -1, `~0u` is 4294967295).

import type { IntegerConstantType } from './model.js';

/** A typed integer value. */
export interface IntValue {
  readonly value: bigint;
  readonly type: IntegerConstantType;
}

interface TypeInfo {
  readonly rank: number;
  readonly bits: 32 | 64;
  readonly signed: boolean;
}

const INFO: Record<IntegerConstantType, TypeInfo> = {
  int: { rank: 1, bits: 32, signed: true },
  'unsigned int': { rank: 1, bits: 32, signed: false },
  long: { rank: 2, bits: 32, signed: true },
  'unsigned long': { rank: 2, bits: 32, signed: false },
  'long long': { rank: 3, bits: 64, signed: true },
  'unsigned long long': { rank: 3, bits: 64, signed: false },
};

const UNSIGNED_OF: Record<IntegerConstantType, IntegerConstantType> = {
  int: 'unsigned int',
  'unsigned int': 'unsigned int',
  long: 'unsigned long',
  'unsigned long': 'unsigned long',
  'long long': 'unsigned long long',
  'unsigned long long': 'unsigned long long',
};

export function typeBits(t: IntegerConstantType): 32 | 64 {
  return INFO[t].bits;
}

export function isSignedType(t: IntegerConstantType): boolean {
  return INFO[t].signed;
}

/** Wraps a mathematical value into the range of type t, as a cast in C does. */
export function wrap(value: bigint, type: IntegerConstantType): IntValue {
  const { bits, signed } = INFO[type];
  return { value: signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value), type };
}

function fits(value: bigint, type: IntegerConstantType): boolean {
  return wrap(value, type).value === value;
}

/** The type both operands convert to (C11 6.3.1.8, integer promotions already done). */
export function commonType(a: IntegerConstantType, b: IntegerConstantType): IntegerConstantType {
  if (a === b) return a;
  const ia = INFO[a];
  const ib = INFO[b];
  if (ia.signed === ib.signed) return ia.rank >= ib.rank ? a : b;
  const [u, s] = ia.signed ? [b, a] : [a, b];
  const iu = INFO[u];
  const is = INFO[s];
  if (iu.rank >= is.rank) return u;
  if (is.bits > iu.bits) return s;
  return UNSIGNED_OF[s];
}

/**
 * Parses a C integer literal (decimal, octal, hex; suffixes u, l, ll in any case and order).
 * Returns a string explaining the problem if it is not one.
 */
export function parseIntegerLiteral(text: string): IntValue | string {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uU]?(?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU])$/.exec(text);
  if (m === null) {
    if (/^[0-9]*\.|^[0-9]+[eE]/.test(text)) return `floating-point constant '${text}' is not supported; use an integer`;
    if (/^0[0-7]*[89]/.test(text)) return `invalid digit in octal constant '${text}'`;
    return `invalid integer constant '${text}'`;
  }
  const digits = m[1] as string;
  const suffix = (m[2] as string).toLowerCase();
  const value = digits.length > 1 && digits[0] === '0' && digits[1] !== 'x' && digits[1] !== 'X' ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const decimal = !(digits.length > 1 && digits[0] === '0');
  const unsigned = suffix.includes('u');
  const longs = suffix.includes('ll') ? 2 : suffix.includes('l') ? 1 : 0;
  let candidates: IntegerConstantType[];
  if (longs === 0) candidates = ['int', 'long', 'long long'];
  else if (longs === 1) candidates = ['long', 'long long'];
  else candidates = ['long long'];
  if (unsigned) candidates = candidates.map((t) => UNSIGNED_OF[t]);
  else if (!decimal) candidates = candidates.flatMap((t) => [t, UNSIGNED_OF[t]]);
  const type = candidates.find((t) => fits(value, t));
  if (type === undefined) return `integer constant '${text}' is too large for any C integer type`;
  return { value, type };
}

export type UnaryOp = '-' | '+' | '~' | '!';
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^';

export function unary(op: UnaryOp, a: IntValue): IntValue {
  switch (op) {
    case '+':
      return a;
    case '-':
      return wrap(-a.value, a.type);
    case '~':
      return wrap(~a.value, a.type);
    case '!':
      return { value: a.value === 0n ? 1n : 0n, type: 'int' };
  }
}

/** Applies a binary operator; returns a string explaining why C cannot (division by zero, bad shift). */
export function binary(op: BinaryOp, a: IntValue, b: IntValue): IntValue | string {
  if (op === '<<' || op === '>>') {
    const bits = BigInt(INFO[a.type].bits);
    if (b.value < 0n || b.value >= bits) return `shift count ${b.value} is out of range for type '${a.type}'`;
    return wrap(op === '<<' ? a.value << b.value : a.value >> b.value, a.type);
  }
  const type = commonType(a.type, b.type);
  const x = wrap(a.value, type).value;
  const y = wrap(b.value, type).value;
  switch (op) {
    case '+':
      return wrap(x + y, type);
    case '-':
      return wrap(x - y, type);
    case '*':
      return wrap(x * y, type);
    case '/':
      if (y === 0n) return 'division by zero';
      return wrap(x / y, type);
    case '%':
      if (y === 0n) return 'division by zero';
      return wrap(x % y, type);
    case '&':
      return wrap(x & y, type);
    case '|':
      return wrap(x | y, type);
    case '^':
      return wrap(x ^ y, type);
  }
}

/** The value converted to type t (a C cast). */
export function cast(a: IntValue, type: IntegerConstantType): IntValue {
  return wrap(a.value, type);
}

/** A C literal of this exact value and type, for generated C (`-2147483647-1`, `4294967295u`). */
export function cLiteral(v: IntValue): string {
  const suffix: Record<IntegerConstantType, string> = {
    int: '',
    'unsigned int': 'u',
    long: 'l',
    'unsigned long': 'ul',
    'long long': 'll',
    'unsigned long long': 'ull',
  };
  const s = suffix[v.type];
  if (v.value < 0n) {
    // -MIN is not a literal of the type; write (-(MIN+1) - 1)
    return `(-${-v.value - 1n}${s} - 1${s})`;
  }
  return `${v.value}${s}`;
}
