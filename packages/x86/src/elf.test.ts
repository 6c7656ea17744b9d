import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElf32, encodeRelocations, encodeSymbols } from '../test/elf-builder.js';
import { OBJECT_CFLAGS, PROGRAM_CFLAGS, Scratch, run } from '../test/i386-toolchain.js';
import { readelfHeader, readelfRelocations, readelfSections, readelfSegments, readelfSymbols } from '../test/readelf.js';
import {
  ElfFormatError,
  ET_EXEC,
  ET_REL,
  PT_LOAD,
  PF_R,
  PF_W,
  PF_X,
  R_386_32,
  R_386_PC32,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  SHN_XINDEX,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_OBJECT,
  STT_SECTION,
  STV_HIDDEN,
  parseElf32,
  relocationTypeName386,
} from './elf.js';
import type { Elf32File, Elf32Symbol } from './elf.js';

const MODULE_C = `
int counter;
int tentative;
static int hidden_thing = 3;
__attribute__((visibility("hidden"))) int hid(int x) { return x + hidden_thing; }
__attribute__((weak)) int weak_fn(int x) { return x ^ 5; }
extern int ext_fn(int);
extern int ext_var;
const char msg[] = "hello";
char buf[100];
static char sbuf[4096];
static __attribute__((noinline)) int sfn(int a) { return a * 3 + buf[a] + sbuf[a]; }
int add(int a, int b) { counter++; return ext_fn(a) + b + ext_var + msg[a] + sfn(b); }
int (*ptrs[])(int) = { sfn, hid, ext_fn, weak_fn };
__attribute__((section(".text.custom"))) int custom(int x) { return x * 7; }
int sw(int x) {
  switch (x) {
    case 0: return 11; case 1: return ext_fn(3); case 2: return 9; case 3: return 1;
    case 4: return 17; case 5: return ext_var; case 6: return 5; default: return -1;
  }
}
unsigned long long mul64(unsigned long long a, unsigned long long b) { return a * b; }
int alias_target(int x) { return x + 1; }
extern int alias_name(int) __attribute__((alias("alias_target")));
`;

const OTHER_C = `
extern int add(int, int);
int ext_var = 42;
int ext_fn(int x) { return add(x, 1) + 2; }
`;

const PROGRAM_C = `
static int sys3(int n, int a, int b, int c) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}
char big[5000];
int data = 7;
const char hello[] = "hi\\n";
__attribute__((noinline)) int helper(int x) { return x * 2 + big[x]; }
void _start(void) {
  sys3(4, 1, (int)hello, 3);
  sys3(1, helper(data), 0, 0);
  for (;;) {}
}
`;

const SECTION_TYPES: Record<string, number> = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
  INIT_ARRAY: 14,
  FINI_ARRAY: 15,
  GROUP: 17,
  GNU_HASH: 0x6ffffff6,
  VERSYM: 0x6fffffff,
  VERNEED: 0x6ffffffe,
};
const SEGMENT_TYPES: Record<string, number> = {
  NULL: 0,
  LOAD: 1,
  DYNAMIC: 2,
  INTERP: 3,
  NOTE: 4,
  PHDR: 6,
  TLS: 7,
  GNU_EH_FRAME: 0x6474e550,
  GNU_STACK: 0x6474e551,
  GNU_RELRO: 0x6474e552,
  GNU_PROPERTY: 0x6474e553,
};
const SYMBOL_TYPES = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
const BINDS = ['LOCAL', 'GLOBAL', 'WEAK'];
const VISIBILITIES = ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'];
const FLAG_LETTERS: [number, string][] = [
  [0x1, 'W'],
  [0x2, 'A'],
  [0x4, 'X'],
  [0x10, 'M'],
  [0x20, 'S'],
  [0x40, 'I'],
  [0x80, 'L'],
  [0x100, 'O'],
  [0x200, 'G'],
  [0x400, 'T'],
  [0x800, 'C'],
];

function flagLetters(flags: number): string {
  return FLAG_LETTERS.filter(([bit]) => (flags & bit) !== 0)
    .map(([, l]) => l)
    .join('');
}

function symbolNdx(s: Elf32Symbol): string {
  if (s.shndx === SHN_UNDEF) return 'UND';
  if (s.shndx === SHN_ABS) return 'ABS';
  if (s.shndx === SHN_COMMON) return 'COM';
  return String(s.shndx);
}

/** Compares everything readelf shows with what parseElf32 read. */
function expectMatchesReadelf(path: string, f: Elf32File): void {
  const hdr = readelfHeader(path);
  expect({ REL: 1, EXEC: 2, DYN: 3 }[hdr.type]).toBe(f.header.type);
  expect(f.header.entry).toBe(hdr.entry);
  expect(f.header.flags).toBe(hdr.flags);
  expect(f.header.phnum).toBe(hdr.phnum);
  expect(f.header.shnum).toBe(hdr.shnum);
  expect(f.header.shstrndx).toBe(hdr.shstrndx);

  const sections = readelfSections(path);
  expect(sections.length).toBe(f.sections.length);
  for (const rs of sections) {
    const s = f.sections[rs.index];
    expect(s, `section ${rs.index}`).toBeDefined();
    if (s === undefined) continue;
    expect({ name: s.name, addr: s.addr, offset: s.offset, size: s.size, entsize: s.entsize, link: s.link, info: s.info, align: s.addralign, flags: flagLetters(s.flags) }).toEqual({
      name: rs.name,
      addr: rs.addr,
      offset: rs.offset,
      size: rs.size,
      entsize: rs.entsize,
      link: rs.link,
      info: rs.info,
      align: rs.align,
      flags: rs.flags,
    });
    const type = SECTION_TYPES[rs.type];
    if (type !== undefined) expect(s.type, `type of ${rs.name}`).toBe(type);
  }

  const symbols = readelfSymbols(path);
  const tables = new Map<string, Elf32Symbol[]>([
    ['.symtab', [...f.symbols]],
    ['.dynsym', [...f.dynamicSymbols]],
  ]);
  expect(symbols.filter((s) => s.table === '.symtab').length).toBe(f.symbols.length);
  expect(symbols.filter((s) => s.table === '.dynsym').length).toBe(f.dynamicSymbols.length);
  for (const rs of symbols) {
    const s = tables.get(rs.table)?.[rs.index];
    expect(s, `${rs.table}[${rs.index}]`).toBeDefined();
    if (s === undefined) continue;
    expect({
      value: s.value,
      size: s.size,
      type: SYMBOL_TYPES[s.type],
      bind: BINDS[s.bind],
      vis: VISIBILITIES[s.visibility],
      ndx: symbolNdx(s),
    }).toEqual({ value: rs.value, size: rs.size, type: rs.type, bind: rs.bind, vis: rs.vis, ndx: rs.ndx });
    if (s.type !== STT_SECTION) expect(s.name).toBe(rs.name.replace(/@.*$/, ''));
  }

  const relocs = readelfRelocations(path);
  const ours = f.relocationSections.flatMap((rs) =>
    rs.entries.map((r) => {
      const sym = f.relocationSymbol(rs, r);
      const symbolName = sym === undefined ? '' : sym.type === STT_SECTION ? (f.sections[sym.section]?.name ?? '') : sym.name;
      return { section: rs.section.name, offset: r.offset, info: r.info, type: relocationTypeName386(r.type), symbolName };
    }),
  );
  expect(ours).toEqual(relocs.map((r) => ({ ...r, symbolName: r.symbolName.replace(/@.*$/, '') })));

  const segments = readelfSegments(path);
  expect(segments.length).toBe(f.programHeaders.length);
  segments.forEach((rp, i) => {
    const p = f.programHeaders[i];
    expect(p).toBeDefined();
    if (p === undefined) return;
    const flags = `${p.flags & PF_R ? 'R' : ' '}${p.flags & PF_W ? 'W' : ' '}${p.flags & PF_X ? 'E' : ' '}`;
    expect({ offset: p.offset, vaddr: p.vaddr, paddr: p.paddr, filesz: p.filesz, memsz: p.memsz, flags, align: p.align }).toEqual({
      offset: rp.offset,
      vaddr: rp.vaddr,
      paddr: rp.paddr,
      filesz: rp.filesz,
      memsz: rp.memsz,
      flags: rp.flags,
      align: rp.align,
    });
    const type = SEGMENT_TYPES[rp.type];
    if (type !== undefined) expect(p.type).toBe(type);
  });
}

function expectElfError(bytes: Uint8Array, pattern: RegExp, options?: Parameters<typeof parseElf32>[1]): ElfFormatError {
  let caught: unknown;
  try {
    parseElf32(bytes, options);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ElfFormatError);
  const err = caught as ElfFormatError;
  expect(err.code).toBe('ELF_FORMAT');
  expect(err.message).toMatch(pattern);
  return err;
}

const scratch = new Scratch('elf');
const built: Record<string, string> = {};

beforeAll(() => {
  const sources = { 'mod.c': MODULE_C };
  built.mod = scratch.gcc('mod.o', sources, [...OBJECT_CFLAGS, '-fcommon', '-c']);
  built.modG = scratch.gcc('mod-g.o', { 'modg.c': MODULE_C }, [...OBJECT_CFLAGS, '-fcommon', '-g', '-ffunction-sections', '-fdata-sections', '-c']);
  built.other = scratch.gcc('other.o', { 'other.c': OTHER_C }, [...OBJECT_CFLAGS, '-c']);
  built.combined = scratch.path('combined.o');
  run('ld', ['-m', 'elf_i386', '-r', built.mod, built.other, '-o', built.combined]);
  built.prog = scratch.gcc('prog', { 'prog.c': PROGRAM_C }, PROGRAM_CFLAGS);
  built.shared = scratch.gcc('lib.so', { 'lib.c': MODULE_C }, ['-m32', '-O2', '-shared', '-nostdlib', '-fPIC', '-fno-stack-protector']);
  built.x64 = scratch.gcc('x64.o', { 'x64.c': OTHER_C }, ['-O2', '-c']);
});

afterAll(() => scratch.dispose());

describe('parseElf32 against readelf', () => {
  for (const name of ['mod', 'modG', 'other', 'combined', 'prog', 'shared']) {
    it(`reads ${name} as readelf does`, () => {
      const path = built[name] as string;
      const f = parseElf32(scratch.read(path.slice(scratch.dir.length + 1)));
      expectMatchesReadelf(path, f);
    });
  }
});

describe('relocatable objects', () => {
  it('gives symbols, section data and REL relocations', () => {
    const f = parseElf32(scratch.read('mod.o'));
    expect(f.header.type).toBe(ET_REL);
    expect(f.programHeaders).toEqual([]);
    const msg = f.findSymbol('msg');
    expect(f.sections[msg?.section ?? 0]?.name).toBe('.rodata');
    const rodata = f.sectionData(msg?.section ?? 0);
    expect(new TextDecoder().decode(rodata.subarray(msg?.value ?? 0, (msg?.value ?? 0) + 6))).toBe('hello\0');
    const bss = f.sectionByName('.bss');
    expect(bss?.type).toBe(SHT_NOBITS);
    expect(f.sectionData(bss?.index ?? 0).length).toBe(0);

    const add = f.findSymbol('add');
    expect(add).toMatchObject({ type: STT_FUNC, bind: STB_GLOBAL, section: f.sectionByName('.text')?.index });
    expect(f.findSymbol('hid')).toMatchObject({ visibility: STV_HIDDEN });
    expect(f.findSymbol('weak_fn')).toMatchObject({ bind: STB_WEAK });
    expect(f.findSymbol('sfn')).toMatchObject({ bind: STB_LOCAL });
    expect(f.findSymbol('counter')).toMatchObject({ shndx: SHN_COMMON, section: -1, type: STT_OBJECT });
    expect(f.findSymbol('ext_fn')).toMatchObject({ shndx: SHN_UNDEF, section: -1 });
    expect(f.findSymbol('alias_name')?.value).toBe(f.findSymbol('alias_target')?.value);
    expect(f.findSymbol('no_such_symbol')).toBeUndefined();

    // add calls ext_fn: an R_386_PC32 whose implicit addend (-4) sits at the place
    const text = f.sectionByName('.text');
    const relText = f.relocationSections.find((rs) => rs.targetSection === text?.index);
    expect(relText?.rela).toBe(false);
    expect(relText?.section.type).toBe(SHT_REL);
    const call = relText?.entries.find((r) => r.type === R_386_PC32 && relText && f.relocationSymbol(relText, r)?.name === 'ext_fn');
    expect(call).toBeDefined();
    const place = f.sectionData(text?.index ?? 0).subarray(call?.offset ?? 0, (call?.offset ?? 0) + 4);
    expect(new DataView(place.buffer, place.byteOffset, 4).getInt32(0, true)).toBe(-4);
  });

  it('finds the function containing an offset in a section', () => {
    const f = parseElf32(scratch.read('mod.o'));
    const text = f.sectionByName('.text')?.index ?? -1;
    const add = f.findSymbol('add');
    expect(add).toBeDefined();
    const loc = f.symbolAt((add?.value ?? 0) + 3, text);
    expect(loc?.symbol.name).toBe('add');
    expect(loc?.offset).toBe(3);
    const custom = f.sectionByName('.text.custom')?.index ?? -1;
    expect(f.symbolAt(2, custom)?.symbol.name).toBe('custom');
    expect(f.describeAddress(2, custom)).toBe('custom+0x2');
  });

  it('reads SHT_RELA, extended section numbering and SHN_XINDEX symbols', () => {
    const { symtab, strtab } = encodeSymbols([
      { name: 'foo', value: 0, size: 8, type: STT_FUNC, bind: STB_GLOBAL, shndx: 1 },
      { name: 'bar', bind: STB_GLOBAL, shndx: SHN_UNDEF },
      { name: 'baz', value: 4, size: 4, type: STT_OBJECT, bind: STB_GLOBAL, shndx: SHN_XINDEX },
    ]);
    const xindex = new Uint8Array(16);
    new DataView(xindex.buffer).setUint32(12, 1, true); // symbol 3 (baz) is in section 1
    const rela = encodeRelocations(
      [
        { offset: 4, type: R_386_32, symbol: 2, addend: -12 },
        { offset: 8, type: R_386_PC32, symbol: 1, addend: 0x10 },
      ],
      true,
    );
    const bytes = buildElf32({
      type: ET_REL,
      extendedNumbering: true,
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: 6, data: new Uint8Array(16), addralign: 16 },
        { name: '.rela.text', type: SHT_RELA, flags: 0x40, data: rela, link: 3, info: 1, entsize: 12, addralign: 4 },
        { name: '.symtab', type: SHT_SYMTAB, data: symtab, link: 4, info: 1, entsize: 16, addralign: 4 },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
        { name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: xindex, link: 3, entsize: 4, addralign: 4 },
      ],
    });
    const f = parseElf32(bytes);
    expect(f.header.shnum).toBe(7);
    expect(f.header.shstrndx).toBe(6);
    expect(f.sections.map((s) => s.name)).toEqual(['', '.text', '.rela.text', '.symtab', '.strtab', '.symtab_shndx', '.shstrtab']);
    expect(f.findSymbol('baz')).toMatchObject({ shndx: 1, section: 1, value: 4 });
    const rs = f.relocationSections[0];
    expect(rs?.rela).toBe(true);
    expect(rs?.entries).toEqual([
      { offset: 4, info: (2 << 8) | R_386_32, type: R_386_32, symbolIndex: 2, addend: -12 },
      { offset: 8, info: (1 << 8) | R_386_PC32, type: R_386_PC32, symbolIndex: 1, addend: 0x10 },
    ]);
    expect(rs && f.relocationSymbol(rs, rs.entries[0] ?? { offset: 0, info: 0, type: 0, symbolIndex: 0, addend: 0 })?.name).toBe('bar');

    // readelf agrees on the synthetic file's layout
    const path = scratch.path('synthetic.o');
    writeFileSync(path, bytes);
    const rsects = readelfSections(path);
    expect(rsects.map((s) => s.name)).toEqual(f.sections.map((s) => s.name));
    expect(readelfSymbols(path).find((s) => s.name === 'baz')?.ndx).toBe('1');
  });
});

describe('executables', () => {
  it('gives program headers, entry and symbolAt', () => {
    const f = parseElf32(scratch.read('prog'));
    expect(f.header.type).toBe(ET_EXEC);
    const start = f.findSymbol('_start');
    expect(f.header.entry).toBe(start?.value);
    const loads = f.programHeaders.filter((p) => p.type === PT_LOAD);
    expect(loads.length).toBeGreaterThan(0);
    const data = loads.find((p) => p.flags & PF_W);
    expect(data && data.memsz > data.filesz).toBe(true); // .bss beyond the file data
    expect(f.segmentData(loads[0] ?? { offset: 0, filesz: 0 } as never).length).toBe(loads[0]?.filesz);

    const helper = f.findSymbol('helper');
    expect(f.symbolAt((helper?.value ?? 0) + 1)).toMatchObject({ symbol: { name: 'helper' }, offset: 1 });
    expect(f.describeAddress(start?.value ?? 0)).toBe('_start');
    expect(f.symbolAt(0x1000)).toBeUndefined();
    expect(f.describeAddress(0x1000)).toBe('0x00001000');
  });
});

describe('malformed input', () => {
  const obj = (): Uint8Array => scratch.read('mod.o');
  const exe = (): Uint8Array => scratch.read('prog');
  const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

  it('rejects what is not ELF, or not ELF32 little-endian version 1', () => {
    expectElfError(new TextEncoder().encode('#!/bin/sh\necho hi\n'), /not an ELF file: the first bytes are \[23 21 2f 62\]/);
    expectElfError(new Uint8Array(0), /not an ELF file/);
    expectElfError(obj().subarray(0, 10), /too short for the 16-byte ELF identification/);
    expectElfError(obj().subarray(0, 40), /40 bytes long, too short for the 52-byte ELF32 header/);
    expectElfError(scratch.read('x64.o'), /64-bit ELF file.*gcc -m32/);
    const big = obj();
    big[5] = 2;
    expectElfError(big, /big-endian/);
    const cls = obj();
    cls[4] = 9;
    expectElfError(cls, /EI_CLASS is 9/);
    const ver = obj();
    ver[6] = 0;
    expectElfError(ver, /EI_VERSION is 0/);
    const ever = obj();
    dv(ever).setUint32(20, 2, true);
    expectElfError(ever, /e_version is 2/);
  });

  it('checks e_machine against the option', () => {
    const arm = obj();
    dv(arm).setUint16(18, 40, true);
    expectElfError(arm, /e_machine is 40 \(ARM\), expected 3 \(Intel 80386\)/);
    expect(parseElf32(arm, { machine: null }).header.machine).toBe(40);
    expect(parseElf32(arm, { machine: 40 }).header.machine).toBe(40);
    expectElfError(obj(), /expected 40 \(ARM\)/, { machine: 40 });
    const x64 = obj();
    dv(x64).setUint16(18, 62, true);
    expectElfError(x64, /x86-64 file; build with gcc -m32/);
  });

  it('checks header sizes and table bounds', () => {
    const f = parseElf32(obj());
    const shoff = f.header.shoff;

    const eh = obj();
    dv(eh).setUint16(40, 20, true);
    expectElfError(eh, /e_ehsize is 20/);

    const shent = obj();
    dv(shent).setUint16(46, 32, true);
    expectElfError(shent, /e_shentsize is 32/);

    const table = obj();
    dv(table).setUint32(32, table.length - 50, true);
    expectElfError(table, /section header table .* extends past end of file \(size 0x[0-9a-f]+\)/);

    const sec5 = obj();
    dv(sec5).setUint32(shoff + 5 * 40 + 16, 0x7ff0, true);
    dv(sec5).setUint32(shoff + 5 * 40 + 4, SHT_PROGBITS, true);
    dv(sec5).setUint32(shoff + 5 * 40 + 20, 0x100, true);
    const err = expectElfError(sec5, new RegExp(`^section header 5 \\(offset 0x${(shoff + 200).toString(16)}\\): section data \\(offset 0x7ff0, size 0x100\\) extends past end of file \\(size 0x${sec5.length.toString(16)}\\)$`));
    expect(err.offset).toBe(shoff + 200);

    const strndx = obj();
    dv(strndx).setUint16(50, 99, true);
    expectElfError(strndx, new RegExp(`e_shstrndx\\) is 99, but there are only ${f.sections.length} sections`));

    const align = obj();
    dv(align).setUint32(shoff + 1 * 40 + 32, 3, true);
    expectElfError(align, /section header 1 .*sh_addralign 0x3 is not a power of two/);

    const ph = exe();
    const pf = parseElf32(ph);
    const load = pf.programHeaders.findIndex((p) => p.type === PT_LOAD);
    const po = pf.header.phoff + load * 32;
    dv(ph).setUint32(po + 16, 0x10000, true);
    expectElfError(ph, /program header \d+ \(offset 0x[0-9a-f]+\): segment data .* extends past end of file/);
    const ph2 = exe();
    dv(ph2).setUint32(po + 20, 0, true);
    dv(ph2).setUint32(po + 16, 1, true);
    expectElfError(ph2, /p_filesz 0x1 larger than p_memsz 0x0/);
    const ph3 = exe();
    dv(ph3).setUint32(po + 8, 0xfffff000, true);
    dv(ph3).setUint32(po + 20, 0x2000, true);
    dv(ph3).setUint32(po + 16, 0, true);
    expectElfError(ph3, /(wraps past the end of the 4 GiB address space|not congruent)/);
    const ph4 = exe();
    dv(ph4).setUint16(44, 500, true);
    expectElfError(ph4, /program header table \(500 entries of 32 bytes at offset 0x34\) extends past end of file/);
  });

  it('checks string tables', () => {
    const f = parseElf32(obj());
    const strtab = f.sectionByName('.strtab');
    const shstrtab = f.sections[f.header.shstrndx];
    const unterminated = obj();
    unterminated[(strtab?.offset ?? 0) + (strtab?.size ?? 0) - 1] = 0x41;
    expectElfError(unterminated, new RegExp(`string table section ${strtab?.index} \\(\\.strtab\\) \\(offset 0x[0-9a-f]+, size 0x[0-9a-f]+\\) does not end with a NUL byte`));

    const name = obj();
    dv(name).setUint32(f.header.shoff + 3 * 40, 0x5000, true);
    expectElfError(name, new RegExp(`section header 3 \\(offset 0x[0-9a-f]+\\): name offset 0x5000 is past the end of string table section ${f.header.shstrndx} \\(size 0x[0-9a-f]+\\)`));

    const notStr = obj();
    dv(notStr).setUint32(f.header.shoff + (shstrtab?.index ?? 0) * 40 + 4, SHT_PROGBITS, true);
    expectElfError(notStr, new RegExp(`e_shstrndx \\(${f.header.shstrndx}\\) refers to section ${f.header.shstrndx} as its string table, but that section has type 1, not SHT_STRTAB`));
  });

  it('checks symbol tables and relocations', () => {
    const f = parseElf32(obj());
    const symtab = f.sections[f.symbolTableSection];
    const symOff = (i: number): number => (symtab?.offset ?? 0) + i * 16;
    const st = `section ${f.symbolTableSection} \\(\\.symtab\\)`;
    const str = `section ${f.sectionByName('.strtab')?.index} \\(\\.strtab\\)`;

    const badNdx = obj();
    dv(badNdx).setUint16(symOff(3) + 14, 0x99, true);
    expectElfError(badNdx, new RegExp(`symbol 3 of ${st} \\(offset 0x[0-9a-f]+\\) has section index 0x99, which is neither a section of the file \\(there are ${f.sections.length}\\) nor SHN_UNDEF/SHN_ABS/SHN_COMMON`));

    const badName = obj();
    dv(badName).setUint32(symOff(4), 0xffffff, true);
    expectElfError(badName, new RegExp(`symbol 4 of ${st}.*name offset 0xffffff is past the end of string table ${str}`));

    const ent = obj();
    dv(ent).setUint32(f.header.shoff + f.symbolTableSection * 40 + 36, 12, true);
    expectElfError(ent, new RegExp(`symbol table ${st} has sh_entsize 12, expected 16`));

    const link = obj();
    dv(link).setUint32(f.header.shoff + f.symbolTableSection * 40 + 24, 77, true);
    expectElfError(link, /links to string table section 77, which does not exist/);

    const rs = f.relocationSections[0];
    const relOff = rs?.section.offset ?? 0;
    const badSym = obj();
    dv(badSym).setUint32(relOff + 4, (9999 << 8) | R_386_32, true);
    expectElfError(badSym, new RegExp(`relocation 0 of section ${rs?.section.index} \\(${rs?.section.name}\\) \\(offset 0x[0-9a-f]+\\) refers to symbol 9999, but its symbol table has ${f.symbols.length} symbols`));

    const badPlace = obj();
    dv(badPlace).setUint32(relOff, 0xfffffff0, true);
    expectElfError(badPlace, /relocation 0 of section \d+ \(\.rel\.text\) .*patches 4 bytes at 0xfffffff0, outside section \d+ \(\.text\)/);

    const badTarget = obj();
    dv(badTarget).setUint32(f.header.shoff + (rs?.section.index ?? 0) * 40 + 28, 0, true);
    expectElfError(badTarget, /applies to section 0 \(sh_info\), which does not exist/);

    const badRelLink = obj();
    dv(badRelLink).setUint32(f.header.shoff + (rs?.section.index ?? 0) * 40 + 24, 1, true);
    expectElfError(badRelLink, /links to section 1, which is not a symbol table/);
  });

  it('bounds the work of decoding overlapping names', () => {
    // 4096 symbols whose names all start at offset 1 of one 64 KiB name: 256 MiB to decode
    // without the budget; with it, a clear error
    const longName = 'x'.repeat(65535);
    const syms = Array.from({ length: 4096 }, () => ({ name: longName, shndx: SHN_ABS }));
    const { symtab, strtab } = encodeSymbols(syms);
    const bytes = buildElf32({
      sections: [
        { name: '.symtab', type: SHT_SYMTAB, data: symtab, link: 2, entsize: 16 },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
      ],
    });
    // all names share one string: fine (decoded once)
    expect(parseElf32(bytes).symbols.length).toBe(4097);
    // now point each at a different offset inside the long name
    const view = dv(bytes);
    const symtabOff = parseElf32(bytes).sections[1]?.offset ?? 0;
    for (let i = 1; i <= 4096; i++) view.setUint32(symtabOff + i * 16, i, true);
    const t0 = performance.now();
    expectElfError(bytes, /names overlap so much/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
