import { describe, expect, it } from 'vitest';
import { linux24 } from '../test/fixtures.js';
import { LayoutMismatchError, ProbeCompileError } from './errors.js';
import { emitLayoutProbe, verifyLayoutsWithGcc } from './gcc-verify.js';
import { computeLayouts } from './layout.js';
import type { AggregateLayout } from './layout.js';
import type { InterfaceModel } from './model.js';
import { parseInterface } from './parser.js';

const parse = (text: string): InterfaceModel => parseInterface([{ name: 't.h', text }]);

function offsets(l: AggregateLayout): Record<string, number> {
  return Object.fromEntries(l.fields.map((f) => [f.name, f.offset]));
}

describe('i386 layouts', () => {
  const model = linux24();
  const layouts = computeLayouts(model);

  it('aligns long long and double to 4 inside structs and pads the tail', () => {
    const p = layouts.get('pad_probe');
    expect(offsets(p)).toEqual({ a: 0, b: 4, c: 12, d: 16, e: 24 });
    expect([p.size, p.align]).toEqual([28, 4]);
    expect([layouts.get('small_tail').size, layouts.get('small_tail').align]).toEqual([8, 4]);
  });

  it('lays out unions, arrays of arrays, arrays of structs, empty and zero-length members', () => {
    expect([layouts.get('ktime').size, layouts.get('ktime').align]).toEqual([8, 4]);
    const mh = layouts.get('matrix_holder');
    expect(offsets(mh)).toEqual({ tag: 0, grid: 4, stamps: 52, heads: 68, when: 100, tail_char: 108 });
    expect(mh.size).toBe(112);
    expect([layouts.get('empty_thing').size, layouts.get('empty_thing').align]).toEqual([0, 1]);
    expect([layouts.get('zero_len').size, offsets(layouts.get('zero_len')).data]).toEqual([4, 4]);
  });

  it('hoists anonymous union members with their offset in the enclosing struct', () => {
    const nd = layouts.get('net_device');
    const f = offsets(nd);
    expect(f.features).toBe(f.features_lo);
    expect((f.features_hi ?? 0) - (f.features_lo ?? 0)).toBe(2);
    expect(nd.fields.find((x) => x.name === 'features_hi')?.hoisted).toBe(true);
  });

  it('agrees with gcc -m32 on every size, alignment, offset and constant of the fixture interface', () => {
    const r = verifyLayoutsWithGcc(model);
    expect(r.checks).toBeGreaterThan(600);
  });

  it('agrees with gcc on a catalogue of scalar pairs', () => {
    const types = ['char', 'unsigned char', 'short', 'unsigned short', 'int', 'long', 'long long', 'unsigned long long', 'float', 'double', '_Bool', 'void *', 'u64', 's16'];
    const structs = types.flatMap((a, i) =>
      types.map((b, j) => `struct p${i}_${j} { ${a} x; ${b} y; char z; };\nunion u${i}_${j} { ${a} x; ${b} y[3]; };`),
    );
    const r = verifyLayoutsWithGcc(parse(structs.join('\n')));
    // per pair: a struct (size, align, 3 fields x 3) and a union (size, align, 2 fields x 3); 8 builtin typedefs
    expect(r.checks).toBe(types.length * types.length * (2 + 3 * 3 + 2 + 2 * 3) + 8);
  });

  it('reports each mismatch with wrapgen’s and the compiler’s values', () => {
    // layouts computed from one text, header from another: a stand-in for a wrong layout rule
    const computed = parse('#define K 5\nstruct s { char a; int b; short c; };');
    const compiled = { ...computed, files: [{ name: 't.h', text: '#define K 6\nstruct s { char a; short b; short c; };' }] };
    let error: unknown;
    try {
      verifyLayoutsWithGcc(compiled);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LayoutMismatchError);
    const mismatches = (error as LayoutMismatchError).mismatches.map((x) => [x.what, x.expected, x.actual]);
    expect(mismatches).toEqual([
      ['sizeof(struct s)', 12n, 6n],
      ['_Alignof(struct s)', 4n, 2n],
      ['offsetof(struct s, b)', 4n, 2n],
      ['sizeof(struct s.b)', 4n, 2n],
      ['alignof(struct s.b)', 4n, 2n],
      ['offsetof(struct s, c)', 8n, 4n],
      ['K', 5n, 6n],
    ]);
    expect((error as Error).message).toContain('offsetof(struct s, b): wrapgen 4, compiler 2');
  });

  it('says when the probe does not compile for another reason', () => {
    const m = parse('struct s { int a; };');
    expect(() => verifyLayoutsWithGcc({ ...m, files: [{ name: 't.h', text: 'struct s { int a; } oops' }] })).toThrow(ProbeCompileError);
  });

  it('emits a probe of _Static_asserts that names each check', () => {
    const probe = emitLayoutProbe(parse('struct s { char a; int b; };'));
    expect(probe.source).toContain('_Static_assert((long long)__builtin_offsetof(struct s, b) == 4ll, "wrapgen#5: offsetof(struct s, b) == 4");');
    expect(probe.checks.map((c) => c.what)).toContain('_Alignof(struct s)');
  });
});
