// The kernel's page tables and virtual memory areas: lowmem mapped linearly at PAGE_OFFSET with
// global 4 KiB pages (so a protection domain can later map any kernel page read-only on its
// own), page 0 left unmapped (a NULL dereference faults), and the vmalloc area where modules,
// vmalloc() and ioremap() get page-by-page mappings separated by unmapped guard pages.

import { Cr0, Cr4, Pte } from '@nooks/x86';
import type { Machine } from '@nooks/x86';
import { PAGE_OFFSET, PAGE_SIZE, VMALLOC_END, physToVirt, vmallocStart } from './memory-map.js';
import { OutOfMemory } from './page-alloc.js';
import type { PageAllocator } from './page-alloc.js';

export interface VmArea {
  readonly start: number;
  readonly size: number;
  /** Physical frame of each page (-1 for pages mapped to MMIO by ioremap, which are not owned). */
  readonly frames: number[];
  readonly owner: string;
  readonly kind: 'vmalloc' | 'module' | 'ioremap';
}

/** A user address space: a page directory whose kernel half is the kernel's. */
export interface AddressSpace {
  readonly pgd: number;
  readonly owner: string;
  /** User pages mapped (virtual page address -> physical frame). */
  readonly pages: Map<number, number>;
  /** Page tables of the user half (physical addresses). */
  readonly tables: number[];
}

/** First PDE of the kernel half (0xC0000000 >> 22). */
const KERNEL_PDE = 768;

export class KernelMemory {
  /** Physical address of the kernel page directory (swapper_pg_dir). */
  readonly pgd: number;
  /** Every user address space, so new kernel page tables reach them all. */
  private readonly spaces = new Set<AddressSpace>();
  private readonly areas = new Map<number, VmArea>();
  private vmallocNext: number;
  readonly vmallocBase: number;

  constructor(
    private readonly machine: Machine,
    private readonly pages: PageAllocator,
  ) {
    const mem = machine.cpu.memoryBytes;
    this.pgd = pages.alloc(1, 'kernel');
    this.zero(this.pgd);
    // Lowmem: one page table per 4 MiB of physical memory.
    for (let phys = 0; phys < mem; phys += PAGE_SIZE) {
      if (phys === 0) continue; // page 0 stays unmapped even in the kernel's window
      this.mapPage(physToVirt(phys), phys, Pte.RW | Pte.G);
    }
    this.vmallocBase = vmallocStart(mem);
    this.vmallocNext = this.vmallocBase;
  }

  /** Turns paging on with the kernel page directory (CR4.PGE, CR0.PG|WP). */
  enablePaging(): void {
    const cpu = this.machine.cpu;
    cpu.setCr4(cpu.cr4 | Cr4.PGE);
    cpu.setCr3(this.pgd);
    cpu.setCr0(cpu.cr0 | Cr0.PE | Cr0.WP | Cr0.PG);
  }

  private zero(phys: number): void {
    this.machine.writePhys(phys, new Uint8Array(PAGE_SIZE));
  }

  /** The physical address of the page table covering `virt` in directory pgd, allocating it if asked. */
  private pageTable(pgd: number, virt: number, create: boolean): number {
    const pdeAddr = pgd + (virt >>> 22) * 4;
    const pde = this.machine.readPhys32(pdeAddr);
    if (pde & Pte.P) return pde & ~0xfff;
    if (!create) return -1;
    const pt = this.pages.alloc(1, 'kernel');
    this.zero(pt);
    this.machine.writePhys32(pdeAddr, pt | Pte.P | Pte.RW);
    // A new kernel page table: every address space shares the kernel half.
    if (pgd === this.pgd && virt >>> 22 >= KERNEL_PDE) {
      for (const s of this.spaces) this.machine.writePhys32(s.pgd + (virt >>> 22) * 4, pt | Pte.P | Pte.RW);
    }
    return pt;
  }

  /**
   * Called after every change the kernel makes to a kernel page-table entry (virtual address,
   * new PTE; 0 when unmapped): Nooks keeps each protection domain's copy in sync through it.
   */
  readonly pteListeners: Array<(virt: number, pte: number) => void> = [];

  /** Maps one 4 KiB page in the kernel page tables. */
  mapPage(virt: number, phys: number, flags: number): void {
    const pt = this.pageTable(this.pgd, virt >>> 0, true);
    const pte = (phys & ~0xfff) | Pte.P | flags;
    this.machine.writePhys32(pt + ((virt >>> 12) & 0x3ff) * 4, pte);
    for (const l of this.pteListeners) l(virt >>> 0, pte);
  }

  unmapPage(virt: number): void {
    const pt = this.pageTable(this.pgd, virt >>> 0, false);
    if (pt < 0) return;
    this.machine.writePhys32(pt + ((virt >>> 12) & 0x3ff) * 4, 0);
    this.machine.cpu.invalidatePage(virt | 0);
    for (const l of this.pteListeners) l(virt >>> 0, 0);
  }

  /** Every present kernel mapping (virtual address, PTE), from the kernel page directory. */
  *kernelMappings(): Generator<[number, number]> {
    for (let pde = KERNEL_PDE; pde < 1024; pde++) {
      const e = this.machine.readPhys32(this.pgd + pde * 4);
      if (!(e & Pte.P)) continue;
      const pt = e & ~0xfff;
      for (let i = 0; i < 1024; i++) {
        const pte = this.machine.readPhys32(pt + i * 4);
        if (pte & Pte.P) yield [((pde << 22) | (i << 12)) >>> 0, pte];
      }
    }
  }

  /** The PTE of a kernel virtual address, or 0. */
  pte(virt: number): number {
    const pt = this.pageTable(this.pgd, virt >>> 0, false);
    if (pt < 0) return 0;
    return this.machine.readPhys32(pt + ((virt >>> 12) & 0x3ff) * 4);
  }

  /** Reserves `pages` pages of vmalloc space (plus a guard page) and returns the start. */
  private reserveVirtual(pages: number): number {
    const start = this.vmallocNext;
    const end = start + (pages + 1) * PAGE_SIZE;
    if (end > VMALLOC_END) throw new OutOfMemory(`vmalloc area exhausted (${pages} pages asked)`);
    this.vmallocNext = end;
    return start;
  }

  /** vmalloc: virtually contiguous, physically scattered memory; pages zeroed. */
  vmalloc(bytes: number, owner: string, kind: 'vmalloc' | 'module' = 'vmalloc'): VmArea {
    const pages = Math.max(1, Math.ceil(bytes / PAGE_SIZE));
    const start = this.reserveVirtual(pages);
    const frames: number[] = [];
    try {
      for (let i = 0; i < pages; i++) {
        const f = this.pages.alloc(1, owner);
        frames.push(f);
        this.zero(f);
        this.mapPage(start + i * PAGE_SIZE, f, Pte.RW);
      }
    } catch (e) {
      for (let i = 0; i < frames.length; i++) {
        this.unmapPage(start + i * PAGE_SIZE);
        this.pages.release(frames[i]!);
      }
      throw e;
    }
    const area: VmArea = { start, size: pages * PAGE_SIZE, frames, owner, kind };
    this.areas.set(start, area);
    return area;
  }

  /** ioremap: maps device memory (MMIO) into the vmalloc area, uncached. */
  ioremap(phys: number, bytes: number, owner: string): VmArea {
    const offset = phys & 0xfff;
    const pages = Math.ceil((offset + bytes) / PAGE_SIZE);
    const start = this.reserveVirtual(pages);
    for (let i = 0; i < pages; i++) this.mapPage(start + i * PAGE_SIZE, (phys & ~0xfff) + i * PAGE_SIZE, Pte.RW | Pte.PCD | Pte.PWT);
    const area: VmArea = { start: start + offset, size: pages * PAGE_SIZE, frames: new Array<number>(pages).fill(-1), owner, kind: 'ioremap' };
    this.areas.set(start + offset, area);
    return area;
  }

  /** vfree / iounmap by the address the mapping returned. Returns the area, or undefined if none starts there. */
  release(virt: number): VmArea | undefined {
    const area = this.areas.get(virt >>> 0);
    if (!area) return undefined;
    const base = area.start & ~0xfff;
    for (let i = 0; i < area.frames.length; i++) {
      this.unmapPage(base + i * PAGE_SIZE);
      if (area.frames[i]! >= 0) this.pages.release(area.frames[i]!);
    }
    this.areas.delete(virt >>> 0);
    return area;
  }

  areasOf(owner: string): VmArea[] {
    return [...this.areas.values()].filter((a) => a.owner === owner);
  }

  /** The vm area containing a virtual address. */
  areaAt(virt: number): VmArea | undefined {
    const v = virt >>> 0;
    for (const a of this.areas.values()) if (v >= (a.start & ~0xfff) && v < (a.start & ~0xfff) + a.size) return a;
    return undefined;
  }

  // ---------------------------------------------------------------- user address spaces

  /** A new address space: empty user half, the kernel's page tables in the kernel half. */
  createAddressSpace(owner: string): AddressSpace {
    const pgd = this.pages.alloc(1, owner);
    this.zero(pgd);
    for (let i = KERNEL_PDE; i < 1024; i++) this.machine.writePhys32(pgd + i * 4, this.machine.readPhys32(this.pgd + i * 4));
    const space: AddressSpace = { pgd, owner, pages: new Map(), tables: [] };
    this.spaces.add(space);
    return space;
  }

  /** Maps zeroed user pages over [virt, virt+bytes) (user, writable). Returns virt. */
  mapUser(space: AddressSpace, virt: number, bytes: number): number {
    if (virt >>> 0 >= PAGE_OFFSET || (virt >>> 0) + bytes > PAGE_OFFSET) throw new RangeError('user mappings must lie below 0xC0000000');
    for (let v = (virt & ~0xfff) >>> 0; v < (virt >>> 0) + bytes; v += PAGE_SIZE) {
      if (space.pages.has(v)) continue;
      const pdeAddr = space.pgd + (v >>> 22) * 4;
      let pde = this.machine.readPhys32(pdeAddr);
      if (!(pde & Pte.P)) {
        const pt = this.pages.alloc(1, space.owner);
        this.zero(pt);
        space.tables.push(pt);
        pde = pt | Pte.P | Pte.RW | Pte.US;
        this.machine.writePhys32(pdeAddr, pde);
      }
      const frame = this.pages.alloc(1, space.owner);
      this.zero(frame);
      this.machine.writePhys32((pde & ~0xfff) + ((v >>> 12) & 0x3ff) * 4, frame | Pte.P | Pte.RW | Pte.US);
      space.pages.set(v, frame);
    }
    return virt;
  }

  /** Frees an address space's user pages and tables. */
  destroyAddressSpace(space: AddressSpace): void {
    for (const f of space.pages.values()) this.pages.release(f);
    for (const t of space.tables) this.pages.release(t);
    this.pages.release(space.pgd);
    space.pages.clear();
    this.spaces.delete(space);
  }

  /** Copies bytes into a user address space (through its page tables, whatever CR3 is). */
  writeUser(space: AddressSpace, virt: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const v = (virt + i) >>> 0;
      const frame = space.pages.get(v & ~0xfff);
      if (frame === undefined) throw new RangeError(`user address ${v.toString(16)} is not mapped`);
      const n = Math.min(bytes.length - i, PAGE_SIZE - (v & 0xfff));
      this.machine.writePhys(frame + (v & 0xfff), bytes.subarray(i, i + n));
      i += n;
    }
  }

  readUser(space: AddressSpace, virt: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const v = (virt + i) >>> 0;
      const frame = space.pages.get(v & ~0xfff);
      if (frame === undefined) throw new RangeError(`user address ${v.toString(16)} is not mapped`);
      const n = Math.min(length - i, PAGE_SIZE - (v & 0xfff));
      out.set(this.machine.readPhys(frame + (v & 0xfff), n), i);
      i += n;
    }
    return out;
  }

  /** True for kernel addresses: lowmem and vmalloc area. */
  static isKernelAddress(virt: number): boolean {
    return virt >>> 0 >= PAGE_OFFSET;
  }
}
