// A model of the Pentium 4's translation lookaside buffers. The Pentium 4 (family 15) reports
// through CPUID leaf 2 the descriptors 0x50 ("Instruction TLB: 4 KB and 2/4 MB pages, 64
// entries") and 0x5B ("Data TLB: 4 KB and 4 MB pages, 64 entries"), both fully associative
// (Intel SDM vol. 2A, CPUID, table "Encoding of CPUID Leaf 2 Descriptors"). Intel does not
// document the replacement policy; we use FIFO (round robin), which costs nothing on a hit and
// is deterministic.
//
// The interpreter's software translation cache holds exactly the translations this model holds
// (an entry evicted or flushed here is dropped there), so stale translations live exactly as
// long as they would in the modelled TLB, and the speed-up never changes what a program sees.

/** Entry bits beside the physical page address (low 12 bits of `phys`). */
export const TLB_WRITABLE = 1;
export const TLB_USER = 2;
export const TLB_DIRTY = 4;
export const TLB_GLOBAL = 8;

export interface TlbCounters {
  hits: number;
  misses: number;
  /** Full flushes (CR3 writes, CR0/CR4 paging changes). */
  flushes: number;
  /** Entries dropped by invlpg. */
  invalidations: number;
  /** Entries dropped to make room. */
  evictions: number;
}

export class TlbModel {
  readonly size: number;
  /** vpn -> slot + 1 (0: not present). */
  private readonly slotOf: Uint8Array;
  readonly vpnAt: Int32Array;
  /** Physical page address | TLB_* bits, per slot. */
  readonly entry: Int32Array;
  private used = 0;
  private victim = 0;
  readonly counters: TlbCounters = { hits: 0, misses: 0, flushes: 0, invalidations: 0, evictions: 0 };
  /** Called with each virtual page number that leaves the TLB. */
  onDrop: (vpn: number) => void = () => {};

  constructor(size: number) {
    if (size < 1 || size > 255) throw new RangeError(`TLB size ${size} must be 1..255`);
    this.size = size;
    this.slotOf = new Uint8Array(1 << 20);
    this.vpnAt = new Int32Array(size).fill(-1);
    this.entry = new Int32Array(size);
  }

  /** Slot holding vpn, or -1. Does not count. */
  find(vpn: number): number {
    return this.slotOf[vpn]! - 1;
  }

  /** Installs a translation (after a miss) and returns its slot. */
  insert(vpn: number, entry: number): number {
    let slot = this.slotOf[vpn]! - 1;
    if (slot < 0) {
      if (this.used < this.size) {
        slot = this.used++;
      } else {
        slot = this.victim;
        this.victim = (this.victim + 1) % this.size;
        const old = this.vpnAt[slot]!;
        if (old >= 0) {
          this.slotOf[old] = 0;
          this.counters.evictions++;
          this.onDrop(old);
        }
      }
      this.vpnAt[slot] = vpn;
      this.slotOf[vpn] = slot + 1;
    }
    this.entry[slot] = entry;
    return slot;
  }

  /** invlpg: drops one page (global or not). */
  invalidate(vpn: number): void {
    const slot = this.slotOf[vpn]! - 1;
    if (slot < 0) return;
    this.counters.invalidations++;
    this.dropSlot(slot);
  }

  /** Drops every entry, or every non-global one when keepGlobal. */
  flush(keepGlobal: boolean): void {
    this.counters.flushes++;
    for (let s = 0; s < this.size; s++) {
      if (this.vpnAt[s]! < 0) continue;
      if (keepGlobal && (this.entry[s]! & TLB_GLOBAL) !== 0) continue;
      this.dropSlot(s);
    }
  }

  /** Number of valid entries. */
  occupancy(): number {
    let n = 0;
    for (let s = 0; s < this.size; s++) if (this.vpnAt[s]! >= 0) n++;
    return n;
  }

  private dropSlot(slot: number): void {
    const vpn = this.vpnAt[slot]!;
    this.slotOf[vpn] = 0;
    this.vpnAt[slot] = -1;
    this.onDrop(vpn);
  }
}
