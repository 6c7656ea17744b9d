// The Intel 82540EM gigabit Ethernet controller (PRO/1000 MT Desktop, 8086:100E), at the
// register level the Linux e1000 driver programs: a 128 KiB register BAR and an I/O BAR with the
// IOADDR/IODATA window, the Microwire EEPROM (EECD bit-banging and EERD), the M88 PHY behind
// MDIC, interrupt causes with ITR throttling and the receive/transmit delay timers, legacy and
// extended (checksum-offload) descriptor rings moved by bus-master DMA, the receive address
// filter (RAL/RAH, the multicast table, promiscuous modes), and the statistics counters. Frames
// go out on a Wire paced at the link speed; frames from the wire are stored when they arrive.
//
// What the hardware does with bad programming, the model does without throwing: a ring length
// that is not a multiple of 128 loses its low bits, a head or tail beyond the ring stops that
// engine (counted in `errors.badRing`), a descriptor or buffer outside RAM is a master abort
// (dmaRead/dmaWrite fail, counted in `errors.dma`).

import { CLOCK_HZ } from '@nooks/x86';

import type { Timer } from '../clock.js';
import type { AccessSize, RegisterHandler } from '../io-port-bus.js';
import { PciDevice } from '../pci-device.js';
import type { PciSlot } from '../pci-types.js';
import { MicrowireEeprom, buildEepromImage } from './eeprom.js';
import { formatMac, internetChecksum, parseMac } from '@nooks/net';
import { ETHERNET_FCS_BYTES, ETHERNET_MAX_FRAME, ETHERNET_MIN_FRAME, appendFcs, frameWireCycles } from './ethernet.js';
import { M88Phy, PHY_ADDRESS } from './phy.js';
import { Ctrl, CtrlExt, E1000Reg as R, Eecd, Eerd, FPD, ICR_IMPLEMENTED, Icr, Mdic, RAH_AV, Rctl, RxSta, Status, Tctl, TxCmd, TxSta } from './registers.js';
import type { Wire, WireReceiver } from './wire.js';

export const E1000_VENDOR_ID = 0x8086;
export const E1000_82540EM_DEVICE_ID = 0x100e;
/** BAR0: the register space. */
export const E1000_MMIO_SIZE = 0x20000;
/** BAR2: IOADDR (0x0) and IODATA (0x4). */
export const E1000_IO_SIZE = 8;

export interface E1000Options {
  /** Name on the bus (default 'e1000'). */
  name?: string;
  /** MAC address, 6 bytes or "52:54:00:12:34:56" (default 52:54:00:12:34:56). */
  mac?: Uint8Array | string;
  /** A whole EEPROM image (64 words) instead of the generated one; its words 0-2 give the MAC. */
  eeprom?: Uint16Array;
  /** Cable plugged in at power-on (default true). */
  linkUp?: boolean;
}

/** What went wrong in the card's dealings with the driver (none of it throws). */
export interface E1000Errors {
  /** DMA that failed: bus mastering off, or an address outside RAM (a master abort). */
  dma: number;
  /** A head or tail register beyond the ring, or a zero-length ring with work queued. */
  badRing: number;
  /** Transmit descriptors the model does not implement (TCP segmentation offload), dropped. */
  unsupported: number;
  /** Register accesses that were not dword accesses (served by merging into the dword). */
  partialAccess: number;
}

/** Host-side counters (the statistics registers are what the driver sees, and clear on read). */
export interface E1000Counters {
  txFrames: number;
  txBytes: number;
  /** Transmitted while the link was down or with no wire attached: lost. */
  txLost: number;
  rxFrames: number;
  rxBytes: number;
  /** Not for us (address filter) or receiver disabled. */
  rxFiltered: number;
  /** No free descriptor (also in MPC). */
  rxMissed: number;
  /** Too long without RCTL.LPE. */
  rxOversize: number;
  interrupts: number;
}

const STAT_FIRST = 0x4000;
const STAT_LAST = 0x40fc;
const TX_DESC = 16;
const RX_DESC = 16;
const NS_1024 = (1024 * CLOCK_HZ) / 1e9; // cycles in the delay timers' 1.024 us unit
const NS_256 = (256 * CLOCK_HZ) / 1e9; // cycles in ITR's 256 ns unit
const RDLEN_MASK = 0x000fff80;
const RAH_MASK = 0x8003ffff;

/** Registers that simply hold what software writes (by dword index), with their writable bits. */
const PLAIN: readonly (readonly [number, number, number?])[] = [
  [R.CTRL_EXT, 0xffffffff],
  [R.FLA, 0xffffffff],
  [R.FCAL, 0xffffffff],
  [R.FCAH, 0x0000ffff],
  [R.FCT, 0x0000ffff],
  [R.VET, 0x0000ffff],
  [R.FCTTV, 0x0000ffff],
  [R.TXCW, 0xffffffff],
  [R.TIPG, 0x3fffffff],
  [R.TBT, 0xffffffff],
  [R.AIT, 0xffffffff],
  [R.LEDCTL, 0xffffffff],
  [R.PBA, 0x0000ffff],
  [R.FCRTL, 0x8000fff8],
  [R.FCRTH, 0x0000fff8],
  [R.RDBAH, 0xffffffff],
  [R.RXDCTL, 0xffffffff],
  [R.RADV, 0x0000ffff],
  [R.RSRPD, 0x00000fff],
  [R.TXDMAC, 0xffffffff],
  [R.TDBAH, 0xffffffff],
  [R.TXDCTL, 0xffffffff],
  [R.TADV, 0x0000ffff],
  [R.TSPMT, 0xffffffff],
  [R.RXCSUM, 0x000003ff],
  [R.WUC, 0xffffffff],
  [R.WUFC, 0xffffffff],
  [R.WUS, 0xffffffff],
  [R.MANC, 0xffffffff],
  [R.IPAV, 0xffffffff],
  [R.WUPL, 0xffffffff],
  [R.MTA, 0xffffffff, 128],
  [R.RAL0, 0xffffffff, 32],
  [R.VFTA, 0xffffffff, 128],
  [R.IP4AT, 0xffffffff, 8],
  [R.IP6AT, 0xffffffff, 4],
  [R.WUPM, 0xffffffff, 32],
  [R.FFLT, 0xffffffff, 8],
  [R.FFMT, 0xffffffff, 256],
  [R.FFVT, 0xffffffff, 256],
];

/** 64-bit statistics pairs: the high dword's offset → the low dword's. */
const STAT_PAIRS = new Map<number, number>([
  [R.GORCH, R.GORCL],
  [R.GOTCH, R.GOTCL],
  [R.TORH, R.TORL],
  [R.TOTH, R.TOTL],
]);

const RX_SIZE_BUCKETS = [R.PRC64, R.PRC127, R.PRC255, R.PRC511, R.PRC1023, R.PRC1522] as const;
const TX_SIZE_BUCKETS = [R.PTC64, R.PTC127, R.PTC255, R.PTC511, R.PTC1023, R.PTC1522] as const;

function sizeBucket(lengthWithFcs: number): number {
  if (lengthWithFcs <= 64) return 0;
  if (lengthWithFcs <= 127) return 1;
  if (lengthWithFcs <= 255) return 2;
  if (lengthWithFcs <= 511) return 3;
  if (lengthWithFcs <= 1023) return 4;
  return 5;
}

/** The transmit offload context of the last context descriptor. */
interface TxContext {
  ipcss: number;
  ipcso: number;
  ipcse: number;
  tucss: number;
  tucso: number;
  tucse: number;
}

export class E1000 extends PciDevice implements WireReceiver {
  readonly eeprom: MicrowireEeprom;
  readonly phy: M88Phy;
  readonly errors: E1000Errors = { dma: 0, badRing: 0, unsupported: 0, partialAccess: 0 };
  readonly counters: E1000Counters = { txFrames: 0, txBytes: 0, txLost: 0, rxFrames: 0, rxBytes: 0, rxFiltered: 0, rxMissed: 0, rxOversize: 0, interrupts: 0 };

  /** The register file by dword index (plain registers live here; others are computed). */
  private readonly regs = new Uint32Array(E1000_MMIO_SIZE >> 2);
  /** Per dword: writable mask for plain registers (0 with `known` clear: unimplemented). */
  private readonly regWmask = new Uint32Array(E1000_MMIO_SIZE >> 2);
  private readonly known = new Uint8Array(E1000_MMIO_SIZE >> 2);
  /** Statistics counters (exact numbers; registers saturate at 32 bits). */
  private readonly stats = new Float64Array(64);
  private icr = 0;
  private ims = 0;
  private irqLevel = false;
  private lastAssert = -Infinity;
  private ioAddr = 0;
  private wire: Wire | null = null;
  /** Time at which the transmitter finishes the frame on the wire. */
  private txFreeAt = 0;
  private txContext: TxContext = { ipcss: 0, ipcso: 0, ipcse: 0, tucss: 0, tucso: 0, tucse: 0 };
  private txTimer: Timer | null = null;
  private itrTimer: Timer | null = null;
  private rdtrTimer: Timer | null = null;
  private radvTimer: Timer | null = null;
  private tidvTimer: Timer | null = null;
  private tadvTimer: Timer | null = null;
  private readonly handlers: [RegisterHandler, RegisterHandler];
  private readonly descBuf = new Uint8Array(16);

  constructor(options: E1000Options = {}) {
    super({
      name: options.name ?? 'e1000',
      vendorId: E1000_VENDOR_ID,
      deviceId: E1000_82540EM_DEVICE_ID,
      classCode: 0x020000,
      revision: 2,
      subsystemVendorId: 0x8086,
      subsystemId: 0x001e,
      interruptPin: 1,
      minGrant: 0xff,
      bars: [{ kind: 'mem', size: E1000_MMIO_SIZE }, null, { kind: 'io', size: E1000_IO_SIZE }],
    });
    const mac = typeof options.mac === 'string' ? parseMac(options.mac) : options.mac ?? new Uint8Array([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
    if (mac.length !== 6) throw new RangeError(`a MAC address has 6 bytes, got ${mac.length}`);
    this.eeprom = new MicrowireEeprom(options.eeprom ? options.eeprom.slice() : buildEepromImage(mac));
    this.phy = new M88Phy(options.linkUp ?? true);
    for (const [off, mask, n = 1] of PLAIN) {
      for (let i = 0; i < n; i++) {
        this.known[(off >> 2) + i] = 1;
        this.regWmask[(off >> 2) + i] = mask;
      }
    }
    for (let i = 0; i < 16; i++) this.regWmask[(R.RAH0 >> 2) + 2 * i] = RAH_MASK;
    this.handlers = [
      { read: (off, size) => this.mmioRead(off, size), write: (off, size, v) => this.mmioWrite(off, size, v) },
      { read: (off, size) => this.ioRead(off, size), write: (off, size, v) => this.ioWrite(off, size, v) },
    ];
    this.resetMac();
  }

  protected override barHandler(index: number): RegisterHandler {
    return index === 2 ? this.handlers[1] : this.handlers[0];
  }

  override attach(slot: PciSlot): void {
    super.attach(slot);
    const clock = slot.clock;
    if (clock && !this.txTimer) {
      this.txTimer = clock.timer((t) => this.transmit(t), `${this.name} tx`);
      this.itrTimer = clock.timer(() => this.updateIrq(), `${this.name} itr`);
      this.rdtrTimer = clock.timer(() => this.rxDelayExpired(), `${this.name} rdtr`);
      this.radvTimer = clock.timer(() => this.rxDelayExpired(), `${this.name} radv`);
      this.tidvTimer = clock.timer(() => this.txDelayExpired(), `${this.name} tidv`);
      this.tadvTimer = clock.timer(() => this.txDelayExpired(), `${this.name} tadv`);
    }
  }

  override detach(): void {
    this.cancelTimers();
    super.detach();
  }

  // ------------------------------------------------------------------ host side

  /** The MAC address in RAL0/RAH0 (what the card answers to). */
  get mac(): Uint8Array {
    const lo = this.regs[R.RAL0 >> 2]!, hi = this.regs[R.RAH0 >> 2]!;
    return new Uint8Array([lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff]);
  }

  get macString(): string {
    return formatMac(this.mac);
  }

  /** The card's interrupt output ((ICR & IMS) != 0, as ITR lets it through). */
  get interruptLine(): boolean {
    return this.irqLevel;
  }

  get linkUp(): boolean {
    return this.phy.linkUp;
  }

  /** Plugs the cable in or pulls it: STATUS.LU follows and ICR.LSC is raised. */
  setLink(up: boolean): void {
    if (this.phy.linkUp === up) return;
    this.phy.setLink(up);
    this.raise(Icr.LSC);
  }

  /** Connects the card to a wire (null: unplugged; frames sent are lost). */
  attachWire(wire: Wire | null): void {
    this.wire?.connect(null);
    this.wire = wire;
    wire?.connect(this);
  }

  /** A dword register read as the driver's readl would do it (with its side effects). */
  readRegister(offset: number): number {
    return this.read32(offset & 0x1fffc) >>> 0;
  }

  writeRegister(offset: number, value: number): void {
    this.write32(offset & 0x1fffc, value >>> 0);
  }

  // ------------------------------------------------------------------ time

  private now(): number {
    return this.slot?.clock?.now() ?? 0;
  }

  private cancelTimers(): void {
    for (const t of [this.txTimer, this.itrTimer, this.rdtrTimer, this.radvTimer, this.tidvTimer, this.tadvTimer]) t?.cancel();
  }

  // ------------------------------------------------------------------ register access

  private mmioRead(offset: number, size: AccessSize): number {
    if (size === 4 && (offset & 3) === 0) return this.read32(offset);
    // The 8254x registers are 32 bits wide: a narrower (or unaligned) read returns those bytes
    // of the dword read (with that read's side effects, as the bus cycle is a dword read).
    this.errors.partialAccess++;
    const shift = 8 * (offset & 3);
    if (shift + 8 * size > 32) return size === 2 ? 0xffff : 0xff;
    const v = this.read32(offset & ~3) >>> shift;
    return size === 2 ? v & 0xffff : v & 0xff;
  }

  private mmioWrite(offset: number, size: AccessSize, value: number): void {
    if (size === 4 && (offset & 3) === 0) {
      this.write32(offset, value >>> 0);
      return;
    }
    this.errors.partialAccess++;
    const shift = 8 * (offset & 3);
    if (shift + 8 * size > 32) return;
    const mask = (size === 2 ? 0xffff : 0xff) << shift;
    const merged = (this.peek32(offset & ~3) & ~mask) | ((value << shift) & mask);
    this.write32(offset & ~3, merged >>> 0);
  }

  private ioRead(offset: number, size: AccessSize): number {
    let v: number;
    if (offset < 4) v = this.ioAddr;
    else v = this.read32(this.ioAddr & 0x1fffc);
    if (size === 4) return v >>> 0;
    v >>>= 8 * (offset & 3);
    return size === 2 ? v & 0xffff : v & 0xff;
  }

  private ioWrite(offset: number, size: AccessSize, value: number): void {
    const shift = 8 * (offset & 3);
    const mask = size === 4 ? 0xffffffff : ((size === 2 ? 0xffff : 0xff) << shift) >>> 0;
    if (offset < 4) {
      this.ioAddr = ((this.ioAddr & ~mask) | ((value << shift) & mask)) & 0x1ffff;
    } else {
      const target = this.ioAddr & 0x1fffc;
      const merged = size === 4 ? value : (this.peek32(target) & ~mask) | ((value << shift) & mask);
      this.write32(target, merged >>> 0);
    }
  }

  /** A register's value without read side effects (for merging partial writes). */
  private peek32(off: number): number {
    const i = off >> 2;
    if (off === R.ICR) return this.icr;
    if (off === R.IMS) return this.ims;
    if (off === R.STATUS) return this.status32();
    if (off === R.EECD) return this.eecd32();
    if (off >= STAT_FIRST && off <= STAT_LAST) return 0;
    return this.regs[i]!;
  }

  private read32(off: number): number {
    switch (off) {
      case R.CTRL:
        return this.regs[off >> 2]!;
      case R.STATUS:
        return this.status32();
      case R.EECD:
        return this.eecd32();
      case R.EERD:
      case R.MDIC:
      case R.ITR:
      case R.RCTL:
      case R.TCTL:
      case R.RDBAL:
      case R.RDLEN:
      case R.RDH:
      case R.RDT:
      case R.RDTR:
      case R.TDBAL:
      case R.TDLEN:
      case R.TDH:
      case R.TDT:
      case R.TIDV:
        return this.regs[off >> 2]!;
      case R.RXCW:
        return this.phy.linkUp ? 0x0c000000 : 0; // RxSynchronize | RxConfigInvalid: copper, no /C/ codes
      case R.ICR: {
        const v = this.icr;
        this.icr = 0;
        this.updateIrq();
        return v;
      }
      case R.IMS:
        return this.ims;
      case R.ICS:
      case R.IMC:
        return 0; // write-only
    }
    if (off >= STAT_FIRST && off <= STAT_LAST) return this.readStat(off);
    if (off < E1000_MMIO_SIZE && this.known[off >> 2]) return this.regs[off >> 2]!;
    return 0;
  }

  private write32(off: number, v: number): void {
    const i = off >> 2;
    switch (off) {
      case R.CTRL:
        this.writeCtrl(v);
        return;
      case R.STATUS:
        return;
      case R.EECD:
        this.writeEecd(v);
        return;
      case R.EERD:
        this.writeEerd(v);
        return;
      case R.CTRL_EXT:
        this.regs[i] = v & ~CtrlExt.EE_RST;
        if (v & CtrlExt.EE_RST) this.loadFromEeprom();
        return;
      case R.MDIC:
        this.writeMdic(v);
        return;
      case R.ICR:
        this.icr &= ~v; // write one to clear
        this.updateIrq();
        return;
      case R.ICS:
        this.raise(v & ICR_IMPLEMENTED);
        return;
      case R.IMS:
        this.ims = (this.ims | v) & ICR_IMPLEMENTED;
        this.updateIrq();
        return;
      case R.IMC:
        this.ims &= ~v;
        this.updateIrq();
        return;
      case R.ITR:
        this.regs[i] = v & 0xffff;
        return;
      case R.RCTL:
        this.regs[i] = v & 0x07ffbffe;
        return;
      case R.TCTL: {
        const was = this.regs[i]!;
        this.regs[i] = v & ~Tctl.SWXOFF;
        if (v & Tctl.SWXOFF) this.stat(R.XOFFTXC, 1);
        if ((v & Tctl.EN) !== 0 && (was & Tctl.EN) === 0) this.kickTx();
        return;
      }
      case R.RDBAL:
      case R.TDBAL:
        this.regs[i] = v & ~0xf;
        return;
      case R.RDLEN:
      case R.TDLEN:
        this.regs[i] = v & RDLEN_MASK;
        return;
      case R.RDH:
      case R.TDH:
        this.regs[i] = v & 0xffff;
        return;
      case R.RDT:
        this.regs[i] = v & 0xffff;
        return;
      case R.TDT:
        this.regs[i] = v & 0xffff;
        this.kickTx();
        return;
      case R.RDTR:
        this.regs[i] = v & 0xffff;
        if (v & FPD) this.rxDelayExpired();
        return;
      case R.TIDV:
        this.regs[i] = v & 0xffff;
        if (v & FPD) this.txDelayExpired();
        return;
    }
    if (off >= STAT_FIRST && off <= STAT_LAST) return; // read-only
    if (off < E1000_MMIO_SIZE && this.known[i]) this.regs[i] = (this.regs[i]! & ~this.regWmask[i]!) | (v & this.regWmask[i]!);
  }

  // ------------------------------------------------------------------ reset, EEPROM, PHY

  /** The MAC's registers as after a device reset (PCI configuration is not touched). */
  private resetMac(): void {
    this.cancelTimers();
    this.regs.fill(0);
    this.stats.fill(0);
    this.icr = 0;
    this.ims = 0;
    this.lastAssert = -Infinity;
    this.txFreeAt = 0;
    this.ioAddr = 0;
    this.txContext = { ipcss: 0, ipcso: 0, ipcse: 0, tucss: 0, tucso: 0, tucse: 0 };
    this.regs[R.CTRL >> 2] = Ctrl.FD | Ctrl.SLU | Ctrl.SPD_1000 | Ctrl.ASDE;
    this.regs[R.EECD >> 2] = 0;
    this.regs[R.PBA >> 2] = 0x0030; // 48 KiB receive, 16 KiB transmit packet buffer
    this.regs[R.LEDCTL >> 2] = 0x07068302;
    this.regs[R.TCTL >> 2] = 0x0f << 4 | 0x3f << 12; // CT, COLD
    this.regs[R.TIPG >> 2] = 0x00602008;
    this.regs[R.VET >> 2] = 0x8100;
    this.regs[R.RXCSUM >> 2] = 0x0200; // IP checksum offload enabled
    this.regs[R.TXDCTL >> 2] = 0x00010000;
    this.regs[R.MANC >> 2] = 0;
    this.eeprom.reset();
    this.loadFromEeprom();
    if (this.irqLevel) {
      this.irqLevel = false;
      this.setInterrupt(false);
    }
  }

  /** What the card loads from the EEPROM after a reset: the MAC into RAL0/RAH0. */
  private loadFromEeprom(): void {
    const w = this.eeprom.words;
    this.regs[R.RAL0 >> 2] = (w[0]! | (w[1]! << 16)) >>> 0;
    this.regs[R.RAH0 >> 2] = (w[2]! | RAH_AV) >>> 0;
  }

  private writeCtrl(v: number): void {
    if (v & Ctrl.RST) {
      this.resetMac(); // completes at once (the hardware needs ~1 us; the driver waits 5 ms)
      return;
    }
    if (v & Ctrl.PHY_RST) this.phy.reset();
    this.regs[R.CTRL >> 2] = v & ~(Ctrl.RST | Ctrl.LRST);
  }

  private status32(): number {
    const ctrl = this.regs[R.CTRL >> 2]!;
    const linked = this.phy.linkUp && (ctrl & (Ctrl.SLU | Ctrl.ASDE)) !== 0;
    return (linked ? Status.LU | Status.FD | Status.SPEED_1000 : 0) | Status.ASDV_1000;
  }

  private eecd32(): number {
    const v = this.regs[R.EECD >> 2]!;
    return (v & (Eecd.SK | Eecd.CS | Eecd.DI | Eecd.FWE_MASK | Eecd.REQ)) | (v & Eecd.REQ ? Eecd.GNT : 0) | (this.eeprom.dataOut ? Eecd.DO : 0) | Eecd.PRES;
  }

  private writeEecd(v: number): void {
    this.regs[R.EECD >> 2] = v & (Eecd.SK | Eecd.CS | Eecd.DI | Eecd.FWE_MASK | Eecd.REQ);
    this.eeprom.setPins((v & Eecd.CS) !== 0, (v & Eecd.SK) !== 0, (v & Eecd.DI) !== 0);
  }

  private writeEerd(v: number): void {
    if ((v & Eerd.START) === 0) {
      this.regs[R.EERD >> 2] = v & 0xff00;
      return;
    }
    const addr = (v >>> Eerd.ADDR_SHIFT) & 0xff;
    const data = this.eeprom.words[addr & 0x3f]!;
    this.regs[R.EERD >> 2] = ((data << Eerd.DATA_SHIFT) | (addr << Eerd.ADDR_SHIFT) | Eerd.DONE) >>> 0;
  }

  private writeMdic(v: number): void {
    const reg = (v >>> Mdic.REG_SHIFT) & 31;
    const phy = (v >>> Mdic.PHY_SHIFT) & 31;
    const op = v & (3 << 26);
    let out = v & 0x3fffffff & ~Mdic.READY;
    if (phy !== PHY_ADDRESS || (op !== Mdic.OP_READ && op !== Mdic.OP_WRITE)) {
      out |= Mdic.ERROR;
    } else if (op === Mdic.OP_READ) {
      out = (out & ~Mdic.DATA_MASK) | this.phy.read(reg);
    } else {
      this.phy.write(reg, v & Mdic.DATA_MASK);
    }
    this.regs[R.MDIC >> 2] = (out | Mdic.READY) >>> 0;
    if (v & Mdic.INT_EN) this.raise(Icr.MDAC);
  }

  // ------------------------------------------------------------------ statistics

  private stat(off: number, n: number): void {
    this.stats[(off - STAT_FIRST) >> 2]! += n;
  }

  private readStat(off: number): number {
    const i = (off - STAT_FIRST) >> 2;
    const low = STAT_PAIRS.get(off);
    if (low !== undefined) {
      // Reading the high dword of a 64-bit counter clears both halves (read the low one first).
      const j = (low - STAT_FIRST) >> 2;
      const v = this.stats[j]!;
      this.stats[j] = 0;
      return Math.min(Math.floor(v / 0x100000000), 0xffffffff) >>> 0;
    }
    if (off === R.GORCL || off === R.GOTCL || off === R.TORL || off === R.TOTL) return (this.stats[i]! % 0x100000000) >>> 0;
    const v = this.stats[i]!;
    this.stats[i] = 0;
    return Math.min(v, 0xffffffff) >>> 0;
  }

  // ------------------------------------------------------------------ interrupts

  private raise(causes: number): void {
    this.icr |= causes;
    this.updateIrq();
  }

  private itrCycles(): number {
    return Math.round((this.regs[R.ITR >> 2]! & 0xffff) * NS_256);
  }

  /** INTA# = (ICR & IMS) != 0; with ITR set, assertions are at least ITR apart. */
  private updateIrq(): void {
    const want = (this.icr & this.ims) !== 0;
    if (!want) {
      this.itrTimer?.cancel();
      if (this.irqLevel) {
        this.irqLevel = false;
        this.setInterrupt(false);
      }
      return;
    }
    if (this.irqLevel) return;
    const now = this.now();
    const earliest = this.lastAssert + this.itrCycles();
    if (now < earliest && this.itrTimer) {
      if (!this.itrTimer.pending) this.itrTimer.schedule(earliest);
      return;
    }
    this.irqLevel = true;
    this.lastAssert = now;
    this.counters.interrupts++;
    this.setInterrupt(true);
  }

  private rxDelayExpired(): void {
    this.rdtrTimer?.cancel();
    this.radvTimer?.cancel();
    this.raise(Icr.RXT0);
  }

  private txDelayExpired(): void {
    this.tidvTimer?.cancel();
    this.tadvTimer?.cancel();
    this.raise(Icr.TXDW);
  }

  /** A receive interrupt, delayed by RDTR (restarted per frame) and capped by RADV. */
  private rxInterrupt(now: number): void {
    const rdtr = this.regs[R.RDTR >> 2]! & 0xffff;
    if (rdtr === 0 || !this.rdtrTimer || !this.radvTimer) {
      this.rxDelayExpired();
      return;
    }
    this.rdtrTimer.schedule(now + Math.round(rdtr * NS_1024));
    const radv = this.regs[R.RADV >> 2]! & 0xffff;
    if (radv !== 0 && !this.radvTimer.pending) this.radvTimer.schedule(now + Math.round(radv * NS_1024));
  }

  /** A transmit-done interrupt; with IDE in the descriptor, delayed by TIDV and capped by TADV. */
  private txInterrupt(now: number, ide: boolean): void {
    const tidv = this.regs[R.TIDV >> 2]! & 0xffff;
    if (!ide || tidv === 0 || !this.tidvTimer || !this.tadvTimer) {
      this.txDelayExpired();
      return;
    }
    this.tidvTimer.schedule(now + Math.round(tidv * NS_1024));
    const tadv = this.regs[R.TADV >> 2]! & 0xffff;
    if (tadv !== 0 && !this.tadvTimer.pending) this.tadvTimer.schedule(now + Math.round(tadv * NS_1024));
  }

  // ------------------------------------------------------------------ transmit

  private kickTx(): void {
    const t = this.txTimer;
    if (!t || t.pending) return;
    if ((this.regs[R.TCTL >> 2]! & Tctl.EN) === 0) return;
    t.schedule(Math.max(this.now(), this.txFreeAt));
  }

  private readDesc(addr: number): boolean {
    if (this.dmaRead(addr, this.descBuf)) return true;
    this.errors.dma++;
    return false;
  }

  /**
   * The transmitter at `time` (the wire is free): fetches the descriptors of the next packet by
   * DMA, builds the frame, writes back status, and puts the frame on the wire; then comes back
   * when that frame has left, while the ring holds more.
   */
  private transmit(time: number): void {
    const regs = this.regs;
    if ((regs[R.TCTL >> 2]! & Tctl.EN) === 0) return;
    const count = regs[R.TDLEN >> 2]! / TX_DESC;
    const tdt = regs[R.TDT >> 2]!;
    let tdh = regs[R.TDH >> 2]!;
    if (tdh === tdt) return;
    if (count === 0 || tdh >= count || tdt >= count) {
      this.errors.badRing++;
      return;
    }
    const base = (regs[R.TDBAH >> 2]! * 0x100000000 + regs[R.TDBAL >> 2]!);
    if (base > 0xffffffff) {
      this.errors.dma++;
      return;
    }
    const d = this.descBuf;
    // Gather one packet: descriptors up to EOP, all of which must be queued already.
    const parts: Uint8Array[] = [];
    const done: { index: number; cmd: number }[] = [];
    let cmdOfPacket = 0, legacyCso = 0, legacyCss = 0, popts = 0, special = 0, eop = false, length = 0, dataFailed = false, tse = false;
    let i = tdh;
    while (i !== tdt) {
      if (!this.readDesc(base + i * TX_DESC)) return; // master abort: the engine stalls here
      const lenOrPay = d[8]! | (d[9]! << 8) | ((d[10]! & 0x0f) << 16);
      const cmd = d[11]!;
      const next = (i + 1) % count;
      if (cmd & TxCmd.DEXT) {
        const dtyp = d[10]! >> 4;
        if (dtyp === 0) {
          // Context descriptor: the checksum offload parameters for the packets that follow.
          this.txContext = {
            ipcss: d[0]!, ipcso: d[1]!, ipcse: d[2]! | (d[3]! << 8),
            tucss: d[4]!, tucso: d[5]!, tucse: d[6]! | (d[7]! << 8),
          };
          if (cmd & TxCmd.IC) tse = true; // TSE in TUCMD: segmentation is not modelled
          if (parts.length === 0 && done.length === 0) {
            this.completeDesc(base, i, cmd);
            tdh = next;
            regs[R.TDH >> 2] = tdh;
            i = next;
            continue;
          }
          done.push({ index: i, cmd });
          i = next;
          continue;
        }
        popts = d[13]!;
        if (cmd & TxCmd.IC) tse = true;
      } else {
        legacyCso = d[10]!;
        legacyCss = d[13]!;
      }
      const len = (cmd & TxCmd.DEXT) ? lenOrPay : d[8]! | (d[9]! << 8);
      if (len > 0) {
        const addr = (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
        const hi = d[4]! | (d[5]! << 8) | (d[6]! << 16) | (d[7]! << 24);
        const buf = new Uint8Array(len);
        if (hi !== 0 || !this.dmaRead(addr, buf)) {
          this.errors.dma++; // the frame is lost; its descriptors still complete
          dataFailed = true;
        }
        parts.push(buf);
        length += len;
      }
      cmdOfPacket |= cmd;
      special = d[14]! | (d[15]! << 8);
      done.push({ index: i, cmd });
      i = next;
      if (cmd & TxCmd.EOP) {
        eop = true;
        break;
      }
    }
    if (!eop) {
      if (done.length > 0 && i === tdt && done.length >= count - 1) this.errors.badRing++;
      return; // the rest of the packet is not queued yet
    }
    // Status write-back, head advance, interrupts: the data is in the FIFO now.
    let rs = false, ide = false;
    for (const x of done) {
      this.completeDesc(base, x.index, x.cmd);
      if (x.cmd & (TxCmd.RS | TxCmd.RPS)) {
        rs = true;
        if (x.cmd & TxCmd.IDE) ide = true;
      }
    }
    tdh = i;
    regs[R.TDH >> 2] = tdh;
    if (rs) this.txInterrupt(time, ide);
    if (tdh === tdt) this.raise(Icr.TXQE);

    let end = time;
    if (tse) {
      this.errors.unsupported++;
    } else if (!dataFailed && length > 0) {
      let frame = new Uint8Array(length);
      let o = 0;
      for (const p of parts) {
        frame.set(p, o);
        o += p.length;
      }
      if (cmdOfPacket & TxCmd.DEXT) {
        const c = this.txContext;
        if (popts & 1) this.insertChecksum(frame, c.ipcss, c.ipcse, c.ipcso);
        if (popts & 2) this.insertChecksum(frame, c.tucss, c.tucse, c.tucso);
      } else if (cmdOfPacket & TxCmd.IC) {
        this.insertChecksum(frame, legacyCss, 0, legacyCso);
      }
      if ((cmdOfPacket & TxCmd.VLE) && (regs[R.CTRL >> 2]! & Ctrl.VME) && frame.length >= 12) {
        const tagged = new Uint8Array(frame.length + 4);
        tagged.set(frame.subarray(0, 12));
        const vet = regs[R.VET >> 2]!;
        tagged[12] = (vet >> 8) & 0xff;
        tagged[13] = vet & 0xff;
        tagged[14] = special >> 8;
        tagged[15] = special & 0xff;
        tagged.set(frame.subarray(12), 16);
        frame = tagged;
      }
      if ((regs[R.TCTL >> 2]! & Tctl.PSP) && frame.length < ETHERNET_MIN_FRAME) {
        const padded = new Uint8Array(ETHERNET_MIN_FRAME);
        padded.set(frame);
        frame = padded;
      }
      // IFCS clear would send the frame without an FCS (software appended one); the wire
      // carries frames without FCS either way, so only the statistics differ.
      const fcs = cmdOfPacket & TxCmd.IFCS ? ETHERNET_FCS_BYTES : 0;
      end = time + frameWireCycles(frame.length, this.wire?.bitsPerSecond ?? 1e9);
      this.txFreeAt = end;
      this.sent(frame, fcs, time);
    }
    if (regs[R.TDH >> 2] !== regs[R.TDT >> 2]) this.txTimer?.schedule(Math.max(end, this.now()));
  }

  /** Puts a finished frame on the wire (or back into the receiver in MAC loopback). */
  private sent(frame: Uint8Array, fcs: number, time: number): void {
    const total = frame.length + fcs;
    this.stat(R.GPTC, 1);
    this.stat(R.TPT, 1);
    this.stat(R.GOTCL, total);
    this.stat(R.TOTL, total);
    this.stat(TX_SIZE_BUCKETS[sizeBucket(total)]!, 1);
    if (frame[0]! & 1) this.stat(isBroadcast(frame) ? R.BPTC : R.MPTC, 1);
    this.counters.txFrames++;
    this.counters.txBytes += frame.length;
    if ((this.regs[R.RCTL >> 2]! & Rctl.LBM_MASK) === Rctl.LBM_MAC) {
      const copy = frame.slice();
      const at = this.txFreeAt;
      this.slot?.clock?.at(at, () => this.receiveFrame(copy, at), `${this.name} loopback`);
      return;
    }
    if (!this.wire || !this.phy.linkUp) {
      this.counters.txLost++;
      return;
    }
    this.wire.send(frame, time);
  }

  private completeDesc(base: number, index: number, cmd: number): void {
    if ((cmd & (TxCmd.RS | TxCmd.RPS)) === 0) return;
    const addr = base + index * TX_DESC + 12;
    const sta = this.dmaRead32(addr);
    if (sta === -1 && !this.dmaWrite32(addr, TxSta.DD)) {
      this.errors.dma++;
      return;
    }
    if (!this.dmaWrite32(addr, ((sta & ~0x0f) | TxSta.DD) >>> 0)) this.errors.dma++;
  }

  /** Ones' complement checksum of [start, end] (end 0: to the frame's end) stored big-endian at `at`. */
  private insertChecksum(frame: Uint8Array, start: number, end: number, at: number): void {
    const stop = end === 0 ? frame.length : Math.min(end + 1, frame.length);
    if (start >= stop || at + 2 > frame.length) return;
    const sum = internetChecksum(frame, start, stop);
    frame[at] = sum >> 8;
    frame[at + 1] = sum & 0xff;
  }

  // ------------------------------------------------------------------ receive

  private accepts(frame: Uint8Array): boolean {
    const rctl = this.regs[R.RCTL >> 2]!;
    if (isBroadcast(frame)) return (rctl & (Rctl.BAM | Rctl.UPE | Rctl.MPE)) !== 0;
    const multicast = (frame[0]! & 1) !== 0;
    if (rctl & Rctl.UPE) return true;
    if (multicast && (rctl & Rctl.MPE)) return true;
    if (this.exactMatch(frame)) return true;
    if (!multicast) return false;
    const mo = (rctl >> Rctl.MO_SHIFT) & 3;
    const a4 = frame[4]!, a5 = frame[5]!;
    const hash = (mo === 0 ? (a4 >> 4) | (a5 << 4) : mo === 1 ? (a4 >> 3) | (a5 << 5) : mo === 2 ? (a4 >> 2) | (a5 << 6) : a4 | (a5 << 8)) & 0xfff;
    return ((this.regs[(R.MTA >> 2) + (hash >> 5)]! >>> (hash & 31)) & 1) === 1;
  }

  private exactMatch(frame: Uint8Array): boolean {
    const lo = frame[0]! | (frame[1]! << 8) | (frame[2]! << 16) | (frame[3]! << 24);
    const hi = frame[4]! | (frame[5]! << 8);
    for (let n = 0; n < 16; n++) {
      const rah = this.regs[(R.RAH0 >> 2) + 2 * n]!;
      if ((rah & RAH_AV) === 0 || ((rah >>> 16) & 3) !== 0) continue;
      if ((this.regs[(R.RAL0 >> 2) + 2 * n]! | 0) === lo && (rah & 0xffff) === hi) return true;
    }
    return false;
  }

  private rxBufferSize(): number {
    const rctl = this.regs[R.RCTL >> 2]!;
    const bsize = (rctl >> Rctl.BSIZE_SHIFT) & 3;
    if (rctl & Rctl.BSEX) return bsize === 0 ? 2048 : 0x8000 >> bsize; // 16384, 8192, 4096
    return 2048 >> bsize;
  }

  /** A frame (no FCS) whose last bit arrived from the wire at `time`. */
  receiveFrame(frame: Uint8Array, time: number): void {
    const regs = this.regs;
    const rctl = regs[R.RCTL >> 2]!;
    const wireLen = Math.max(frame.length, ETHERNET_MIN_FRAME) + ETHERNET_FCS_BYTES;
    this.stat(R.TPR, 1);
    this.stat(R.TORL, wireLen);
    if (!this.phy.linkUp || (rctl & Rctl.EN) === 0 || frame.length < 14) {
      this.counters.rxFiltered++;
      return;
    }
    if (frame.length < ETHERNET_MIN_FRAME) {
      // The sender's MAC pads short frames; a peer that hands the wire a short one gets it padded.
      const padded = new Uint8Array(ETHERNET_MIN_FRAME);
      padded.set(frame);
      frame = padded;
    }
    const vet = regs[R.VET >> 2]!;
    const tagged = ((frame[12]! << 8) | frame[13]!) === vet;
    if (frame.length > ETHERNET_MAX_FRAME + (tagged ? 4 : 0) && (rctl & Rctl.LPE) === 0) {
      this.stat(R.ROC, 1);
      this.counters.rxOversize++;
      return;
    }
    if (!this.accepts(frame)) {
      this.counters.rxFiltered++;
      return;
    }
    let special = 0, status = RxSta.DD | RxSta.IXSM;
    if (tagged && (regs[R.CTRL >> 2]! & Ctrl.VME)) {
      special = (frame[14]! << 8) | frame[15]!;
      if (rctl & Rctl.VFE) {
        const vid = special & 0xfff;
        if (((regs[(R.VFTA >> 2) + (vid >> 5)]! >>> (vid & 31)) & 1) === 0) {
          this.counters.rxFiltered++;
          return;
        }
      }
      const stripped = new Uint8Array(frame.length - 4);
      stripped.set(frame.subarray(0, 12));
      stripped.set(frame.subarray(16), 12);
      frame = stripped;
      status |= RxSta.VP;
    }
    const data = rctl & Rctl.SECRC ? frame : appendFcs(frame);
    const count = regs[R.RDLEN >> 2]! / RX_DESC;
    const rdt = regs[R.RDT >> 2]!;
    let rdh = regs[R.RDH >> 2]!;
    if (count === 0 || rdh >= count || rdt >= count) {
      this.errors.badRing++;
      this.missed();
      return;
    }
    const bufSize = this.rxBufferSize();
    const needed = Math.ceil(data.length / bufSize);
    const free = (rdt - rdh + count) % count;
    if (free < needed) {
      this.missed();
      return;
    }
    const base = regs[R.RDBAH >> 2]! * 0x100000000 + regs[R.RDBAL >> 2]!;
    const d = this.descBuf;
    for (let k = 0; k < needed; k++) {
      const descAddr = base + rdh * RX_DESC;
      if (descAddr + RX_DESC > 0x100000000 || !this.readDesc(descAddr)) {
        this.missed();
        return;
      }
      const addr = (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
      const hi = d[4]! | (d[5]! << 8) | (d[6]! << 16) | (d[7]! << 24);
      const chunk = data.subarray(k * bufSize, Math.min(data.length, (k + 1) * bufSize));
      if (hi !== 0 || !this.dmaWrite(addr, chunk)) {
        this.errors.dma++;
        this.missed();
        return;
      }
      const last = k === needed - 1;
      const wb = new Uint8Array(8);
      wb[0] = chunk.length & 0xff;
      wb[1] = chunk.length >> 8;
      wb[4] = status | (last ? RxSta.EOP : 0);
      wb[6] = special & 0xff;
      wb[7] = special >> 8;
      if (!this.dmaWrite(descAddr + 8, wb)) this.errors.dma++;
      rdh = (rdh + 1) % count;
      regs[R.RDH >> 2] = rdh;
    }
    const total = frame.length + ETHERNET_FCS_BYTES;
    this.stat(R.GPRC, 1);
    this.stat(R.GORCL, total);
    this.stat(RX_SIZE_BUCKETS[sizeBucket(total)]!, 1);
    if (frame[0]! & 1) this.stat(isBroadcast(frame) ? R.BPRC : R.MPRC, 1);
    this.counters.rxFrames++;
    this.counters.rxBytes += frame.length;
    const left = (rdt - rdh + count) % count;
    const threshold = count >> (((rctl >> Rctl.RDMTS_SHIFT) & 3) + 1);
    if (left <= threshold) this.raise(Icr.RXDMT0);
    this.rxInterrupt(time);
  }

  private missed(): void {
    this.stat(R.MPC, 1);
    this.stat(R.RNBC, 1);
    this.counters.rxMissed++;
    this.raise(Icr.RXO);
  }
}

function isBroadcast(frame: Uint8Array): boolean {
  return (frame[0]! & frame[1]! & frame[2]! & frame[3]! & frame[4]! & frame[5]!) === 0xff;
}
