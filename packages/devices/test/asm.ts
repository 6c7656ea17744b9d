// Test kit copied from packages/x86/test/asm.ts (tests do not import across packages):
// assembles AT&T snippets with GNU `as --32` at test time and links them here at a fixed origin
// (labels become absolute addresses), and lays out a tiny kernel's page tables, IDT and stack.
import { Cr0, Machine, Pte } from '@nooks/x86';

import { assemble } from '@nooks/i386-asm';
import type { Program } from '@nooks/i386-asm';

export { assemble };
export type { Program };

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
