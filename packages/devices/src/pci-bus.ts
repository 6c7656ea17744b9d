// PCI bus 0 behind a host bridge, reached through configuration mechanism #1 (PCI 2.2 section
// 3.2.2.3.2): CONFIG_ADDRESS at 0xCF8 (dword accesses only), CONFIG_DATA at 0xCFC-0xCFF (byte,
// word and dword). Absent functions read all ones. Each slot's INTA#-INTD# are swizzled onto the
// four PIRQ lines and routed to ISA IRQs as a PIIX's PIRQ route registers would; `assignResources`
// does what the BIOS did before Linux 2.4 booted: size every BAR, give it an address (I/O from
// 0x1000 up, memory from 0xF0000000 up), write the interrupt line register, make the routed IRQs
// level-triggered in the ELCR and enable decoding.

import type { Clock } from './clock.js';
import { hex, PciError } from './errors.js';
import type { AccessSize, IoPortBus, PortRange } from './io-port-bus.js';
import type { InterruptController } from './irq.js';
import { PciCommand, PciConfig, formatPciAddress } from './pci-types.js';
import type { DmaMemory, MmioSpace, PciAddress, PciFunction, PciSlot } from './pci-types.js';

export interface PciBusOptions {
  io: IoPortBus;
  mmio: MmioSpace;
  dma?: DmaMemory;
  interrupts?: InterruptController;
  clock?: Clock;
  /**
   * ISA IRQ of PIRQA..PIRQD. Default [10, 10, 11, 11], what SeaBIOS programs into the PIIX
   * (IRQs 9-11 are the ones an AT leaves free for PCI).
   */
  pirqRouting?: readonly [number, number, number, number];
  /** Register the configuration ports on `io` (default true). */
  claimPorts?: boolean;
}

export interface AssignOptions {
  /** First I/O address handed out (default 0x1000, above the ISA range). */
  ioBase?: number;
  /** First memory address handed out (default 0xF0000000); must be above RAM. */
  memBase?: number;
  /** Memory BARs must end below this (default 0xFEC00000, where the I/O APIC would be). */
  memLimit?: number;
  /** Enable I/O / memory decoding for functions that got such BARs (default true, as PC BIOSes do). */
  enableDecoding?: boolean;
}

export interface AssignedBar {
  index: number;
  kind: 'io' | 'mem';
  base: number;
  size: number;
  prefetchable: boolean;
}

export interface AssignedFunction {
  address: PciAddress;
  name: string;
  vendorId: number;
  deviceId: number;
  bars: AssignedBar[];
  /** Interrupt pin (1-4) and the IRQ written to the interrupt line register, or null without a pin. */
  pin: number;
  irq: number | null;
}

interface Entry {
  fn: PciFunction;
  address: PciAddress;
  slot: PciSlot;
}

const NO_DEVICE = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

export class PciBus {
  private readonly entries = new Map<number, Entry>();
  private readonly io: IoPortBus;
  private readonly mmio: MmioSpace;
  private readonly dma: DmaMemory | null;
  private readonly interrupts: InterruptController | null;
  private readonly clock: Clock | null;
  readonly pirqRouting: readonly [number, number, number, number];
  /** CONFIG_ADDRESS (0xCF8). */
  configAddress = 0;
  private ranges: PortRange[] = [];

  constructor(options: PciBusOptions) {
    this.io = options.io;
    this.mmio = options.mmio;
    this.dma = options.dma ?? null;
    this.interrupts = options.interrupts ?? null;
    this.clock = options.clock ?? null;
    this.pirqRouting = options.pirqRouting ?? [10, 10, 11, 11];
    if (options.claimPorts ?? true) {
      this.ranges.push(
        this.io.register(0xcf8, 4, {
          read: (off, size) => (off === 0 && size === 4 ? this.configAddress >>> 0 : NO_DEVICE[size]),
          write: (off, size, v) => {
            // Only a dword access is CONFIG_ADDRESS (byte accesses to 0xCF8-0xCFB are other chipset registers).
            if (off === 0 && size === 4) this.configAddress = (v & 0x80fffffc) >>> 0;
          },
        }, 'pci-config-address'),
      );
      this.ranges.push(
        this.io.register(0xcfc, 4, {
          read: (off, size) => this.dataRead(off, size),
          write: (off, size, v) => this.dataWrite(off, size, v),
        }, 'pci-config-data'),
      );
    }
  }

  private static key(device: number, fn: number): number {
    return (device << 3) | fn;
  }

  // ------------------------------------------------------------------ slots

  /**
   * Plugs `fn` in at 00:device.func (device: the first free slot from 1 when omitted). Its
   * interrupt pin is routed now, as the board's wiring is fixed.
   */
  add(fn: PciFunction, device?: number, func = 0): PciAddress {
    if (device === undefined) {
      device = 1;
      while (device < 32 && this.entries.has(PciBus.key(device, func))) device++;
      if (device === 32) throw new PciError('PCI_SLOT_IN_USE', `no free slot on bus 0 for ${fn.name}`);
    }
    if (!Number.isInteger(device) || device < 0 || device > 31 || !Number.isInteger(func) || func < 0 || func > 7) {
      throw new PciError('PCI_SLOT_IN_USE', `${fn.name}: 00:${device}.${func} is not a PCI address (device 0-31, function 0-7)`);
    }
    const key = PciBus.key(device, func);
    const taken = this.entries.get(key);
    if (taken) throw new PciError('PCI_SLOT_IN_USE', `00:${device.toString(16).padStart(2, '0')}.${func} is taken by ${taken.fn.name}; choose another slot for ${fn.name}`);
    const address: PciAddress = { bus: 0, device, fn: func };
    const pin = fn.configRead(PciConfig.INTERRUPT_PIN, 1);
    const irq = pin >= 1 && pin <= 4 && this.interrupts ? this.route(device, pin) : -1;
    const slot: PciSlot = {
      address,
      io: this.io,
      mmio: this.mmio,
      dma: this.dma,
      clock: this.clock,
      irq,
      interrupt: irq >= 0 ? this.interrupts!.line(irq, `${fn.name} INT${'ABCD'[pin - 1]}#`) : null,
    };
    this.entries.set(key, { fn, address, slot });
    fn.attach?.(slot);
    return address;
  }

  /** Unplugs `fn` (its BARs stop decoding, its interrupt line goes low). */
  remove(fn: PciFunction): void {
    for (const [k, e] of this.entries) {
      if (e.fn === fn) {
        fn.detach?.();
        e.slot.interrupt?.lower();
        this.entries.delete(k);
        return;
      }
    }
  }

  /** The PIRQ line (0-3) of a slot's pin, swizzled as on PIIX boards: (device - 1 + pin - 1) mod 4. */
  static pirqOf(device: number, pin: number): number {
    return (device - 1 + pin - 1 + 4) & 3;
  }

  /** The ISA IRQ that INTx `pin` (1-4) of `device` is wired to. */
  route(device: number, pin: number): number {
    return this.pirqRouting[PciBus.pirqOf(device, pin)]!;
  }

  /** Functions by address order. */
  list(): { address: PciAddress; fn: PciFunction }[] {
    return [...this.entries.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => ({ address: e.address, fn: e.fn }));
  }

  find(device: number, fn = 0): PciFunction | null {
    return this.entries.get(PciBus.key(device, fn))?.fn ?? null;
  }

  // ------------------------------------------------------------------ configuration access

  private decode(): Entry | null {
    const a = this.configAddress;
    if ((a & 0x80000000) === 0 || ((a >>> 16) & 0xff) !== 0) return null;
    return this.entries.get((a >>> 8) & 0xff) ?? null;
  }

  private dataRead(off: number, size: AccessSize): number {
    if ((this.configAddress & 0x80000000) === 0) return NO_DEVICE[size];
    const e = this.decode();
    if (!e) return NO_DEVICE[size];
    return e.fn.configRead((this.configAddress & 0xfc) | off, size);
  }

  private dataWrite(off: number, size: AccessSize, v: number): void {
    const e = this.decode();
    if (e) e.fn.configWrite((this.configAddress & 0xfc) | off, size, v);
  }

  /** Host-side configuration read (what pci_read_config_* does), bus 0 only. */
  configRead(device: number, fn: number, offset: number, size: AccessSize): number {
    const e = this.entries.get(PciBus.key(device, fn));
    return e ? e.fn.configRead(offset, size) : NO_DEVICE[size];
  }

  configWrite(device: number, fn: number, offset: number, size: AccessSize, value: number): void {
    this.entries.get(PciBus.key(device, fn))?.fn.configWrite(offset, size, value);
  }

  // ------------------------------------------------------------------ firmware

  /**
   * The BIOS's PCI resource pass, through configuration space only (so any PciFunction works):
   * size each BAR by writing all ones, assign it a naturally aligned address (memory BARs at
   * least page-aligned so each maps on its own pages), write the interrupt line register with the
   * routed IRQ and make that IRQ level-triggered, then enable decoding.
   */
  assignResources(options: AssignOptions = {}): AssignedFunction[] {
    let io = options.ioBase ?? 0x1000;
    let mem = options.memBase ?? 0xf0000000;
    const memLimit = options.memLimit ?? 0xfec00000;
    const enable = options.enableDecoding ?? true;
    const out: AssignedFunction[] = [];
    for (const { address, fn } of this.list()) {
      const rd = (off: number, size: AccessSize): number => fn.configRead(off, size);
      const wr = (off: number, size: AccessSize, v: number): void => fn.configWrite(off, size, v);
      const headerType = rd(PciConfig.HEADER_TYPE, 1) & 0x7f;
      const result: AssignedFunction = {
        address,
        name: fn.name,
        vendorId: rd(PciConfig.VENDOR_ID, 2),
        deviceId: rd(PciConfig.DEVICE_ID, 2),
        bars: [],
        pin: 0,
        irq: null,
      };
      out.push(result);
      if (headerType !== 0) continue; // bridges configure their own windows
      const cmd = rd(PciConfig.COMMAND, 2);
      wr(PciConfig.COMMAND, 2, cmd & ~(PciCommand.IO | PciCommand.MEMORY));
      let wantIo = false, wantMem = false;
      for (let i = 0; i < 6; i++) {
        const off = PciConfig.BAR0 + 4 * i;
        const orig = rd(off, 4);
        wr(off, 4, 0xffffffff);
        const probe = rd(off, 4) >>> 0;
        wr(off, 4, orig);
        if (probe === 0) continue;
        const isIo = (probe & 1) !== 0;
        if (isIo) {
          const mask = ((probe & ~0x3) | 0xffff0000) >>> 0;
          const size = (~mask + 1) >>> 0;
          const base = Math.ceil(io / size) * size;
          if (base + size > 0x10000) throw new PciError('PCI_RESOURCES_EXHAUSTED', `no I/O space left for ${fn.name} BAR${i} (${size} bytes at ${hex(base)}); use a lower ioBase`);
          wr(off, 4, base | 1);
          io = base + size;
          wantIo = true;
          result.bars.push({ index: i, kind: 'io', base, size, prefetchable: false });
        } else {
          const mask = (probe & ~0xf) >>> 0;
          const size = (~mask + 1) >>> 0;
          const type = (probe >> 1) & 3;
          const align = Math.max(size, 0x1000);
          const base = Math.ceil(mem / align) * align;
          if (base + size > memLimit) throw new PciError('PCI_RESOURCES_EXHAUSTED', `no memory space left below ${hex(memLimit)} for ${fn.name} BAR${i} (${size} bytes)`);
          wr(off, 4, base);
          mem = base + align;
          wantMem = true;
          result.bars.push({ index: i, kind: 'mem', base, size, prefetchable: (probe & 8) !== 0 });
          if (type === 2) i++; // a 64-bit BAR: its upper half stays 0 (below 4 GiB)
        }
      }
      const pin = rd(PciConfig.INTERRUPT_PIN, 1);
      if (pin >= 1 && pin <= 4) {
        result.pin = pin;
        if (this.interrupts) {
          const irq = this.route(address.device, pin);
          wr(PciConfig.INTERRUPT_LINE, 1, irq);
          this.interrupts.setLevelTriggered(irq, true);
          result.irq = irq;
        }
      }
      // Decoding was off while the BARs moved; now the old bits come back, plus the spaces assigned.
      wr(PciConfig.COMMAND, 2, enable ? cmd | (wantIo ? PciCommand.IO : 0) | (wantMem ? PciCommand.MEMORY : 0) : cmd);
    }
    return out;
  }

  describe(): string {
    return this.list()
      .map(({ address, fn }) => {
        const vd = this.configRead(address.device, address.fn, 0, 4);
        return `${formatPciAddress(address)} ${fn.name} [${hex(vd & 0xffff, 4)}:${hex(vd >>> 16, 4)}]`;
      })
      .join('\n');
  }

  detach(): void {
    for (const r of this.ranges) r.unregister();
    this.ranges = [];
  }
}
