// Test kit copied from packages/x86/test/asm.ts (tests do not import across packages):
// assembles AT&T snippets with GNU `as --32` at test time and links them here at a fixed origin
// (labels become absolute addresses), and lays out a tiny kernel's page tables, IDT and stack.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Cr0, Machine, Pte } from '@nooks/x86';

export interface Program {
  /** Linear (and, identity-mapped, physical) address of the first byte. */
  readonly origin: number;
  readonly bytes: Uint8Array;
  readonly symbols: ReadonlyMap<string, number>;
  /** Address of a label; throws for an unknown one (a typo should not read as address 0). */
  sym(name: string): number;
}

function tool(cmd: string, args: readonly string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
}

const cache = new Map<string, Program>();

const SHT_SYMTAB = 2, SHT_REL = 9, SHF_ALLOC = 2, SHN_ABS = 0xfff1;
const R_386_32 = 1, R_386_PC32 = 2;

/**
 * Links the .text of an ELF32 relocatable object at `origin`. The snippets are one section, so
 * this is all a linker would do; doing it here saves spawning ld, objcopy and nm per snippet.
 */
function link(obj: Uint8Array, origin: number): { bytes: Uint8Array; symbols: Map<string, number> } {
  const dv = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u16 = (o: number): number => dv.getUint16(o, true);
  const shoff = u32(0x20), shnum = u16(0x30), shstrndx = u16(0x32);
  const sh = (i: number) => {
    const o = shoff + i * 40;
    return { name: u32(o), type: u32(o + 4), flags: u32(o + 8), offset: u32(o + 16), size: u32(o + 20), link: u32(o + 24), info: u32(o + 28) };
  };
  const cstr = (off: number): string => {
    let end = off;
    while (obj[end] !== 0) end++;
    return Buffer.from(obj.subarray(off, end)).toString('latin1');
  };
  const names = sh(shstrndx);
  let text = -1;
  for (let i = 1; i < shnum; i++) {
    const h = sh(i);
    const name = cstr(names.offset + h.name);
    if (name === '.text') text = i;
    else if ((h.flags & SHF_ALLOC) !== 0 && h.size > 0) throw new Error(`snippets must keep everything in .text (found ${name})`);
  }
  const t = sh(text);
  const bytes = obj.slice(t.offset, t.offset + t.size);
  const out = new DataView(bytes.buffer);
  const symbols = new Map<string, number>();
  let symAddr: number[] = [];
  for (let i = 1; i < shnum; i++) {
    const h = sh(i);
    if (h.type !== SHT_SYMTAB) continue;
    const strtab = sh(h.link);
    symAddr = [];
    for (let o = h.offset; o < h.offset + h.size; o += 16) {
      const value = u32(o + 4), shndx = u16(o + 14), type = obj[o + 12]! & 0xf;
      const addr = shndx === text ? (origin + value) >>> 0 : shndx === SHN_ABS ? value : -1;
      symAddr.push(addr);
      const name = cstr(strtab.offset + u32(o));
      if (name !== '' && addr >= 0 && type !== 3 && type !== 4) symbols.set(name, addr);
    }
  }
  for (let i = 1; i < shnum; i++) {
    const h = sh(i);
    if (h.type !== SHT_REL || h.info !== text) continue;
    for (let o = h.offset; o < h.offset + h.size; o += 8) {
      const at = u32(o), info = u32(o + 4), type = info & 0xff, sym = info >>> 8;
      const s = sym === 0 ? 0 : symAddr[sym]!;
      if (s < 0) throw new Error(`snippet refers to an undefined symbol (relocation at 0x${at.toString(16)})`);
      const addend = out.getUint32(at, true);
      if (type === R_386_32) out.setUint32(at, (s + addend) >>> 0, true);
      else if (type === R_386_PC32) out.setUint32(at, (s + addend - (origin + at)) >>> 0, true);
      else throw new Error(`unsupported relocation type ${type}`);
    }
  }
  return { bytes, symbols };
}

/**
 * Assembles AT&T-syntax 32-bit code (everything in .text) linked at `origin`; returns the flat
 * image and the address of every label. Results are cached per (source, origin).
 */
export function assemble(source: string, origin: number): Program {
  const key = `${origin}\n${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'nooks-x86-asm-'));
  try {
    const s = join(dir, 'a.s'), o = join(dir, 'a.o');
    writeFileSync(s, `.text\n${source}\n`);
    tool('as', ['--32', '-o', o, s]);
    const { bytes, symbols } = link(new Uint8Array(readFileSync(o)), origin);
    const program: Program = {
      origin,
      bytes,
      symbols,
      sym(name: string): number {
        const v = symbols.get(name);
        if (v === undefined) throw new Error(`no label ${name} in the assembled snippet`);
        return v;
      },
    };
    cache.set(key, program);
    return program;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the kit puts things in guest physical memory (identity-mapped unless a test says otherwise). */
export const LAYOUT = {
  idt: 0x1000,
  pageDir: 0x2000,
  /** Page tables are allocated from here upwards, one 4 KiB page each. */
  pageTables: 0x3000,
  pageTablesEnd: 0x10000,
  code: 0x10000,
  data: 0x40000,
  /** Top of the ring-0 stack (grows down into 0x70000-0x7ffff). */
  stack: 0x80000,
} as const;

export interface GateOptions {
  /** Trap gate (IF kept) instead of interrupt gate (IF cleared). */
  trap?: boolean;
  dpl?: number;
  present?: boolean;
}

/** A Machine plus helpers to build page tables and an IDT in its RAM. */
export class Guest {
  readonly m: Machine;
  private nextTable: number = LAYOUT.pageTables;

  constructor(memoryBytes = 4 << 20) {
    this.m = new Machine({ memoryBytes });
    this.m.cpu.regs[4] = LAYOUT.stack;
  }

  get cpu(): Machine['cpu'] {
    return this.m.cpu;
  }

  /** Copies an assembled program to its origin (physical = linear). */
  load(p: Program): Program {
    this.m.writePhys(p.origin, p.bytes);
    return p;
  }

  /** Assembles `source` at `origin`, loads it and points EIP at it. */
  code(source: string, origin: number = LAYOUT.code): Program {
    const p = this.load(assemble(source, origin));
    this.cpu.eip = origin;
    return p;
  }

  /** Physical address of the PDE for `linear`. */
  pdeAddr(linear: number): number {
    return LAYOUT.pageDir + (linear >>> 22) * 4;
  }

  /** Physical address of the PTE for `linear` (its page table must exist). */
  pteAddr(linear: number): number {
    const pde = this.m.readPhys32(this.pdeAddr(linear));
    if ((pde & Pte.P) === 0) throw new Error(`no page table for 0x${(linear >>> 0).toString(16)}`);
    return ((pde & ~0xfff) >>> 0) + ((linear >>> 12) & 0x3ff) * 4;
  }

  pde(linear: number): number {
    return this.m.readPhys32(this.pdeAddr(linear));
  }

  pte(linear: number): number {
    return this.m.readPhys32(this.pteAddr(linear));
  }

  setPde(linear: number, value: number): void {
    this.m.writePhys32(this.pdeAddr(linear), value);
  }

  setPte(linear: number, value: number): void {
    this.m.writePhys32(this.pteAddr(linear), value);
  }

  /**
   * Maps one 4 KiB page. The PDE is created (P|RW|US, so the PTE decides) when absent; pass
   * `pdeFlags` to set the PDE's flags explicitly.
   */
  map(linear: number, phys: number, flags: number = Pte.P | Pte.RW, pdeFlags?: number): void {
    let pde = this.pde(linear);
    if ((pde & Pte.P) === 0 && (pde & ~0xfff) === 0) {
      if (this.nextTable >= LAYOUT.pageTablesEnd) throw new Error('out of page-table pages');
      pde = this.nextTable | Pte.P | Pte.RW | Pte.US;
      this.m.writePhys(this.nextTable, new Uint8Array(4096));
      this.nextTable += 0x1000;
    }
    if (pdeFlags !== undefined) pde = (pde & ~0xfff) | pdeFlags;
    this.setPde(linear, pde);
    this.m.writePhys32(((pde & ~0xfff) >>> 0) + ((linear >>> 12) & 0x3ff) * 4, ((phys & ~0xfff) | flags) >>> 0);
  }

  /** Identity-maps [from, to) with `flags`. */
  identity(from: number, to: number, flags: number = Pte.P | Pte.RW): void {
    for (let a = from & ~0xfff; a < to; a += 0x1000) this.map(a, a, flags);
  }

  /** The usual kernel map: the low 1 MiB identity-mapped supervisor read/write, then paging on. */
  standardPaging(flags: number = Pte.P | Pte.RW): void {
    this.identity(0, 0x100000, flags);
    this.enablePaging();
  }

  enablePaging(): void {
    this.cpu.setCr3(LAYOUT.pageDir);
    this.cpu.setCr0(this.cpu.cr0 | Cr0.PE | Cr0.PG);
  }

  /** Writes an IDT gate at LAYOUT.idt. */
  gate(vector: number, target: number, opts: GateOptions = {}): void {
    const type = opts.trap ? 0xf : 0xe;
    const present = opts.present ?? true;
    const dpl = opts.dpl ?? 0;
    const lo = (0x08 << 16) | (target & 0xffff);
    const hi = (target & 0xffff0000) | (present ? 0x8000 : 0) | (dpl << 13) | (type << 8);
    this.m.writePhys32(LAYOUT.idt + vector * 8, lo);
    this.m.writePhys32(LAYOUT.idt + vector * 8 + 4, hi);
  }

  /** Loads IDTR directly (tests of lidt itself do it from guest code). */
  useIdt(): void {
    this.cpu.idtrBase = LAYOUT.idt;
    this.cpu.idtrLimit = 256 * 8 - 1;
  }

  read32(phys: number): number {
    return this.m.readPhys32(phys);
  }

  reg(r: number): number {
    return this.cpu.regs[r]! >>> 0;
  }
}

export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
