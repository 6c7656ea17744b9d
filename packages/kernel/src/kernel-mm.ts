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

export class KernelMemory {
  /** Physical address of the kernel page directory (swapper_pg_dir). */
  readonly pgd: number;
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
    return pt;
  }

  /** Maps one 4 KiB page in the kernel page tables. */
  mapPage(virt: number, phys: number, flags: number): void {
    const pt = this.pageTable(this.pgd, virt >>> 0, true);
    this.machine.writePhys32(pt + ((virt >>> 12) & 0x3ff) * 4, (phys & ~0xfff) | Pte.P | flags);
  }

  unmapPage(virt: number): void {
    const pt = this.pageTable(this.pgd, virt >>> 0, false);
    if (pt < 0) return;
    this.machine.writePhys32(pt + ((virt >>> 12) & 0x3ff) * 4, 0);
    this.machine.cpu.invalidatePage(virt | 0);
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

  /** True for kernel addresses: lowmem and vmalloc area. */
  static isKernelAddress(virt: number): boolean {
    return virt >>> 0 >= PAGE_OFFSET;
  }
}
