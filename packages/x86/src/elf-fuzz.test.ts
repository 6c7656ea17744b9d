// Seeded mutation fuzzing of parseElf32: every mutated or truncated object and executable must
// either parse (and then every accessor must work on it) or throw ElfFormatError. Anything else
// (a RangeError, a TypeError, a hang) fails. The seed is fixed, so a failure reproduces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElf32, encodeRelocations, encodeSymbols } from '../test/elf-builder.js';
import { OBJECT_CFLAGS, PROGRAM_CFLAGS, Scratch, run } from '../test/i386-toolchain.js';
import { ElfFormatError, R_386_32, R_386_PC32, SHN_XINDEX, SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, parseElf32 } from './elf.js';
import type { Elf32File } from './elf.js';

const SEED = 0x5eed_e1f;
const MUTATION_ROUNDS = Number(process.env.ELF_FUZZ_ROUNDS ?? 10000);

const MODULE_C = `
int counter; static int st = 3; extern int ext(int); extern int ev;
const char msg[] = "fuzz";
__attribute__((weak)) int wk(int x) { return x + st; }
static __attribute__((noinline)) int loc(int a) { return a * 5 + msg[a & 3]; }
int api(int a) { counter++; return ext(a) + ev + loc(a) + wk(a); }
int (*tab[])(int) = { loc, api, ext };
int sw(int x) { switch (x) { case 0: return 3; case 1: return ext(1); case 2: return 8; case 3: return ev; case 4: return 1; default: return 0; } }
`;

const PROGRAM_C = `
static int sys(int n, int a, int b, int c) { int r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory"); return r; }
char bss[3000]; int data = 2;
void _start(void) { sys(4, 1, (int)"x\\n", 2); sys(1, data + bss[7], 0, 0); for (;;) {} }
`;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  name: string;
  bytes: Uint8Array;
  /** Offsets of header, table-entry and field starts, where structured mutations aim. */
  fields: number[];
}

function fieldOffsets(f: Elf32File): number[] {
  const out: number[] = [];
  for (let o = 16; o < 52; o += 2) out.push(o);
  for (let i = 0; i < f.header.phnum; i++) for (let k = 0; k < 32; k += 4) out.push(f.header.phoff + i * 32 + k);
  for (let i = 0; i < f.header.shnum; i++) for (let k = 0; k < 40; k += 4) out.push(f.header.shoff + i * 40 + k);
  for (const s of f.sections) {
    if (s.type === 2 || s.type === 11) for (let o = s.offset; o < s.offset + s.size; o += 4) out.push(o);
    if (s.type === 9 || s.type === 4) for (let o = s.offset; o < s.offset + s.size; o += 4) out.push(o);
  }
  return out;
}

/** Uses every accessor of a parsed file; any exception here is a bug. */
function exercise(f: Elf32File, rand: () => number): number {
  let n = 0;
  for (const s of f.sections) n += f.sectionData(s).length + s.name.length;
  for (const p of f.programHeaders) n += f.segmentData(p).length;
  for (const rs of f.relocationSections) {
    for (const r of rs.entries) n += f.relocationSymbol(rs, r)?.name.length ?? 0;
  }
  for (const s of f.symbols.slice(0, 64)) n += f.findSymbol(s.name)?.index ?? 0;
  for (let i = 0; i < 8; i++) {
    const addr = (rand() * 0x1_0000_0000) >>> 0;
    n += f.symbolAt(addr)?.offset ?? 0;
    n += f.describeAddress(addr, i === 0 ? 1 : undefined).length;
  }
  n += f.dynamicSymbols.length + (f.sectionByName('.text')?.size ?? 0);
  return n;
}

const scratch = new Scratch('elf-fuzz');
const seeds: Seed[] = [];

beforeAll(() => {
  const add = (name: string, bytes: Uint8Array): void => {
    seeds.push({ name, bytes, fields: fieldOffsets(parseElf32(bytes)) });
  };
  scratch.gcc('mod.o', { 'mod.c': MODULE_C }, [...OBJECT_CFLAGS, '-fcommon', '-c']);
  add('mod.o', scratch.read('mod.o'));
  scratch.gcc('modg.o', { 'modg.c': MODULE_C }, [...OBJECT_CFLAGS, '-g', '-ffunction-sections', '-c']);
  add('modg.o', scratch.read('modg.o'));
  scratch.gcc('prog', { 'prog.c': PROGRAM_C }, PROGRAM_CFLAGS);
  add('prog', scratch.read('prog'));
  scratch.gcc('other.o', { 'other.c': 'extern int api(int); int ev = 4; int ext(int x) { return api(x - 1); }' }, [...OBJECT_CFLAGS, '-g', '-c']);
  run('ld', ['-m', 'elf_i386', '-r', scratch.path('mod.o'), scratch.path('other.o'), '-o', scratch.path('both.o')]);
  add('both.o', scratch.read('both.o'));
  scratch.gcc('lib.so', { 'lib.c': MODULE_C }, ['-m32', '-O2', '-shared', '-nostdlib', '-fPIC']);
  add('lib.so', scratch.read('lib.so'));

  const { symtab, strtab } = encodeSymbols([
    { name: 'f', value: 0, size: 8, type: 2, shndx: 1 },
    { name: 'u' },
    { name: 'x', value: 4, type: 1, shndx: SHN_XINDEX },
  ]);
  const xindex = new Uint8Array(16);
  xindex[12] = 1;
  add(
    'synthetic-rela.o',
    buildElf32({
      extendedNumbering: true,
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: 6, data: new Uint8Array(16), addralign: 4 },
        {
          name: '.rela.text',
          type: SHT_RELA,
          data: encodeRelocations([{ offset: 4, type: R_386_32, symbol: 2, addend: -3 }, { offset: 8, type: R_386_PC32, symbol: 1, addend: 4 }], true),
          link: 3,
          info: 1,
          entsize: 12,
        },
        { name: '.symtab', type: SHT_SYMTAB, data: symtab, link: 4, info: 1, entsize: 16 },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
        { name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: xindex, link: 3, entsize: 4 },
      ],
    }),
  );
});

afterAll(() => scratch.dispose());

interface Outcome {
  parsed: number;
  rejected: number;
  failures: string[];
  slowest: number;
}

function attempt(bytes: Uint8Array, label: string, out: Outcome, rand: () => number): void {
  const t0 = performance.now();
  try {
    const f = parseElf32(bytes);
    exercise(f, rand);
    out.parsed++;
  } catch (e) {
    if (e instanceof ElfFormatError && e.code === 'ELF_FORMAT' && e.message.length > 0) {
      out.rejected++;
    } else if (out.failures.length < 10) {
      out.failures.push(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`);
    }
  }
  out.slowest = Math.max(out.slowest, performance.now() - t0);
}

describe('parseElf32 under fuzzing', () => {
  it('survives every truncation of every seed', () => {
    const out: Outcome = { parsed: 0, rejected: 0, failures: [], slowest: 0 };
    const rand = prng(SEED);
    for (const s of seeds) {
      // every length up to 4 KiB, then every 7th
      for (let len = 0; len < s.bytes.length; len += len < 4096 ? 1 : 7) {
        attempt(s.bytes.slice(0, len), `${s.name} truncated to ${len}`, out, rand);
      }
    }
    expect(out.failures).toEqual([]);
    expect(out.rejected).toBeGreaterThan(1000);
    expect(out.slowest).toBeLessThan(1000);
  });

  it(`survives ${MUTATION_ROUNDS} seeded random mutations`, () => {
    const out: Outcome = { parsed: 0, rejected: 0, failures: [], slowest: 0 };
    const rand = prng(SEED ^ 0xabcdef);
    const int = (n: number): number => Math.floor(rand() * n);
    for (let round = 0; round < MUTATION_ROUNDS; round++) {
      const seed = seeds[round % seeds.length] as Seed;
      let b = seed.bytes.slice();
      const steps = 1 + int(4);
      const log: string[] = [];
      for (let k = 0; k < steps; k++) {
        const kind = int(7);
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        switch (kind) {
          case 0: {
            // flip bits anywhere
            const o = int(b.length);
            b[o] = (b[o] as number) ^ (1 << int(8));
            log.push(`flip@${o}`);
            break;
          }
          case 1: {
            // random byte in the ELF header
            const o = int(Math.min(52, b.length));
            b[o] = int(256);
            log.push(`ehdr@${o}`);
            break;
          }
          case 2:
          case 3: {
            // an "interesting" value into a structure field
            const o = seed.fields[int(seed.fields.length)] ?? 0;
            if (o + 4 > b.length) break;
            const old = dv.getUint32(o, true);
            const choices = [0, 1, 2, 0xff, 0xffff, 0xff00, 0xfff1, 0xfff2, 0xffffffff, 0x7fffffff, 0x80000000, b.length, b.length - 1, b.length + 1, old + 1, old - 1, old * 2, old + 40, int(0x1_0000_0000), int(64)];
            const v = (choices[int(choices.length)] ?? 0) >>> 0;
            if (rand() < 0.5 && o + 2 <= b.length) dv.setUint16(o, v & 0xffff, true);
            else dv.setUint32(o, v, true);
            log.push(`field@${o}=${v.toString(16)}`);
            break;
          }
          case 4: {
            // truncate
            const len = int(b.length + 1);
            b = b.slice(0, len);
            log.push(`trunc ${len}`);
            break;
          }
          case 5: {
            // grow with garbage
            const extra = int(256);
            const grown = new Uint8Array(b.length + extra);
            grown.set(b);
            for (let i = b.length; i < grown.length; i++) grown[i] = int(256);
            b = grown;
            log.push(`grow ${extra}`);
            break;
          }
          default: {
            // copy a chunk over another place (duplicated headers, overlapping tables)
            const len = 1 + int(64);
            const from = int(Math.max(1, b.length - len));
            const to = int(Math.max(1, b.length - len));
            b.copyWithin(to, from, from + len);
            log.push(`copy ${from}->${to} (${len})`);
            break;
          }
        }
      }
      attempt(b, `round ${round} on ${seed.name}: ${log.join(', ')}`, out, rand);
    }
    expect(out.failures).toEqual([]);
    // the mutations must exercise both paths
    expect(out.parsed).toBeGreaterThan(MUTATION_ROUNDS / 20);
    expect(out.rejected).toBeGreaterThan(MUTATION_ROUNDS / 20);
    expect(out.slowest).toBeLessThan(1000);
  });
});
