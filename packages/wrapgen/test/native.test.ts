// Differential test of the generated accessors against gcc: a 32-bit C program, compiled with
// gcc -m32 against the generated header and run natively (static, no libc, int $0x80), sets
// every scalar of every struct of the fixture interface — through nested structs, arrays of
// structs, multi-dimensional arrays and anonymous unions — and writes the bytes out. The test
// makes the same writes through the generated TypeScript accessors on a fake memory, and
// compares the bytes.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferMemory } from './buffer-memory.js';
import { computeLayouts, emitHeader, findI386Compiler, resolveType } from '../src/index.js';
import type { AggregateLayout, FieldLayout, FieldType, LayoutSet } from '../src/index.js';
import { linux24 } from './fixtures.js';
import * as L from './fixtures/linux24.layouts.js';

type Leaf = ScalarLeaf['kind'];
interface ScalarLeaf {
  readonly kind: 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'f32' | 'f64' | 'ptr' | 'fnptr';
}

/** One write: the C lvalue, the C value, and the same write through the TypeScript accessors. */
interface Write {
  readonly c: string;
  readonly value: string;
  readonly ts: (mem: BufferMemory) => void;
}

function method(struct: string, name: string): (...args: unknown[]) => unknown {
  const obj: unknown = Reflect.get(L.layouts, struct);
  const fn: unknown = typeof obj === 'object' && obj !== null ? Reflect.get(obj, name) : undefined;
  if (typeof fn !== 'function') throw new Error(`generated module has no ${struct}.${name}`);
  return fn as (...args: unknown[]) => unknown;
}

function value(kind: Leaf, n: number, isBool: boolean): { c: string; ts: number | bigint; back: number | bigint } {
  const u32 = (Math.imul(n, 0x9e3779b1) + 0x1234567) >>> 0;
  switch (kind) {
    case 'u8':
    case 's8': {
      const v = isBool ? n & 1 : (n * 37 + 11) & 0xff;
      return { c: `${v}u`, ts: v, back: kind === 's8' ? (v << 24) >> 24 : v };
    }
    case 'u16':
    case 's16': {
      const v = (n * 7919 + 3) & 0xffff;
      return { c: `${v}u`, ts: v, back: kind === 's16' ? (v << 16) >> 16 : v };
    }
    case 'u32':
    case 's32':
    case 'ptr':
    case 'fnptr':
      return { c: `${u32}u`, ts: u32, back: kind === 's32' ? u32 | 0 : u32 };
    case 'u64':
    case 's64': {
      const v = (BigInt(u32) << 32n) | BigInt((u32 ^ 0xa5a5a5a5) >>> 0);
      return { c: `${v}ull`, ts: v, back: kind === 's64' ? BigInt.asIntN(64, v) : v };
    }
    case 'f32':
    case 'f64':
      return { c: `${n}.5`, ts: n + 0.5, back: n + 0.5 };
  }
}

/** Every scalar write into one struct at `addr` (TypeScript) / `cBase` (a C lvalue prefix such as `p->`). */
function writes(layouts: LayoutSet, l: AggregateLayout, addr: number, cBase: string, out: Write[]): void {
  for (const f of l.fields) fieldWrites(layouts, l, f, addr, cBase, out);
}

function fieldWrites(layouts: LayoutSet, l: AggregateLayout, f: FieldLayout, addr: number, cBase: string, out: Write[]): void {
  const d = f.descriptor;
  if (d.kind === 'struct') {
    const inner = method(l.name, `addr_${f.name}`)(addr) as number;
    writes(layouts, layouts.get(d.name), inner, `${cBase}${f.name}.`, out);
    return;
  }
  if (d.kind === 'array') {
    const dims: number[] = [];
    let leaf: FieldType = d;
    while (leaf.kind === 'array') {
      dims.push(leaf.count);
      leaf = leaf.element;
    }
    let elemType = resolveType(f.type);
    while (elemType.kind === 'array') elemType = resolveType(elemType.of);
    const isBool = elemType.kind === 'scalar' && elemType.name === '_Bool';
    const total = dims.reduce((a, b) => a * b, 1);
    for (let k = 0; k < total; k++) {
      const idx: number[] = [];
      let rest = k;
      for (let j = dims.length - 1; j >= 0; j--) {
        const n = dims[j] as number;
        idx.unshift(rest % n);
        rest = Math.floor(rest / n);
      }
      const cPath = `${cBase}${f.name}${idx.map((i) => `[${i}]`).join('')}`;
      if (leaf.kind === 'struct') {
        const at = method(l.name, `at_${f.name}`)(addr, ...idx) as number;
        writes(layouts, layouts.get(leaf.name), at, `${cPath}.`, out);
      } else {
        const v = value(leaf.kind, out.length, isBool);
        const set = method(l.name, `set_${f.name}`);
        const get = method(l.name, `get_${f.name}`);
        out.push({
          c: cPath,
          value: v.c,
          ts: (mem) => {
            set(mem, addr, ...idx, v.ts);
            expect(get(mem, addr, ...idx)).toBe(v.back);
          },
        });
      }
    }
    return;
  }
  const r = resolveType(f.type);
  const v = value(d.kind, out.length, r.kind === 'scalar' && r.name === '_Bool');
  const set = method(l.name, `set_${f.name}`);
  const get = method(l.name, `get_${f.name}`);
  out.push({
    c: `${cBase}${f.name}`,
    value: v.c,
    ts: (mem) => {
      set(mem, addr, v.ts);
      expect(get(mem, addr)).toBe(v.back);
    },
  });
}

const START = `
static void sys_write(int fd, const void *buf, int n) {
  const char *p = buf;
  while (n > 0) {
    int r;
    __asm__ volatile ("int $0x80" : "=a"(r) : "a"(4), "b"(fd), "c"(p), "d"(n) : "memory");
    if (r <= 0) break;
    p += r;
    n -= r;
  }
}
__attribute__((noreturn)) static void sys_exit(int status) {
  __asm__ volatile ("int $0x80" : : "a"(1), "b"(status));
  for (;;) {}
}
`;

describe('generated accessors against gcc -m32, natively', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrapgen-native-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('write the same bytes as C for every scalar of every struct', () => {
    const model = linux24();
    const layouts = computeLayouts(model);
    // every struct C can name at top level (nested anonymous ones are reached through their parent)
    const roots = layouts.aggregates.filter((l) => l.decl.parent === undefined);
    let offset = 0;
    const placed = roots.map((l) => {
      const at = offset;
      offset = Math.ceil((offset + l.size) / 8) * 8 + 8;
      return { l, at };
    });
    const total = offset;
    const base = 0x10000;
    const c: string[] = ['#include "linux24.h"', START, `static unsigned char out[${total}] __attribute__((aligned(8)));`, 'void _start(void) {'];
    const all: Write[] = [];
    for (const { l, at } of placed) {
      const ws: Write[] = [];
      writes(layouts, l, base + at, 'p->', ws);
      const type = l.decl.tag !== undefined ? l.cName : l.name;
      c.push('  {', `    ${type} *p = (${type} *)(out + ${at});`, '    (void)p;');
      for (const w of ws) c.push(`    ${w.c} = (__typeof__(${w.c}))${w.value};`);
      c.push('  }');
      all.push(...ws);
    }
    c.push(`  sys_write(1, out, ${total});`, '  sys_exit(0);', '}', '');
    writeFileSync(join(dir, 'linux24.h'), emitHeader(model));
    writeFileSync(join(dir, 'fill.c'), c.join('\n'));
    const cc = findI386Compiler();
    const exe = join(dir, 'fill');
    const r = spawnSync(
      cc.path,
      [...cc.targetFlags, '-static', '-nostdlib', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-O1', '-Wall', '-Werror', '-Wno-unused-function', join(dir, 'fill.c'), '-o', exe],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const native = new Uint8Array(execFileSync(exe, { maxBuffer: 1 << 24 }));
    expect(native.length).toBe(total);

    const mem = new BufferMemory(total, base);
    for (const w of all) w.ts(mem);
    expect(all.length).toBeGreaterThan(500);
    for (const { l, at } of placed) {
      // per struct, so that a failure names it
      expect({ struct: l.name, bytes: [...mem.bytes.subarray(at, at + l.size)] }).toEqual({ struct: l.name, bytes: [...native.subarray(at, at + l.size)] });
    }
    expect(Buffer.from(mem.bytes).equals(Buffer.from(native))).toBe(true);
  });
});
