// A lightweight kernel protection domain (Nooks section 4.1): its own page directory, in which
// the kernel is mapped read-only and only what the extension may write is read-write: its
// module's data, its private heap, its pool of stacks, and the kernel objects it is lent
// (network buffers, DMA rings, its MMIO window). Nothing of user space is mapped. The kernel
// domain is the kernel's own page table, which maps everything writable.
//
// The domain's kernel-half page tables are private copies, kept in sync with every change the
// kernel makes to its own (KernelMemory.pteListeners), with the writable bit granted per page.
// Its entries are never global: on x86 a switch of page table must flush the kernel's
// writable translations too, which is the TLB cost the paper measured.

import { PAGE_SIZE, SlabAllocator, physToVirt, virtToPhys } from '@nooks/kernel';
import type { Kernel } from '@nooks/kernel';
import { Pte } from '@nooks/x86';

const KERNEL_PDE = 768;
/** One stack of the pool: two pages, like a Linux 2.4 kernel stack. */
export const DOMAIN_STACK_BYTES = 8192;

export type DomainState = 'live' | 'failed' | 'recovering' | 'destroyed';

export class ProtectionDomain {
  /** Physical address of the domain's page directory. */
  readonly pgd: number;
  /** The domain's private heap (kmalloc under Nooks): its pages are writable here only. */
  readonly heap: SlabAllocator;
  state: DomainState = 'live';
  /** Private page tables of the kernel half: PDE index -> physical address. */
  private readonly tables = new Map<number, number>();
  /** Pages writable in the domain: virtual page number -> number of grants. */
  private readonly writable = new Map<number, number>();
  /** Stack pool: tops of free stacks, and every stack (base virtual address). */
  private readonly freeStacks: number[] = [];
  private readonly allStacks: number[] = [];
  /** Nesting of calls into the domain now in progress (0: nobody inside). */
  depth = 0;

  constructor(
    private readonly k: Kernel,
    /** The extension's name (its module). */
    readonly name: string,
  ) {
    this.pgd = k.pages.alloc(1, this.owner);
    k.machine.writePhys(this.pgd, new Uint8Array(PAGE_SIZE));
    for (const [virt, pte] of k.mm.kernelMappings()) this.setEntry(virt, pte);
    this.heap = new SlabAllocator(k.machine, k.pages, `nooks:${name}:heap`);
    this.heap.onNewSlab = (virt, pages) => this.grant(virt, pages * PAGE_SIZE);
    k.extraHeaps.add(this.heap);
  }

  /** Owner tag of the domain's own pages (page directory, tables, stacks). */
  get owner(): string {
    return `nooks:${this.name}`;
  }

  /** The kernel changed one of its page-table entries: mirror it. */
  kernelPteChanged(virt: number, pte: number): void {
    if (this.state === 'destroyed') return;
    this.setEntry(virt, pte);
    if (this.k.machine.cpu.cr3 === this.pgd) this.k.machine.cpu.invalidatePage(virt | 0);
  }

  private table(virt: number): number {
    const pde = virt >>> 22;
    let pt = this.tables.get(pde);
    if (pt === undefined) {
      pt = this.k.pages.alloc(1, this.owner);
      this.k.machine.writePhys(pt, new Uint8Array(PAGE_SIZE));
      this.tables.set(pde, pt);
      this.k.machine.writePhys32(this.pgd + pde * 4, pt | Pte.P | Pte.RW);
    }
    return pt;
  }

  /** Writes the domain's entry for a kernel page from the kernel's entry: never global, writable only if granted. */
  private setEntry(virt: number, kernelPte: number): void {
    if (virt >>> 22 < KERNEL_PDE) return;
    const pt = this.table(virt);
    let pte = 0;
    if (kernelPte & Pte.P) {
      pte = kernelPte & ~(Pte.G | Pte.RW | Pte.A | Pte.D);
      if (this.writable.has(virt >>> 12)) pte |= Pte.RW;
    }
    this.k.machine.writePhys32(pt + ((virt >>> 12) & 0x3ff) * 4, pte);
  }

  private refresh(vpn: number): void {
    const virt = (vpn << 12) >>> 0;
    this.setEntry(virt, this.k.mm.pte(virt));
    if (this.k.machine.cpu.cr3 === this.pgd) this.k.machine.cpu.invalidatePage(virt | 0);
  }

  /** Makes [virt, virt+bytes) writable in the domain (page granularity; grants are counted). */
  grant(virt: number, bytes: number): void {
    if (bytes <= 0) return;
    const first = virt >>> 12, last = (virt + bytes - 1) >>> 12;
    for (let vpn = first; vpn <= last; vpn++) {
      const n = this.writable.get(vpn) ?? 0;
      this.writable.set(vpn, n + 1);
      if (n === 0) this.refresh(vpn);
    }
  }

  /** Withdraws a grant made with the same range. */
  revoke(virt: number, bytes: number): void {
    if (bytes <= 0) return;
    const first = virt >>> 12, last = (virt + bytes - 1) >>> 12;
    for (let vpn = first; vpn <= last; vpn++) {
      const n = this.writable.get(vpn) ?? 0;
      if (n <= 1) {
        this.writable.delete(vpn);
        this.refresh(vpn);
      } else this.writable.set(vpn, n - 1);
    }
  }

  /** Whether the extension may write the byte at virt. */
  canWrite(virt: number): boolean {
    return this.writable.has(virt >>> 12);
  }

  /** Whether the domain maps the byte at virt at all (kernel memory, read-only or not). */
  canRead(virt: number): boolean {
    if (virt >>> 22 < KERNEL_PDE) return false;
    return (this.k.mm.pte(virt >>> 0) & Pte.P) !== 0;
  }

  /** Pages writable in the domain (for the dashboard and tests). */
  get writablePages(): number {
    return this.writable.size;
  }

  /** Base virtual addresses of the pool's stacks, each DOMAIN_STACK_BYTES long (for the dashboard). */
  get stackBases(): readonly number[] {
    return [...this.allStacks];
  }

  /** Takes a stack from the pool (growing it when empty); returns its top. */
  takeStack(): number {
    let top = this.freeStacks.pop();
    if (top === undefined) {
      const phys = this.k.pages.alloc(DOMAIN_STACK_BYTES / PAGE_SIZE, this.owner);
      const base = physToVirt(phys);
      this.allStacks.push(base);
      this.grant(base, DOMAIN_STACK_BYTES);
      top = base + DOMAIN_STACK_BYTES;
    }
    return top;
  }

  giveBackStack(top: number): void {
    this.freeStacks.push(top);
  }

  /** Whether an address lies in one of the domain's stacks. */
  onStack(addr: number): boolean {
    const a = addr >>> 0;
    return this.allStacks.some((b) => a >= b && a <= b + DOMAIN_STACK_BYTES);
  }

  get stackCount(): number {
    return this.allStacks.length;
  }

  /** Frees the domain: its heap (whatever it holds), stacks, page tables and directory. */
  destroy(): void {
    if (this.state === 'destroyed') return;
    if (this.k.machine.cpu.cr3 === this.pgd) this.k.machine.cpu.setCr3(this.k.mm.pgd);
    this.heap.releaseAll();
    this.k.extraHeaps.delete(this.heap);
    for (const base of this.allStacks) this.k.pages.release(virtToPhys(base));
    for (const pt of this.tables.values()) this.k.pages.release(pt);
    this.k.pages.release(this.pgd);
    this.allStacks.length = 0;
    this.freeStacks.length = 0;
    this.tables.clear();
    this.writable.clear();
    this.state = 'destroyed';
  }
}
