import { describe, expect, it } from 'vitest';
import { binary, cLiteral, commonType, parseIntegerLiteral, unary } from './const-eval.js';
import type { IntValue } from './const-eval.js';
import { parseInterface } from './parser.js';

const lit = (s: string): IntValue => {
  const v = parseIntegerLiteral(s);
  if (typeof v === 'string') throw new Error(v);
  return v;
};

describe('integer constants with C types', () => {
  it('types literals as C11 6.4.4.1 does on i386', () => {
    expect(lit('1')).toEqual({ value: 1n, type: 'int' });
    expect(lit('2147483648')).toEqual({ value: 2147483648n, type: 'long long' });
    expect(lit('0x80000000')).toEqual({ value: 2147483648n, type: 'unsigned int' });
    expect(lit('0xffffffffffffffff')).toEqual({ value: 2n ** 64n - 1n, type: 'unsigned long long' });
    expect(lit('10u')).toEqual({ value: 10n, type: 'unsigned int' });
    expect(lit('10UL')).toEqual({ value: 10n, type: 'unsigned long' });
    expect(lit('10lu')).toEqual({ value: 10n, type: 'unsigned long' });
    expect(lit('10LL')).toEqual({ value: 10n, type: 'long long' });
    expect(lit('10ull')).toEqual({ value: 10n, type: 'unsigned long long' });
    expect(lit('0644')).toEqual({ value: 420n, type: 'int' });
    expect(lit('0')).toEqual({ value: 0n, type: 'int' });
    expect(parseIntegerLiteral('1.0')).toMatch(/floating-point/);
    expect(parseIntegerLiteral('12abc')).toMatch(/invalid integer constant/);
  });

  it('applies the usual arithmetic conversions', () => {
    expect(commonType('int', 'unsigned int')).toBe('unsigned int');
    expect(commonType('long', 'unsigned int')).toBe('unsigned long');
    expect(commonType('long long', 'unsigned int')).toBe('long long');
    expect(commonType('long long', 'unsigned long long')).toBe('unsigned long long');
    expect(commonType('int', 'long')).toBe('long');
  });

  it('wraps like C', () => {
    expect(unary('~', lit('0'))).toEqual({ value: -1n, type: 'int' });
    expect(unary('~', lit('0u'))).toEqual({ value: 4294967295n, type: 'unsigned int' });
    expect(unary('-', lit('1u'))).toEqual({ value: 4294967295n, type: 'unsigned int' });
    expect(unary('!', lit('5'))).toEqual({ value: 0n, type: 'int' });
    expect(binary('<<', lit('1'), lit('31'))).toEqual({ value: -2147483648n, type: 'int' });
    expect(binary('-', lit('0'), lit('1u'))).toEqual({ value: 4294967295n, type: 'unsigned int' });
    expect(binary('/', unary('-', lit('7')), lit('2'))).toEqual({ value: -3n, type: 'int' });
    expect(binary('%', unary('-', lit('7')), lit('2'))).toEqual({ value: -1n, type: 'int' });
    expect(binary('>>', unary('-', lit('8')), lit('1'))).toEqual({ value: -4n, type: 'int' });
    expect(binary('/', lit('1'), lit('0'))).toBe('division by zero');
    expect(binary('<<', lit('1'), lit('64'))).toMatch(/out of range/);
  });

  it('writes C literals of an exact value and type', () => {
    expect(cLiteral({ value: -2147483648n, type: 'int' })).toBe('(-2147483647 - 1)');
    expect(cLiteral({ value: 4294967295n, type: 'unsigned int' })).toBe('4294967295u');
    expect(cLiteral({ value: -1n, type: 'long long' })).toBe('(-0ll - 1ll)');
  });

  it('evaluates #define expressions over earlier constants, enumerators and casts', () => {
    const m = parseInterface([
      {
        name: 'c.h',
        text: [
          '#define A 3',
          'enum e { E0, E1 = A * 4, E2 };',
          '#define B ((E2 + 1) << 2 | 1)',
          '#define C (~0)',
          '#define D (~0u)',
          '#define F ((unsigned char)0x1ff)',
          '#define G ((u16)-1)',
          '#define H (1ULL << 40)',
          '#define I (10 / 3 % 2 ^ 6 & 7)',
          '#define J (-(-2147483647 - 1))',
        ].join('\n'),
      },
    ]);
    const v = (n: string): [bigint, string] => {
      const c = m.constants.get(n);
      if (c === undefined) throw new Error(n);
      return [c.value, c.type];
    };
    expect(v('E1')).toEqual([12n, 'int']);
    expect(v('E2')).toEqual([13n, 'int']);
    expect(v('B')).toEqual([57n, 'int']);
    expect(v('C')).toEqual([-1n, 'int']);
    expect(v('D')).toEqual([4294967295n, 'unsigned int']);
    expect(v('F')).toEqual([255n, 'int']);
    expect(v('G')).toEqual([65535n, 'int']);
    expect(v('H')).toEqual([2n ** 40n, 'unsigned long long']);
    expect(v('I')).toEqual([(10n / 3n % 2n) ^ (6n & 7n), 'int']);
    expect(v('J')).toEqual([-2147483648n, 'int']);
  });
});
