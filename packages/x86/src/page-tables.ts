// Builds IA-32 two-level page tables (4 KiB pages) in a machine's physical memory, from the
// host side: a frame allocator over a range of RAM, and map/unmap/translate on one page
// directory. x86run uses it for a program's flat address space; anything that lays out an
// address space before paging is enabled can. It writes the tables only; the caller loads CR3
// and invalidates translations (reload CR3 or invlpg) after unmapping a page that may be cached.

const PAGE = 4096;
const P = 0x1;
const RW = 0x2;
const US = 0x4;
const FRAME_MASK = ~0xfff;

/** Physical memory as the builder needs it (a Machine has these methods). */
export interface PhysicalMemory {
  readPhys32(addr: number): number;
  writePhys32(addr: number, value: number): void;
  writePhys(addr: number, bytes: Uint8Array): void;
  readPhys(addr: number, length: number): Uint8Array;
}

/** No free 4 KiB frame is left in the allocator's range. */
export class OutOfPhysicalMemoryError extends Error {
  readonly code = 'OUT_OF_PHYSICAL_MEMORY' as const;
  constructor(message: string) {
    super(message);
    this.name = 'OutOfPhysicalMemoryError';
  }
}

/** Hands out 4 KiB physical frames from [start, end), reusing freed ones. */
export class FrameAllocator {
  private next: number;
  private readonly freed: number[] = [];
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    if (start % PAGE !== 0 || end % PAGE !== 0 || end < start) {
      throw new RangeError(`frame range [0x${start.toString(16)}, 0x${end.toString(16)}) must be page-aligned and ordered`);
    }
    this.next = start;
  }

  /** Physical address of a free frame (contents undefined: the caller zeroes it). */
  alloc(): number {
    const f = this.freed.pop();
    if (f !== undefined) return f;
    if (this.next >= this.end) {
      throw new OutOfPhysicalMemoryError(`out of physical memory: all ${(this.end - this.start) / PAGE} frames of 4 KiB are in use`);
    }
    const frame = this.next;
    this.next += PAGE;
    return frame;
  }

  free(frame: number): void {
    this.freed.push(frame);
  }

  get framesFree(): number {
    return (this.end - this.next) / PAGE + this.freed.length;
  }
}

export interface PageFlags {
  writable: boolean;
  user: boolean;
  /** G bit (kept across CR3 reloads when CR4.PGE is set). */
  global?: boolean;
}

const ZERO_PAGE = new Uint8Array(PAGE);

export class PageTableBuilder {
  /** Physical address of the page directory: the value for CR3. */
  readonly pageDirectory: number;
  private mappedPages = 0;

  constructor(
    private readonly mem: PhysicalMemory,
    private readonly frames: FrameAllocator,
  ) {
    this.pageDirectory = this.zeroedFrame();
  }

  get cr3(): number {
    return this.pageDirectory;
  }

  /** Number of 4 KiB pages mapped (page tables themselves not counted). */
  get pages(): number {
    return this.mappedPages;
  }

  private zeroedFrame(): number {
    const f = this.frames.alloc();
    this.mem.writePhys(f, ZERO_PAGE);
    return f;
  }

  private pdeAddr(linear: number): number {
    return this.pageDirectory + ((linear >>> 22) << 2);
  }

  /** Physical address of the PTE for `linear`, or -1 when its page table does not exist (and `create` is false). */
  private pteAddr(linear: number, create: boolean): number {
    const pdeAddr = this.pdeAddr(linear);
    let pde = this.mem.readPhys32(pdeAddr);
    if ((pde & P) === 0) {
      if (!create) return -1;
      // Permissions are decided by the PTEs; the directory entry allows everything.
      pde = (this.zeroedFrame() | P | RW | US) >>> 0;
      this.mem.writePhys32(pdeAddr, pde);
    }
    return ((pde & FRAME_MASK) >>> 0) + (((linear >>> 12) & 0x3ff) << 2);
  }

  /** The raw PTE for `linear` (0 if not mapped). */
  entry(linear: number): number {
    const a = this.pteAddr(linear >>> 0, false);
    return a < 0 ? 0 : this.mem.readPhys32(a) >>> 0;
  }

  isMapped(linear: number): boolean {
    return (this.entry(linear) & P) !== 0;
  }

  /**
   * Maps the page holding `linear` to a fresh zeroed frame and returns the frame's physical
   * address. A page already mapped keeps its frame; its permissions are widened to include
   * `flags` (segments sharing a page get the union, as a loader mapping them would).
   */
  map(linear: number, flags: PageFlags): number {
    const la = linear >>> 0;
    const pteAddr = this.pteAddr(la, true);
    const old = this.mem.readPhys32(pteAddr) >>> 0;
    const bits = P | (flags.writable ? RW : 0) | (flags.user ? US : 0) | (flags.global ? 0x100 : 0);
    if ((old & P) !== 0) {
      this.mem.writePhys32(pteAddr, (old | bits) >>> 0);
      return (old & FRAME_MASK) >>> 0;
    }
    const frame = this.zeroedFrame();
    this.mem.writePhys32(pteAddr, (frame | bits) >>> 0);
    this.mappedPages++;
    return frame;
  }

  /** Maps every page overlapping [linear, linear + length). */
  mapRange(linear: number, length: number, flags: PageFlags): void {
    if (length <= 0) return;
    const first = Math.floor((linear >>> 0) / PAGE);
    const last = Math.floor(((linear >>> 0) + length - 1) / PAGE);
    for (let p = first; p <= last; p++) this.map(p * PAGE, flags);
  }

  /** Unmaps the page holding `linear` and frees its frame. False if it was not mapped. */
  unmap(linear: number): boolean {
    const a = this.pteAddr(linear >>> 0, false);
    if (a < 0) return false;
    const pte = this.mem.readPhys32(a) >>> 0;
    if ((pte & P) === 0) return false;
    this.mem.writePhys32(a, 0);
    this.frames.free((pte & FRAME_MASK) >>> 0);
    this.mappedPages--;
    return true;
  }

  /** Physical address of linear address `linear`, or -1 if its page is not mapped. */
  translate(linear: number): number {
    const pte = this.entry(linear);
    if ((pte & P) === 0) return -1;
    return ((pte & FRAME_MASK) >>> 0) + ((linear >>> 0) & 0xfff);
  }

  /** Writes bytes at a linear address through these tables (no permission checks: a loader's view). */
  write(linear: number, bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      const la = ((linear >>> 0) + i) >>> 0;
      const chunk = Math.min(bytes.length - i, PAGE - (la & 0xfff));
      const pa = this.translate(la);
      if (pa < 0) throw new RangeError(`linear address 0x${la.toString(16)} is not mapped`);
      this.mem.writePhys(pa, bytes.subarray(i, i + chunk));
      i += chunk;
    }
  }

  /** Reads bytes at a linear address through these tables. */
  read(linear: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let i = 0;
    while (i < length) {
      const la = ((linear >>> 0) + i) >>> 0;
      const chunk = Math.min(length - i, PAGE - (la & 0xfff));
      const pa = this.translate(la);
      if (pa < 0) throw new RangeError(`linear address 0x${la.toString(16)} is not mapped`);
      out.set(this.mem.readPhys(pa, chunk), i);
      i += chunk;
    }
    return out;
  }
}
