// What the injector works on: a module image (load address, sections, symbols, and the ELF it
// came from, for its relocations) and the memory that holds its code. A kernel's LoadedImage
// (@nooks/kernel) is a FaultImage as it stands; imageFromElf lays an object out the way the
// module loader does, for planning without loading anything.

import { SHF_ALLOC, SHF_EXECINSTR, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS, STT_FUNC, STT_OBJECT, STT_SECTION, parseElf32 } from '@nooks/x86';
import type { Elf32File } from '@nooks/x86';

export interface FaultSection {
  readonly name: string;
  readonly address: number;
  readonly size: number;
  readonly executable: boolean;
}

export interface FaultSymbol {
  readonly name: string;
  readonly address: number;
  readonly size: number;
  readonly kind: 'function' | 'object' | 'other';
}

/** A loaded (or laid-out) module: structurally a subset of @nooks/kernel's LoadedImage. */
export interface FaultImage {
  readonly name?: string;
  /** Load address; fault places are kept as offsets from it. */
  readonly base: number;
  readonly sections: readonly FaultSection[];
  readonly symbols: readonly FaultSymbol[];
  /**
   * The relocatable object the image was loaded from. Its relocations name the kernel
   * functions that `call rel32` instructions call (kmalloc, spin_lock, ...) and mark the bytes
   * that depend on the load address. Without it only `resolveCallTarget` can name callees.
   */
  readonly elf?: Elf32File;
  /** Names the function at a call target outside the image (e.g. the kernel's export table). */
  readonly resolveCallTarget?: (address: number) => string | undefined;
}

export interface CodeReader {
  read(address: number, length: number): Uint8Array;
}

export interface CodeMemory extends CodeReader {
  write(address: number, bytes: Uint8Array): void;
}

/** A relocated 4-byte field in an executable section. */
export interface RelocatedField {
  /** Name of the symbol (the section's name for section-relative relocations). */
  readonly symbol: string;
  /** True when the symbol is undefined in the object: an import from the kernel. */
  readonly external: boolean;
  readonly type: number;
}

/** Absolute address of each relocated field of the image's executable sections. */
export function relocationIndex(image: FaultImage): Map<number, RelocatedField> {
  const out = new Map<number, RelocatedField>();
  const elf = image.elf;
  if (!elf) return out;
  const addressOf = loadedSectionAddresses(image, elf);
  for (const rs of elf.relocationSections) {
    const target = elf.sections[rs.targetSection];
    const at = addressOf.get(rs.targetSection);
    if (!target || at === undefined || (target.flags & SHF_EXECINSTR) === 0) continue;
    for (const r of rs.entries) {
      const sym = elf.relocationSymbol(rs, r);
      if (!sym) continue;
      const name = sym.type === STT_SECTION ? (elf.sections[sym.shndx]?.name ?? '') : sym.name;
      out.set((at + r.offset) >>> 0, { symbol: name, external: sym.shndx === SHN_UNDEF, type: r.type });
    }
  }
  return out;
}

/** ELF section index -> load address, pairing the ELF's allocated sections with the image's in order. */
function loadedSectionAddresses(image: FaultImage, elf: Elf32File): Map<number, number> {
  const out = new Map<number, number>();
  const loaded = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0);
  const inOrder = loaded.length === image.sections.length && loaded.every((s, i) => image.sections[i]?.name === s.name);
  for (const [i, s] of loaded.entries()) {
    if (inOrder) {
      out.set(s.index, (image.sections[i] as FaultSection).address);
    } else {
      // Some other layout: pair by name where the name is unique.
      const same = image.sections.filter((m) => m.name === s.name);
      if (same.length === 1) out.set(s.index, (same[0] as FaultSection).address);
    }
  }
  return out;
}

function align(n: number, a: number): number {
  return a > 1 ? Math.ceil(n / a) * a : n;
}

/**
 * Lays a relocatable object out as the module loader does (allocated sections in file order,
 * each at its alignment, from `base`) without binding or relocating it, and returns the image
 * and a memory holding its bytes. A plan made on it applies at the same offsets to a real load.
 */
export function imageFromElf(object: Uint8Array | Elf32File, options: { base?: number; name?: string } = {}): { image: FaultImage; memory: CodeMemory } {
  const elf = object instanceof Uint8Array ? parseElf32(object) : object;
  const base = (options.base ?? 0) >>> 0;
  const offsets = new Map<number, number>();
  let size = 0;
  for (const s of elf.sections) {
    if ((s.flags & SHF_ALLOC) === 0 || s.size === 0) continue;
    size = align(size, Math.max(1, s.addralign));
    offsets.set(s.index, size);
    size += s.size;
  }
  const bytes = new Uint8Array(Math.max(size, 1));
  const sections: FaultSection[] = [];
  for (const s of elf.sections) {
    const off = offsets.get(s.index);
    if (off === undefined) continue;
    if (s.type !== SHT_NOBITS) bytes.set(elf.sectionData(s), off);
    sections.push({ name: s.name, address: (base + off) >>> 0, size: s.size, executable: (s.flags & SHF_EXECINSTR) !== 0 });
  }
  const symbols: FaultSymbol[] = [];
  for (const sym of elf.symbols) {
    if (sym.index === 0 || !sym.name || sym.type === STT_SECTION) continue;
    if (sym.shndx === SHN_UNDEF || sym.shndx === SHN_ABS || sym.shndx === SHN_COMMON) continue;
    const off = offsets.get(sym.shndx);
    if (off === undefined) continue;
    symbols.push({
      name: sym.name,
      address: (base + off + sym.value) >>> 0,
      size: sym.size,
      kind: sym.type === STT_FUNC ? 'function' : sym.type === STT_OBJECT ? 'object' : 'other',
    });
  }
  symbols.sort((x, y) => x.address - y.address);
  const image: FaultImage = { base, sections, symbols, elf, ...(options.name !== undefined ? { name: options.name } : {}) };
  const check = (address: number, length: number): number => {
    const at = address - base;
    if (at < 0 || at + length > bytes.length) throw new RangeError(`0x${address.toString(16)}+${length} is outside the image (0x${base.toString(16)}, ${bytes.length} bytes)`);
    return at;
  };
  const memory: CodeMemory = {
    read: (address, length) => bytes.slice(check(address, length), check(address, length) + length),
    write: (address, data) => bytes.set(data, check(address, data.length)),
  };
  return { image, memory };
}

/** A CodeMemory over a machine's linear address space (e.g. `kernel.machine` of @nooks/kernel). */
export function machineMemory(machine: { readVirt(linear: number, length: number): Uint8Array; writeVirt(linear: number, bytes: Uint8Array): void }): CodeMemory {
  return {
    read: (address, length) => machine.readVirt(address >>> 0, length),
    write: (address, bytes) => machine.writeVirt(address >>> 0, bytes),
  };
}
