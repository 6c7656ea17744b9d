// The module loader: what insmod and sys_init_module did in Linux 2.4, for ELF32 relocatable
// objects. The allocatable sections are laid out in one vmalloc'd area (text, rodata, data,
// bss, each at its alignment), undefined symbols are bound to the kernel's export table,
// R_386_32 and R_386_PC32 relocations are applied, and the module's symbols are kept for
// crash reports (EIP -> function+offset). Every malformed input is a ModuleLoadError that
// says what is wrong; nothing a module object contains can crash the host.

import { ElfFormatError, R_386_32, R_386_PC32, SHF_ALLOC, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS, STB_LOCAL, STT_FUNC, STT_OBJECT, STT_SECTION, parseElf32 } from '@nooks/x86';
import type { Elf32File } from '@nooks/x86';
import { ModuleLoadError } from './errors.js';

/** What the loader needs from the kernel. */
export interface LoaderHost {
  /** Resolves an imported symbol or throws ModuleLoadError. */
  resolve(module: string, name: string): number;
  /** Allocates `bytes` of module memory; returns its kernel virtual address. */
  allocate(module: string, bytes: number): number;
  /** Copies bytes to a kernel virtual address. */
  write(virt: number, bytes: Uint8Array): void;
  read32(virt: number): number;
  write32(virt: number, value: number): void;
}

export interface ModuleSection {
  readonly name: string;
  readonly address: number;
  readonly size: number;
  readonly executable: boolean;
  readonly writable: boolean;
}

export interface ModuleSymbol {
  readonly name: string;
  readonly address: number;
  readonly size: number;
  readonly kind: 'function' | 'object' | 'other';
  readonly global: boolean;
}

export interface LoadedImage {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly sections: readonly ModuleSection[];
  readonly symbols: readonly ModuleSymbol[];
  /** Names of the kernel symbols the module imports. */
  readonly imports: readonly string[];
  readonly elf: Elf32File;
}

const MAX_MODULE_BYTES = 16 << 20;

function align(n: number, a: number): number {
  return a > 1 ? Math.ceil(n / a) * a : n;
}

/** Parses, lays out, binds and relocates a module object. */
export function loadModuleImage(name: string, bytes: Uint8Array, host: LoaderHost): LoadedImage {
  let elf: Elf32File;
  try {
    elf = parseElf32(bytes);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new ModuleLoadError(name, `not a valid ELF32 object: ${e.message}`);
    throw e;
  }
  if (elf.header.type !== 1) throw new ModuleLoadError(name, `not a relocatable object (ELF type ${elf.header.type}); modules are built with -c`);
  if (elf.symbolTableSection < 0 || elf.symbols.length === 0) throw new ModuleLoadError(name, 'has no symbol table');

  // Layout of the allocatable sections, plus COMMON symbols at the end.
  const offsets = new Map<number, number>();
  let size = 0;
  for (const s of elf.sections) {
    if ((s.flags & SHF_ALLOC) === 0 || s.size === 0) continue;
    const a = Math.max(1, s.addralign);
    if (a > 4096 || (a & (a - 1)) !== 0) throw new ModuleLoadError(name, `section ${s.name} has an unsupported alignment ${a}`);
    size = align(size, a);
    offsets.set(s.index, size);
    size += s.size;
    if (size > MAX_MODULE_BYTES) throw new ModuleLoadError(name, `is too large (over ${MAX_MODULE_BYTES >>> 20} MiB of sections)`);
  }
  const commons = new Map<number, number>();
  for (const sym of elf.symbols) {
    if (sym.shndx !== SHN_COMMON) continue;
    const a = Math.max(4, sym.value);
    if (a > 4096 || sym.size > MAX_MODULE_BYTES) throw new ModuleLoadError(name, `COMMON symbol ${sym.name} is malformed`);
    size = align(size, a);
    commons.set(sym.index, size);
    size += sym.size;
  }
  if (size > MAX_MODULE_BYTES) throw new ModuleLoadError(name, `is too large (over ${MAX_MODULE_BYTES >>> 20} MiB)`);
  const base = host.allocate(name, Math.max(size, 1));

  // Copy section contents (bss stays zero: the area is zeroed).
  const sections: ModuleSection[] = [];
  for (const s of elf.sections) {
    const off = offsets.get(s.index);
    if (off === undefined) continue;
    if (s.type !== SHT_NOBITS) host.write(base + off, elf.sectionData(s));
    sections.push({ name: s.name, address: (base + off) >>> 0, size: s.size, executable: (s.flags & 4) !== 0, writable: (s.flags & 1) !== 0 });
  }

  // Symbol values.
  const imports: string[] = [];
  const value = (symIndex: number): number => {
    const sym = elf.symbols[symIndex];
    if (sym === undefined) throw new ModuleLoadError(name, `relocation refers to symbol ${symIndex}, beyond the symbol table`);
    if (sym.shndx === SHN_UNDEF) {
      if (symIndex === 0) return 0;
      const addr = host.resolve(name, sym.name);
      if (!imports.includes(sym.name)) imports.push(sym.name);
      return addr;
    }
    if (sym.shndx === SHN_ABS) return sym.value;
    if (sym.shndx === SHN_COMMON) return base + commons.get(sym.index)!;
    const off = offsets.get(sym.shndx);
    if (off === undefined) throw new ModuleLoadError(name, `symbol ${sym.name || symIndex} is in section ${sym.shndx}, which is not loaded`);
    return (base + off + sym.value) >>> 0;
  };
  // Bind every undefined symbol up front so that an unknown import fails before anything runs.
  for (const sym of elf.symbols) if (sym.index > 0 && sym.shndx === SHN_UNDEF && sym.name) value(sym.index);

  for (const rs of elf.relocationSections) {
    const target = elf.sections[rs.targetSection];
    const off = offsets.get(rs.targetSection);
    if (target === undefined || off === undefined) continue; // relocations of debug sections
    if (rs.symbolTableSection !== elf.symbolTableSection) throw new ModuleLoadError(name, `relocation section ${rs.section.name} uses a symbol table other than .symtab`);
    for (const r of rs.entries) {
      if (r.offset + 4 > target.size) throw new ModuleLoadError(name, `relocation at ${target.name}+0x${r.offset.toString(16)} lies outside the section (size 0x${target.size.toString(16)})`);
      const p = (base + off + r.offset) >>> 0;
      const a = rs.rela ? r.addend : host.read32(p);
      const s = value(r.symbolIndex);
      switch (r.type) {
        case R_386_32:
          host.write32(p, (s + a) | 0);
          break;
        case R_386_PC32:
          host.write32(p, (s + a - p) | 0);
          break;
        default:
          throw new ModuleLoadError(name, `unsupported relocation type ${r.type} at ${target.name}+0x${r.offset.toString(16)} (only R_386_32 and R_386_PC32; build with -fno-pic)`);
      }
    }
  }

  const symbols: ModuleSymbol[] = [];
  for (const sym of elf.symbols) {
    if (sym.index === 0 || !sym.name || sym.type === STT_SECTION || sym.shndx === SHN_UNDEF || sym.shndx === SHN_ABS) continue;
    const addr = value(sym.index);
    symbols.push({
      name: sym.name,
      address: addr,
      size: sym.size,
      kind: sym.type === STT_FUNC ? 'function' : sym.type === STT_OBJECT ? 'object' : 'other',
      global: sym.bind !== STB_LOCAL,
    });
  }
  symbols.sort((x, y) => x.address - y.address);
  return { name, base, size, sections, symbols, imports, elf };
}

/** function+0xoff for an address inside a loaded image, or undefined. */
export function symbolize(image: LoadedImage, address: number): string | undefined {
  const a = address >>> 0;
  if (a < image.base || a >= image.base + image.size) return undefined;
  let best: ModuleSymbol | undefined;
  for (const s of image.symbols) {
    if (s.kind !== 'function') continue;
    if (s.address <= a && (!best || s.address > best.address)) best = s;
  }
  if (!best) return `[${image.name}]+0x${(a - image.base).toString(16)}`;
  return `${best.name}+0x${(a - best.address).toString(16)}`;
}
