// kmalloc/kfree: size-class caches whose slabs, object headers and free lists all live in
// emulated memory, in the style of Linux 2.4's slab allocator with CONFIG_DEBUG_SLAB. A wild
// write by an extension can therefore really corrupt the heap, and the allocator really trips
// over it later, reporting it as Linux's BUG() would (a panic here).
//
// A slab is one or more contiguous pages:
//   +0  magic SLAB_MAGIC           +4  size class index     +8  objects in use
//   +12 free list head (virtual)   +16 objects per slab     +20 next slab of the cache (virtual)
//   +24 first object slot ...
// An object slot is [red zone 1: 4 bytes][object: size bytes][red zone 2: 4 bytes]. The red
// zones hold RED_ACTIVE while the object is allocated and RED_INACTIVE while free. A free
// object is filled with POISON bytes (last byte POISON_END), except its first word, which links
// the free list. kfree checks both red zones (overrun, underrun, double free); kmalloc checks
// the free-list pointer, the red zones and the poison (use after free).

import type { Machine } from '@nooks/x86';
import { PAGE_SIZE, physToVirt, virtToPhys } from './memory-map.js';
import type { PageAllocator } from './page-alloc.js';

export const SLAB_MAGIC = 0x51ab51ab;
/** Linux 2.4 slab.c debug values. */
export const RED_ACTIVE = 0x5a2cf071;
export const RED_INACTIVE = 0x170fc2a5;
export const POISON = 0x5a;
export const POISON_END = 0xa5;
const HEADER = 24;
const FREE_LINK_END = 0;

/** Linux 2.4 kmalloc size classes. */
export const SIZE_CLASSES = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];

/** What the allocator found wrong: the kernel turns it into a BUG() (panic) report. */
export class HeapCorruption extends Error {
  readonly code = 'HEAP_CORRUPTION';
  override readonly name = 'HeapCorruption';
  constructor(
    readonly kind: 'overrun' | 'underrun' | 'double-free' | 'use-after-free' | 'bad-free' | 'freelist-corrupt' | 'slab-corrupt',
    readonly address: number,
    message: string,
  ) {
    super(message);
  }
}

interface Allocation {
  size: number;
  owner: string;
}

export class SlabAllocator {
  /** Virtual address of the first slab of each class (0 when none). Kept in TS like kmem_cache_t's list head. */
  private readonly firstSlab: number[] = SIZE_CLASSES.map(() => 0);
  /** Live allocations: object address -> requested size and owner (for leak accounting only). */
  private readonly live = new Map<number, Allocation>();
  /** Set by the fault injector: the next N allocations fail. */
  failNext = 0;
  allocations = 0;
  frees = 0;

  /** Called with each new slab (its kernel virtual address and page count): isolation maps a domain's heap pages. */
  onNewSlab: ((virt: number, pages: number) => void) | undefined;
  /** Every slab's first page and page count, for contains() and releaseAll(). */
  private readonly slabs = new Map<number, number>();

  constructor(
    private readonly machine: Machine,
    private readonly pages: PageAllocator,
    /** Name of the cache in messages and page owner tags (default: the object owner). */
    readonly cacheName?: string,
  ) {}

  /** Whether a kernel virtual address lies in one of this allocator's slabs. */
  contains(addr: number): boolean {
    const a = addr >>> 0;
    for (const [slab, pages] of this.slabs) if (a >= slab && a < slab + pages * PAGE_SIZE) return true;
    return false;
  }

  /** Pages the allocator's slabs hold. */
  get pageCount(): number {
    let n = 0;
    for (const pages of this.slabs.values()) n += pages;
    return n;
  }

  /** The allocator's slabs: [virtual address, pages]. */
  get slabList(): Array<[number, number]> {
    return [...this.slabs];
  }

  /**
   * Frees every slab at once, whatever it holds (a protection domain's heap on recovery).
   * Returns the number of live objects dropped.
   */
  releaseAll(): number {
    const dropped = this.live.size;
    for (const slab of this.slabs.keys()) this.pages.release(virtToPhys(slab));
    this.slabs.clear();
    this.live.clear();
    this.firstSlab.fill(0);
    return dropped;
  }

  private r32(virt: number): number {
    return this.machine.readPhys32(virtToPhys(virt));
  }

  private w32(virt: number, v: number): void {
    this.machine.writePhys32(virtToPhys(virt), v);
  }

  /** Slot size (red zones + object, 4-byte aligned) of a class. */
  private slotSize(cls: number): number {
    return (SIZE_CLASSES[cls]! + 8 + 3) & ~3;
  }

  private slabPages(cls: number): number {
    return Math.max(1, Math.ceil((HEADER + this.slotSize(cls)) / PAGE_SIZE));
  }

  private newSlab(cls: number, owner: string): number {
    const pages = this.slabPages(cls);
    const phys = this.pages.alloc(pages, `slab:${this.cacheName ?? owner}`);
    const slab = physToVirt(phys);
    this.slabs.set(slab, pages);
    const slot = this.slotSize(cls);
    const count = Math.floor((pages * PAGE_SIZE - HEADER) / slot);
    const size = SIZE_CLASSES[cls]!;
    // Build the free list back to front so that objects are handed out in address order.
    let next = FREE_LINK_END;
    for (let i = count - 1; i >= 0; i--) {
      const s = slab + HEADER + i * slot;
      const obj = s + 4;
      this.w32(s, RED_INACTIVE);
      this.poison(obj, size);
      this.w32(obj, next);
      this.w32(obj + size, RED_INACTIVE);
      next = obj;
    }
    this.w32(slab, SLAB_MAGIC);
    this.w32(slab + 4, cls);
    this.w32(slab + 8, 0);
    this.w32(slab + 12, next);
    this.w32(slab + 16, count);
    this.w32(slab + 20, this.firstSlab[cls]!);
    this.firstSlab[cls] = slab;
    this.onNewSlab?.(slab, pages);
    return slab;
  }

  private poison(obj: number, size: number): void {
    const bytes = new Uint8Array(size).fill(POISON);
    bytes[size - 1] = POISON_END;
    this.machine.writePhys(virtToPhys(obj), bytes);
  }

  private checkPoison(obj: number, size: number): boolean {
    const bytes = this.machine.readPhys(virtToPhys(obj) + 4, size - 4);
    for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] !== POISON) return false;
    return bytes[bytes.length - 1] === POISON_END;
  }

  private classFor(size: number): number {
    for (let i = 0; i < SIZE_CLASSES.length; i++) if (size <= SIZE_CLASSES[i]!) return i;
    return -1;
  }

  /** kmalloc: returns a kernel virtual address, or 0 when the request cannot be met. */
  kmalloc(size: number, owner: string): number {
    if (this.failNext > 0) {
      this.failNext--;
      return 0;
    }
    const cls = this.classFor(Math.max(1, size >>> 0));
    if (cls < 0) return 0;
    let slab = this.firstSlab[cls]!;
    let guard = 0;
    while (slab !== 0) {
      this.checkSlab(slab, cls);
      if (this.r32(slab + 12) !== FREE_LINK_END) break;
      slab = this.r32(slab + 20);
      if (++guard > 1_000_000) throw new HeapCorruption('slab-corrupt', slab, `kmalloc: slab list of size-${SIZE_CLASSES[cls]} loops`);
    }
    if (slab === 0) {
      try {
        slab = this.newSlab(cls, owner);
      } catch {
        return 0;
      }
    }
    const obj = this.r32(slab + 12) >>> 0;
    const slot = this.slotSize(cls);
    const count = this.r32(slab + 16);
    const first = slab + HEADER + 4;
    const osize = SIZE_CLASSES[cls]!;
    if (obj < first || obj >= first + count * slot || (obj - first) % slot !== 0) {
      throw new HeapCorruption('freelist-corrupt', slab, `slab error in kmalloc(): cache 'size-${osize}': free list of slab 0x${slab.toString(16)} points to 0x${obj.toString(16)}, not an object of the slab`);
    }
    if (this.r32(obj - 4) >>> 0 !== RED_INACTIVE || this.r32(obj + osize) >>> 0 !== RED_INACTIVE) {
      throw new HeapCorruption('overrun', obj, `slab error in kmalloc(): cache 'size-${osize}': free object 0x${obj.toString(16)} has a corrupted red zone`);
    }
    if (!this.checkPoison(obj, osize)) {
      throw new HeapCorruption('use-after-free', obj, `slab error in kmalloc(): cache 'size-${osize}': object 0x${obj.toString(16)} was modified after being freed`);
    }
    this.w32(slab + 12, this.r32(obj));
    this.w32(slab + 8, this.r32(slab + 8) + 1);
    this.w32(obj - 4, RED_ACTIVE);
    this.w32(obj + osize, RED_ACTIVE);
    // Fresh objects keep the poison pattern (as debug slab does), so code that reads memory it
    // never initialised sees 0x5a5a5a5a rather than convenient zeros.
    this.live.set(obj, { size, owner });
    this.allocations++;
    return obj;
  }

  private checkSlab(slab: number, cls: number): void {
    if (this.r32(slab) >>> 0 !== SLAB_MAGIC || this.r32(slab + 4) !== cls) {
      throw new HeapCorruption('slab-corrupt', slab, `slab error: slab header at 0x${slab.toString(16)} of cache 'size-${SIZE_CLASSES[cls]}' is corrupted`);
    }
  }

  /** The slab containing a kernel virtual address, with its class, or undefined. */
  private slabOf(addr: number): { slab: number; cls: number } | undefined {
    for (let cls = 0; cls < SIZE_CLASSES.length; cls++) {
      const pages = this.slabPages(cls);
      let slab = this.firstSlab[cls]!;
      let guard = 0;
      while (slab !== 0 && guard++ < 1_000_000) {
        if (addr >= slab && addr < slab + pages * PAGE_SIZE) return { slab, cls };
        slab = this.r32(slab + 20) >>> 0;
      }
    }
    return undefined;
  }

  /** kfree. Returns the owner of the object. Throws HeapCorruption on a bad, double or corrupting free. */
  kfree(addr: number): string | undefined {
    addr >>>= 0;
    if (addr === 0) return undefined;
    const where = this.slabOf(addr);
    if (!where) throw new HeapCorruption('bad-free', addr, `kfree: 0x${addr.toString(16)} was not allocated by kmalloc`);
    const { slab, cls } = where;
    this.checkSlab(slab, cls);
    const slot = this.slotSize(cls);
    const first = slab + HEADER + 4;
    const osize = SIZE_CLASSES[cls]!;
    if ((addr - first) % slot !== 0) throw new HeapCorruption('bad-free', addr, `kfree: 0x${addr.toString(16)} is not the start of an object in cache 'size-${osize}'`);
    const red1 = this.r32(addr - 4) >>> 0;
    const red2 = this.r32(addr + osize) >>> 0;
    if (red1 === RED_INACTIVE && red2 === RED_INACTIVE) {
      throw new HeapCorruption('double-free', addr, `slab error in kfree(): cache 'size-${osize}': double free of object 0x${addr.toString(16)}`);
    }
    if (red1 !== RED_ACTIVE) throw new HeapCorruption('underrun', addr, `slab error in kfree(): cache 'size-${osize}': memory before object 0x${addr.toString(16)} was overwritten (red zone 0x${red1.toString(16)})`);
    if (red2 !== RED_ACTIVE) throw new HeapCorruption('overrun', addr, `slab error in kfree(): cache 'size-${osize}': memory after object 0x${addr.toString(16)} was overwritten (red zone 0x${red2.toString(16)})`);
    this.w32(addr - 4, RED_INACTIVE);
    this.w32(addr + osize, RED_INACTIVE);
    this.poison(addr, osize);
    this.w32(addr, this.r32(slab + 12));
    this.w32(slab + 12, addr);
    this.w32(slab + 8, this.r32(slab + 8) - 1);
    const a = this.live.get(addr);
    this.live.delete(addr);
    this.frees++;
    return a?.owner;
  }

  /** Requested size of a live object (ksize-like), or undefined. */
  sizeOf(addr: number): number | undefined {
    return this.live.get(addr >>> 0)?.size;
  }

  /** Live objects allocated by an owner. */
  liveObjectsOf(owner: string): number[] {
    const out: number[] = [];
    for (const [addr, a] of this.live) if (a.owner === owner) out.push(addr);
    return out;
  }

  get liveCount(): number {
    return this.live.size;
  }
}
