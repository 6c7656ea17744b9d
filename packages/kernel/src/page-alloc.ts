// The physical page allocator. Frames are handed out first-fit from a bitmap (deterministic:
// the same requests give the same frames), contiguous runs for multi-page requests (DMA rings,
// slabs of large objects). Each allocation is tagged with its owner so that unloading a module
// can tell what it leaked.

import { PAGE_SIZE } from './memory-map.js';

export class OutOfMemory extends Error {
  readonly code = 'OUT_OF_MEMORY';
  override readonly name = 'OutOfMemory';
}

export class PageAllocator {
  private readonly used: Uint8Array;
  /** First frame index of each allocation -> [count, owner]. */
  private readonly allocations = new Map<number, { count: number; owner: string }>();
  private hint = 0;
  private free: number;

  constructor(
    /** Total frames of physical memory. */
    readonly frames: number,
    /** Frames [0, reservedBelow) are never handed out. */
    reservedBelow: number,
  ) {
    this.used = new Uint8Array(frames);
    this.used.fill(1, 0, reservedBelow);
    this.free = frames - reservedBelow;
    this.hint = reservedBelow;
  }

  get freeFrames(): number {
    return this.free;
  }

  /** Marks frames as used (for memory the kernel claims at boot). */
  reserve(firstFrame: number, count: number, owner: string): void {
    for (let f = firstFrame; f < firstFrame + count; f++) {
      if (this.used[f]) throw new Error(`frame ${f} already in use`);
      this.used[f] = 1;
    }
    this.free -= count;
    this.allocations.set(firstFrame, { count, owner });
  }

  /** Allocates `count` contiguous frames; returns the physical address of the first. */
  alloc(count: number, owner: string): number {
    if (count < 1 || !Number.isInteger(count)) throw new RangeError(`bad page count ${count}`);
    const start = this.find(count, this.hint) ?? this.find(count, 0);
    if (start === undefined) throw new OutOfMemory(`out of memory: no run of ${count} free page(s) (${this.free} free)`);
    this.used.fill(1, start, start + count);
    this.free -= count;
    this.allocations.set(start, { count, owner });
    this.hint = start + count;
    return start * PAGE_SIZE;
  }

  /** Frees an allocation by the physical address alloc returned. Returns its owner. */
  release(phys: number): string {
    const first = Math.floor(phys / PAGE_SIZE);
    const a = this.allocations.get(first);
    if (!a || phys % PAGE_SIZE !== 0) throw new Error(`free_pages of 0x${phys.toString(16)}: not an allocation`);
    this.used.fill(0, first, first + a.count);
    this.free += a.count;
    this.allocations.delete(first);
    if (first < this.hint) this.hint = first;
    return a.owner;
  }

  /** Pages held by an owner. */
  pagesOwnedBy(owner: string): number {
    let n = 0;
    for (const a of this.allocations.values()) if (a.owner === owner) n += a.count;
    return n;
  }

  /** Physical addresses of allocations held by an owner. */
  allocationsOf(owner: string): number[] {
    const out: number[] = [];
    for (const [first, a] of this.allocations) if (a.owner === owner) out.push(first * PAGE_SIZE);
    return out;
  }

  private find(count: number, from: number): number | undefined {
    let run = 0;
    for (let f = from; f < this.frames; f++) {
      if (this.used[f]) {
        run = 0;
        continue;
      }
      run++;
      if (run === count) return f - count + 1;
    }
    return undefined;
  }
}
