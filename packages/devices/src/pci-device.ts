// The base class of PCI cards: a 256-byte configuration space with per-bit write masks (as
// QEMU keeps it), the standard type 0 header, BARs that software sizes by writing all ones, and
// decoding: a BAR's registers appear on the I/O port bus or in the physical address space while
// the command register enables I/O or memory decoding and the BAR holds an address. A card
// subclass gives its BARs' register handlers, raises its interrupt with `setInterrupt`, and does
// bus-master DMA with `dmaRead`/`dmaWrite` (refused while the command register's bus-master bit
// is clear, as the hardware would).

import { hex, PciError } from './errors.js';
import type { AccessSize, PortRange, RegisterHandler } from './io-port-bus.js';
import { PciCommand, PciConfig, PciStatus, formatPciAddress } from './pci-types.js';
import type { PciFunction, PciSlot } from './pci-types.js';

/**
 * A BAR. `handler` serves its registers; a card that builds its handlers after `super()` leaves
 * it out and overrides `barHandler(index)` instead (asked when the BAR is first mapped).
 */
export type BarSpec =
  | { kind: 'io'; size: number; handler?: RegisterHandler }
  | { kind: 'mem'; size: number; handler?: RegisterHandler; prefetchable?: boolean };

export interface PciDeviceConfig {
  /** A short name for logs and port/MMIO owners (e.g. 'e1000'). */
  name: string;
  vendorId: number;
  deviceId: number;
  /** class << 16 | subclass << 8 | programming interface (e.g. 0x020000 Ethernet). */
  classCode: number;
  revision?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** 0 = none, 1-4 = INTA#-INTD#. */
  interruptPin?: number;
  /** Up to six BARs by index (null or absent: not implemented). */
  bars?: readonly (BarSpec | null | undefined)[];
  multifunction?: boolean;
  /** Status bits that are hardwired (DEVSEL timing, 66 MHz, fast back-to-back). Default DEVSEL medium. */
  status?: number;
  minGrant?: number;
  maxLatency?: number;
}

/** Where a BAR currently decodes. */
export interface BarMapping {
  index: number;
  kind: 'io' | 'mem';
  base: number;
  size: number;
}

/** A BAR that could not be decoded where software put it (overlap with RAM, another device, the I/O limit). */
export interface BarConflict {
  index: number;
  base: number;
  reason: string;
}

const COMMAND_WRITABLE = PciCommand.IO | PciCommand.MEMORY | PciCommand.BUS_MASTER | PciCommand.MWI | PciCommand.PARITY | PciCommand.SERR | PciCommand.INTX_DISABLE;
const STATUS_W1C = PciStatus.MASTER_PARITY | PciStatus.SIGNALED_TARGET_ABORT | PciStatus.RECEIVED_TARGET_ABORT | PciStatus.RECEIVED_MASTER_ABORT | PciStatus.SIGNALED_SYSTEM_ERROR | PciStatus.DETECTED_PARITY;

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Reads offset..offset+size beyond the BAR as all ones, within the 4 KiB page a small memory BAR is mapped with. */
class SmallBarWindow implements RegisterHandler {
  constructor(
    private readonly handler: RegisterHandler,
    private readonly start: number,
    private readonly size: number,
  ) {}

  read(offset: number, size: AccessSize): number {
    const o = offset - this.start;
    if (o < 0 || o + size > this.size) return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    return this.handler.read(o, size);
  }

  write(offset: number, size: AccessSize, value: number): void {
    const o = offset - this.start;
    if (o >= 0 && o + size <= this.size) this.handler.write(o, size, value);
  }
}

export class PciDevice implements PciFunction {
  readonly name: string;
  /** The configuration space as software sees it. */
  readonly config = new Uint8Array(256);
  /** Writable bits per byte. */
  protected readonly wmask = new Uint8Array(256);
  /** Write-one-to-clear bits per byte. */
  protected readonly w1cmask = new Uint8Array(256);
  readonly bars: readonly (BarSpec | null)[];
  protected slot: PciSlot | null = null;
  private readonly mapped: (BarMapping | null)[] = [null, null, null, null, null, null];
  private readonly portRanges: (PortRange | null)[] = [null, null, null, null, null, null];
  private readonly mmioBases: number[] = [-1, -1, -1, -1, -1, -1];
  /** Decoding conflicts seen (latest last); cleared when the BAR maps cleanly. */
  readonly conflicts: BarConflict[] = [];
  /** The card's own interrupt level (status bit 3), before INTx Disable. */
  private intLevel = false;
  /** DMA attempts refused because bus mastering was off, or aborted outside RAM. */
  dmaRefused = 0;
  dmaAborted = 0;
  private readonly powerOn: Uint8Array;

  constructor(cfg: PciDeviceConfig) {
    this.name = cfg.name;
    const bars: (BarSpec | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const b = cfg.bars?.[i] ?? null;
      if (b !== null) {
        if (!isPowerOfTwo(b.size) || (b.kind === 'io' ? b.size < 4 || b.size > 256 : b.size < 16)) {
          throw new PciError('PCI_BAR_INVALID', `${cfg.name}: BAR${i} size ${b.size} is invalid: a BAR's size is a power of two, 4-256 bytes for I/O, at least 16 bytes for memory`);
        }
      }
      bars.push(b);
    }
    this.bars = bars;
    this.set16(PciConfig.VENDOR_ID, cfg.vendorId);
    this.set16(PciConfig.DEVICE_ID, cfg.deviceId);
    this.set16(PciConfig.STATUS, cfg.status ?? PciStatus.DEVSEL_MEDIUM);
    this.config[PciConfig.REVISION_ID] = cfg.revision ?? 0;
    this.config[PciConfig.PROG_IF] = cfg.classCode & 0xff;
    this.config[PciConfig.SUBCLASS] = (cfg.classCode >> 8) & 0xff;
    this.config[PciConfig.CLASS] = (cfg.classCode >> 16) & 0xff;
    this.config[PciConfig.HEADER_TYPE] = cfg.multifunction ? 0x80 : 0x00;
    this.set16(PciConfig.SUBSYSTEM_VENDOR_ID, cfg.subsystemVendorId ?? 0);
    this.set16(PciConfig.SUBSYSTEM_ID, cfg.subsystemId ?? 0);
    this.config[PciConfig.INTERRUPT_PIN] = cfg.interruptPin ?? 0;
    this.config[PciConfig.MIN_GNT] = cfg.minGrant ?? 0;
    this.config[PciConfig.MAX_LAT] = cfg.maxLatency ?? 0;
    this.setMask16(PciConfig.COMMAND, COMMAND_WRITABLE);
    this.w1cmask[PciConfig.STATUS] = STATUS_W1C & 0xff;
    this.w1cmask[PciConfig.STATUS + 1] = STATUS_W1C >> 8;
    this.wmask[PciConfig.CACHE_LINE_SIZE] = 0xff;
    this.wmask[PciConfig.LATENCY_TIMER] = 0xff;
    this.wmask[PciConfig.INTERRUPT_LINE] = 0xff;
    for (let i = 0; i < 6; i++) {
      const b = bars[i];
      if (!b) continue;
      const off = PciConfig.BAR0 + 4 * i;
      const flags = b.kind === 'io' ? 0x1 : b.prefetchable ? 0x8 : 0x0;
      this.set32(off, flags);
      this.setMask32(off, b.kind === 'io' ? ~(b.size - 1) & ~0x3 : ~(b.size - 1) & ~0xf);
    }
    this.powerOn = this.config.slice();
  }

  // ------------------------------------------------------------------ config space helpers

  protected set16(off: number, v: number): void {
    this.config[off] = v & 0xff;
    this.config[off + 1] = (v >> 8) & 0xff;
  }

  protected set32(off: number, v: number): void {
    for (let i = 0; i < 4; i++) this.config[off + i] = (v >>> (8 * i)) & 0xff;
  }

  protected get16(off: number): number {
    return this.config[off]! | (this.config[off + 1]! << 8);
  }

  protected get32(off: number): number {
    return (this.config[off]! | (this.config[off + 1]! << 8) | (this.config[off + 2]! << 16) | (this.config[off + 3]! << 24)) >>> 0;
  }

  protected setMask16(off: number, m: number): void {
    this.wmask[off] = m & 0xff;
    this.wmask[off + 1] = (m >> 8) & 0xff;
  }

  protected setMask32(off: number, m: number): void {
    for (let i = 0; i < 4; i++) this.wmask[off + i] = (m >>> (8 * i)) & 0xff;
  }

  get vendorId(): number {
    return this.get16(PciConfig.VENDOR_ID);
  }

  get deviceId(): number {
    return this.get16(PciConfig.DEVICE_ID);
  }

  get command(): number {
    return this.get16(PciConfig.COMMAND);
  }

  get status(): number {
    return this.get16(PciConfig.STATUS);
  }

  get interruptPin(): number {
    return this.config[PciConfig.INTERRUPT_PIN]!;
  }

  /** Where the slot routes the card's interrupt (-1 if nowhere). */
  get irq(): number {
    return this.slot?.irq ?? -1;
  }

  get attached(): boolean {
    return this.slot !== null;
  }

  // ------------------------------------------------------------------ PciFunction

  configRead(offset: number, size: AccessSize): number {
    const c = this.config;
    if (size === 1) return c[offset]!;
    if (size === 2) return c[offset]! | (c[offset + 1]! << 8);
    return (c[offset]! | (c[offset + 1]! << 8) | (c[offset + 2]! << 16) | (c[offset + 3]! << 24)) >>> 0;
  }

  configWrite(offset: number, size: AccessSize, value: number): void {
    const c = this.config;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o > 0xff) break;
      const b = (value >>> (8 * i)) & 0xff;
      const w = this.wmask[o]!;
      c[o] = ((c[o]! & ~w) | (b & w)) & ~(b & this.w1cmask[o]!);
    }
    const end = offset + size;
    if (offset < PciConfig.STATUS && end > PciConfig.COMMAND) this.commandChanged();
    if (offset < PciConfig.CARDBUS_CIS && end > PciConfig.BAR0) this.updateMappings();
    this.configWritten(offset, size, value);
  }

  /** Hook for device-specific registers (0x40-0xFF) and reactions to header writes. */
  protected configWritten(_offset: number, _size: AccessSize, _value: number): void {}

  attach(slot: PciSlot): void {
    if (this.slot !== null) throw new PciError('PCI_SLOT_IN_USE', `${this.name} is already on a bus at ${formatPciAddress(this.slot.address)}; remove it first`);
    this.slot = slot;
    this.updateMappings();
    this.updateInterrupt();
  }

  detach(): void {
    if (this.slot === null) return;
    for (let i = 0; i < 6; i++) this.unmapBar(i);
    this.slot.interrupt?.lower();
    this.slot = null;
  }

  /** Back to the power-on configuration (command 0: no decoding, no bus mastering; BARs 0). */
  resetConfig(): void {
    this.config.set(this.powerOn);
    this.intLevel = false;
    this.commandChanged();
    this.updateMappings();
  }

  // ------------------------------------------------------------------ decoding

  private commandChanged(): void {
    this.updateMappings();
    this.updateInterrupt();
  }

  /** Base address software wrote to BAR i (flags stripped). */
  barAddress(i: number): number {
    const b = this.bars[i];
    if (!b) return 0;
    const v = this.get32(PciConfig.BAR0 + 4 * i);
    return (b.kind === 'io' ? v & ~0x3 : v & ~0xf) >>> 0;
  }

  /** Where BAR i decodes now (null: not decoding). */
  barMapping(i: number): BarMapping | null {
    return this.mapped[i] ?? null;
  }

  /** Brings the port/MMIO mappings in line with the command register and the BARs. */
  protected updateMappings(): void {
    const slot = this.slot;
    const cmd = this.command;
    for (let i = 0; i < 6; i++) {
      const b = this.bars[i];
      if (!b) continue;
      const base = this.barAddress(i);
      const enabled = slot !== null && base !== 0 && (cmd & (b.kind === 'io' ? PciCommand.IO : PciCommand.MEMORY)) !== 0;
      const cur = this.mapped[i];
      if (enabled && cur && cur.base === base) continue;
      if (cur) this.unmapBar(i);
      if (!enabled) continue;
      this.mapBar(i, b, base);
    }
  }

  /** The register handler of BAR i (the spec's, unless a subclass overrides this). */
  protected barHandler(index: number): RegisterHandler {
    const h = this.bars[index]?.handler;
    if (!h) throw new PciError('PCI_BAR_INVALID', `${this.name}: BAR${index} has no register handler; give one in its BarSpec or override barHandler()`);
    return h;
  }

  private mapBar(i: number, b: BarSpec, base: number): void {
    const slot = this.slot!;
    const owner = `${this.name} BAR${i}`;
    const handler = this.barHandler(i);
    try {
      if (b.kind === 'io') {
        // x86 I/O space is 64 KiB: an address above it (a BAR holding its size mask) decodes nothing.
        if (base + b.size > 0x10000) return;
        this.portRanges[i] = slot.io.register(base, b.size, handler, owner);
      } else {
        if (base + Math.max(b.size, 0x1000) > 0x100000000) return;
        if (b.size >= 0x1000) {
          slot.mmio.mapMmio(base, b.size, handler);
          this.mmioBases[i] = base;
        } else {
          const page = (base & ~0xfff) >>> 0;
          slot.mmio.mapMmio(page, 0x1000, new SmallBarWindow(handler, base - page, b.size));
          this.mmioBases[i] = page;
        }
      }
      this.mapped[i] = { index: i, kind: b.kind, base, size: b.size };
      this.barMapped(i, base);
    } catch (e) {
      // Software put the BAR where it cannot decode (over RAM or another device): the card does
      // not respond there, as on a real bus where the result is undefined.
      const reason = e instanceof Error ? e.message : String(e);
      this.conflicts.push({ index: i, base, reason });
      if (this.conflicts.length > 64) this.conflicts.shift();
    }
  }

  private unmapBar(i: number): void {
    const r = this.portRanges[i];
    if (r) {
      r.unregister();
      this.portRanges[i] = null;
    }
    const m = this.mmioBases[i]!;
    if (m >= 0 && this.slot) {
      this.slot.mmio.unmapMmio(m);
      this.mmioBases[i] = -1;
    }
    if (this.mapped[i]) {
      this.mapped[i] = null;
      this.barUnmapped(i);
    }
  }

  /** Hook: BAR i now decodes at `base`. */
  protected barMapped(_index: number, _base: number): void {}

  /** Hook: BAR i no longer decodes. */
  protected barUnmapped(_index: number): void {}

  // ------------------------------------------------------------------ interrupts

  /** Asserts or deasserts the card's INTx (status bit 3 follows; INTx Disable keeps the pin quiet). */
  protected setInterrupt(level: boolean): void {
    this.intLevel = level;
    this.updateInterrupt();
  }

  get interruptAsserted(): boolean {
    return this.intLevel;
  }

  private updateInterrupt(): void {
    const st = this.config[PciConfig.STATUS]!;
    this.config[PciConfig.STATUS] = this.intLevel ? st | PciStatus.INTERRUPT : st & ~PciStatus.INTERRUPT;
    const line = this.slot?.interrupt;
    if (line) line.set(this.intLevel && (this.command & PciCommand.INTX_DISABLE) === 0);
  }

  // ------------------------------------------------------------------ bus mastering

  private canMaster(): boolean {
    if (this.slot?.dma && (this.command & PciCommand.BUS_MASTER) !== 0) return true;
    this.dmaRefused++;
    return false;
  }

  private masterAbort(): void {
    this.dmaAborted++;
    this.config[PciConfig.STATUS + 1] = this.config[PciConfig.STATUS + 1]! | (PciStatus.RECEIVED_MASTER_ABORT >> 8);
  }

  /** DMA read into `dest`; false if bus mastering is off or the range is not RAM (then status records a master abort). */
  protected dmaRead(addr: number, dest: Uint8Array): boolean {
    if (!this.canMaster()) return false;
    if (this.slot!.dma!.readInto(addr, dest)) return true;
    this.masterAbort();
    return false;
  }

  protected dmaWrite(addr: number, bytes: Uint8Array): boolean {
    if (!this.canMaster()) return false;
    if (this.slot!.dma!.write(addr, bytes)) return true;
    this.masterAbort();
    return false;
  }

  protected dmaRead32(addr: number): number {
    if (!this.canMaster()) return -1;
    const dma = this.slot!.dma!;
    if ((addr >>> 0) + 4 <= dma.size) return dma.read32(addr);
    this.masterAbort();
    return -1;
  }

  protected dmaWrite32(addr: number, value: number): boolean {
    if (!this.canMaster()) return false;
    if (this.slot!.dma!.write32(addr, value)) return true;
    this.masterAbort();
    return false;
  }

  describe(): string {
    const at = this.slot ? formatPciAddress(this.slot.address) : 'detached';
    const bars = this.mapped.filter((m): m is BarMapping => m !== null).map((m) => `BAR${m.index}=${m.kind}@${hex(m.base)}/${m.size}`);
    return `${at} ${this.name} [${hex(this.vendorId, 4)}:${hex(this.deviceId, 4)}] cmd=${hex(this.command, 4)} irq=${this.irq}${bars.length ? ' ' + bars.join(' ') : ''}`;
  }
}
