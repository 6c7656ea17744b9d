import { Machine } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { FakeCpu } from '../test/fake-cpu.js';
import { TestCard } from '../test/test-card.js';

import { HostBridge, IoPortBus, PciBus, PciCommand, PciDevice, PciError, PciStatus, Pic8259Pair, machineDma } from './index.js';
import type { MmioSpace, RegisterHandler } from './index.js';

/** Records MMIO mappings instead of installing them. */
class FakeMmio implements MmioSpace {
  readonly maps = new Map<number, { size: number; handler: RegisterHandler }>();
  mapMmio(base: number, size: number, handler: RegisterHandler): void {
    for (const [b, m] of this.maps) if (base < b + m.size && b < base + size) throw new RangeError(`MMIO region 0x${base.toString(16)} overlaps another region`);
    this.maps.set(base, { size, handler });
  }
  unmapMmio(base: number): void {
    this.maps.delete(base);
  }
}

function setup() {
  const cpu = new FakeCpu();
  const io = new IoPortBus();
  const pic = new Pic8259Pair({ cpu }).attach(io);
  const mmio = new FakeMmio();
  const bus = new PciBus({ io, mmio, interrupts: pic });
  bus.add(new HostBridge({ memoryBytes: 64 << 20 }), 0);
  return { cpu, io, pic, mmio, bus };
}

/** Configuration read through mechanism #1, as the guest does it. */
function cfgRead(io: IoPortBus, dev: number, fn: number, reg: number, size: 1 | 2 | 4 = 4): number {
  io.out(0xcf8, 4, 0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc));
  return io.in(0xcfc + (reg & 3), size);
}

function cfgWrite(io: IoPortBus, dev: number, fn: number, reg: number, size: 1 | 2 | 4, v: number): void {
  io.out(0xcf8, 4, 0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc));
  io.out(0xcfc + (reg & 3), size, v);
}

describe('configuration mechanism #1', () => {
  it('CONFIG_ADDRESS takes dword accesses only, with the reserved bits zero', () => {
    const { io, bus } = setup();
    io.out(0xcf8, 4, 0xffffffff);
    expect(io.in(0xcf8, 4)).toBe(0x80fffffc);
    expect(bus.configAddress).toBe(0x80fffffc);
    io.out(0xcfb, 1, 0x01); // pci_check_direct's byte write: not CONFIG_ADDRESS
    io.out(0xcf8, 4, 0x80000000);
    expect(io.in(0xcf8, 4)).toBe(0x80000000);
  });

  it('reads the 440BX host bridge at 00:00.0 with dword, word and byte accesses', () => {
    const { io } = setup();
    expect(cfgRead(io, 0, 0, 0x00)).toBe(0x71928086);
    expect(cfgRead(io, 0, 0, 0x02, 2)).toBe(0x7192);
    expect(cfgRead(io, 0, 0, 0x0b, 1)).toBe(0x06); // class: bridge
    expect(cfgRead(io, 0, 0, 0x08) >>> 8).toBe(0x060000); // host bridge
    expect(cfgRead(io, 0, 0, 0x0e, 1)).toBe(0x00); // header type 0
    expect(cfgRead(io, 0, 0, 0x67, 1)).toBe(8); // DRB7: 64 MiB in 8 MiB rows
  });

  it('absent functions, other buses and a clear enable bit read all ones', () => {
    const { io } = setup();
    expect(cfgRead(io, 5, 0, 0)).toBe(0xffffffff);
    expect(cfgRead(io, 0, 3, 0, 2)).toBe(0xffff);
    io.out(0xcf8, 4, 0x80010000); // bus 1
    expect(io.in(0xcfc, 4)).toBe(0xffffffff);
    io.out(0xcf8, 4, 0x00000000); // enable clear
    expect(io.in(0xcfc, 4)).toBe(0xffffffff);
    cfgWrite(io, 5, 0, 0x04, 2, 0xffff); // ignored
  });
});

describe('PciDevice configuration header', () => {
  it('presents IDs, class, subsystem, pin; masks writes per bit; status bits are write-one-to-clear', () => {
    const { io, bus } = setup();
    const card = new TestCard();
    expect(bus.add(card)).toEqual({ bus: 0, device: 1, fn: 0 });
    expect(cfgRead(io, 1, 0, 0x00)).toBe(0x12341af4);
    expect(cfgRead(io, 1, 0, 0x08)).toBe(0xff000002);
    expect(cfgRead(io, 1, 0, 0x2c)).toBe(0x00011af4);
    expect(cfgRead(io, 1, 0, 0x3d, 1)).toBe(1);
    cfgWrite(io, 1, 0, 0x00, 4, 0); // read-only
    expect(cfgRead(io, 1, 0, 0x00)).toBe(0x12341af4);
    cfgWrite(io, 1, 0, 0x04, 2, 0xffff);
    expect(cfgRead(io, 1, 0, 0x04, 2)).toBe(0x0557);
    cfgWrite(io, 1, 0, 0x3c, 1, 0x0b);
    cfgWrite(io, 1, 0, 0x3d, 1, 0x04); // pin is read-only
    expect(cfgRead(io, 1, 0, 0x3c, 2)).toBe(0x010b);
    card.config[0x07] = card.config[0x07]! | (PciStatus.RECEIVED_MASTER_ABORT >> 8);
    expect(cfgRead(io, 1, 0, 0x06, 2)).toBe(0x2200);
    cfgWrite(io, 1, 0, 0x06, 2, 0x2000);
    expect(cfgRead(io, 1, 0, 0x06, 2)).toBe(0x0200);
  });

  it('BAR sizing: write all ones, read back the size mask with the type bits', () => {
    const { io, bus } = setup();
    bus.add(new TestCard(), 3);
    const size = (bar: number): number => {
      cfgWrite(io, 3, 0, 0x10 + 4 * bar, 4, 0xffffffff);
      const v = cfgRead(io, 3, 0, 0x10 + 4 * bar);
      cfgWrite(io, 3, 0, 0x10 + 4 * bar, 4, 0);
      return v;
    };
    expect(size(0)).toBe(0xffffffe1); // 32 bytes of I/O
    expect(size(1)).toBe(0xfffff000); // 4 KiB memory
    expect(size(2)).toBe(0xffffff88); // 128 bytes, prefetchable
    expect(size(3)).toBe(0); // not implemented
    expect(cfgRead(io, 3, 0, 0x10)).toBe(0x00000001);
  });

  it('rejects malformed BARs and a taken slot', () => {
    const { bus } = setup();
    expect(() => new PciDevice({ name: 'bad', vendorId: 1, deviceId: 1, classCode: 0, bars: [{ kind: 'io', size: 24 }] })).toThrow(PciError);
    expect(() => new PciDevice({ name: 'bad', vendorId: 1, deviceId: 1, classCode: 0, bars: [{ kind: 'io', size: 512 }] })).toThrow(/4-256 bytes/);
    expect(() => bus.add(new TestCard(), 0)).toThrow(expect.objectContaining({ code: 'PCI_SLOT_IN_USE' }));
    const c = new TestCard();
    bus.add(c, 4);
    expect(() => bus.add(c, 5)).toThrow(/already on a bus at 00:04.0/);
  });
});

describe('decoding', () => {
  it('a BAR decodes only with an address and the command bit, and follows when software moves it', () => {
    const { io, mmio, bus } = setup();
    const card = new TestCard();
    bus.add(card, 2);
    cfgWrite(io, 2, 0, 0x10, 4, 0xc000);
    cfgWrite(io, 2, 0, 0x14, 4, 0xe0000000);
    expect(io.find(0xc000)).toBeNull();
    expect(mmio.maps.size).toBe(0);
    cfgWrite(io, 2, 0, 0x04, 2, PciCommand.IO);
    expect(io.find(0xc000)?.name).toBe('testcard BAR0');
    expect(mmio.maps.size).toBe(0);
    io.out(0xc005, 1, 0x77);
    expect(card.io[5]).toBe(0x77);
    cfgWrite(io, 2, 0, 0x04, 2, PciCommand.IO | PciCommand.MEMORY);
    expect([...mmio.maps.keys()]).toEqual([0xe0000000]);
    mmio.maps.get(0xe0000000)!.handler.write(0x20, 4, 0xabcd);
    expect(card.mmio[8]).toBe(0xabcd);
    cfgWrite(io, 2, 0, 0x10, 4, 0xd000); // moved
    expect(io.find(0xc000)).toBeNull();
    expect(io.in(0xd005, 1)).toBe(0x77);
    expect(card.barMapping(0)).toEqual({ index: 0, kind: 'io', base: 0xd000, size: 32 });
    cfgWrite(io, 2, 0, 0x04, 2, 0);
    expect(io.find(0xd000)).toBeNull();
    expect(mmio.maps.size).toBe(0);
    expect(card.describe()).toMatch(/^00:02.0 testcard \[0x1af4:0x1234\] cmd=0x0000 irq=10/);
  });

  it('a small memory BAR is mapped with its page; the rest of the page reads all ones', () => {
    const { io, mmio, bus } = setup();
    const card = new TestCard();
    bus.add(card, 2);
    cfgWrite(io, 2, 0, 0x18, 4, 0xe0001080);
    cfgWrite(io, 2, 0, 0x04, 2, PciCommand.MEMORY);
    const m = mmio.maps.get(0xe0001000)!;
    expect(m.size).toBe(0x1000);
    m.handler.write(0x85, 1, 0x42);
    expect(card.small[5]).toBe(0x42);
    expect(m.handler.read(0x85, 1)).toBe(0x42);
    expect(m.handler.read(0x10, 4)).toBe(-1);
  });

  it('a BAR put over another device does not decode there and is reported, without throwing', () => {
    const { io, bus } = setup();
    const card = new TestCard();
    bus.add(card, 2);
    cfgWrite(io, 2, 0, 0x10, 4, 0x20); // over the PIC
    cfgWrite(io, 2, 0, 0x04, 2, PciCommand.IO);
    expect(io.find(0x20)?.name).toBe('pic-master');
    expect(card.barMapping(0)).toBeNull();
    expect(card.conflicts[0]).toMatchObject({ index: 0, base: 0x20 });
    expect(card.conflicts[0]!.reason).toMatch(/already claimed by pic-master/);
    // the BAR's size mask as an address is above 64 KiB: nothing decodes, nothing reported
    cfgWrite(io, 2, 0, 0x10, 4, 0xffffffff);
    expect(card.conflicts).toHaveLength(1);
  });
});

describe('firmware resource assignment', () => {
  it('sizes and places every BAR, routes INTA#, makes the IRQ level-triggered and enables decoding', () => {
    const { io, mmio, pic, bus } = setup();
    const a = new TestCard('card-a', 0x1111);
    const b = new TestCard('card-b', 0x2222);
    bus.add(a, 1);
    bus.add(b, 3);
    const assigned = bus.assignResources();
    expect(assigned.map((f) => f.name)).toEqual(['host-bridge', 'card-a', 'card-b']);
    expect(assigned[0]).toMatchObject({ bars: [], pin: 0, irq: null });
    expect(assigned[1]!.bars).toEqual([
      { index: 0, kind: 'io', base: 0x1000, size: 32, prefetchable: false },
      { index: 1, kind: 'mem', base: 0xf0000000, size: 0x1000, prefetchable: false },
      { index: 2, kind: 'mem', base: 0xf0001000, size: 128, prefetchable: true },
    ]);
    expect(assigned[2]!.bars.map((x) => x.base)).toEqual([0x1020, 0xf0002000, 0xf0003000]);
    // INTA# of device 1 -> PIRQA -> IRQ 10; device 3 -> PIRQC -> IRQ 11
    expect(assigned[1]).toMatchObject({ pin: 1, irq: 10 });
    expect(assigned[2]).toMatchObject({ pin: 1, irq: 11 });
    expect(cfgRead(io, 3, 0, 0x3c, 1)).toBe(11);
    expect(io.in(0x4d1, 1)).toBe(0x0c); // ELCR: IRQ10 and 11 level
    expect(cfgRead(io, 1, 0, 0x04, 2)).toBe(PciCommand.IO | PciCommand.MEMORY);
    expect(io.find(0x1020)?.name).toBe('card-b BAR0');
    expect([...mmio.maps.keys()].sort()).toEqual([0xf0000000, 0xf0001000, 0xf0002000, 0xf0003000]);
    expect(pic.slave.elcr).toBe(0x0c);
    expect(cfgRead(io, 0, 0, 0x04, 2)).toBe(PciCommand.MEMORY | PciCommand.BUS_MASTER); // the host bridge keeps its bits
  });

  it('reports exhaustion with a typed error', () => {
    const { bus } = setup();
    bus.add(new TestCard());
    expect(() => bus.assignResources({ ioBase: 0xfff0 })).toThrow(expect.objectContaining({ code: 'PCI_RESOURCES_EXHAUSTED' }));
    expect(() => bus.assignResources({ memBase: 0xfebff000 })).toThrow(/no memory space left/);
  });
});

describe('interrupts and bus mastering', () => {
  it('INTx reaches the routed IRQ, shows in status bit 3, and INTx Disable silences the pin', () => {
    const { cpu, io, pic, bus } = setup();
    const card = new TestCard();
    bus.add(card, 1);
    bus.assignResources();
    io.out(0xa1, 1, 0x00); // unmask the slave
    card.raiseIrq(true);
    expect(card.status & PciStatus.INTERRUPT).toBe(PciStatus.INTERRUPT);
    expect(pic.irr & (1 << 10)).toBe(1 << 10);
    expect(cpu.intr).toBe(true);
    expect(cpu.ack()).toBe(0x72); // the BIOS's slave base 0x70 + IRQ10 - 8
    cfgWrite(io, 1, 0, 0x04, 2, card.command | PciCommand.INTX_DISABLE);
    expect(pic.irr & (1 << 10)).toBe(0);
    expect(card.status & PciStatus.INTERRUPT).toBe(PciStatus.INTERRUPT);
    cfgWrite(io, 1, 0, 0x04, 2, card.command & ~PciCommand.INTX_DISABLE);
    expect(pic.irr & (1 << 10)).toBe(1 << 10);
    card.raiseIrq(false);
    expect(pic.irr).toBe(0);
    bus.remove(card);
    expect(io.find(0x1000)).toBeNull();
  });

  it('DMA needs the bus-master bit; outside RAM it is a master abort', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const io = new IoPortBus().install(m);
    const bus = new PciBus({ io, mmio: m, dma: machineDma(m) });
    const card = new TestCard();
    bus.add(card, 1);
    bus.assignResources();
    m.writePhys(0x8000, new Uint8Array([1, 2, 3, 4, 5]));
    const regs = 0xf0000000;
    // through guest-visible MMIO, as a driver would program it
    m.writePhys32(0x9000, 0);
    m.cpu.physWrite(regs + 0x10, 4, 0x8000);
    m.cpu.physWrite(regs + 0x14, 4, 5);
    expect(card.dmaResult).toBe(false);
    expect(card.dmaRefused).toBe(1);
    bus.configWrite(1, 0, 0x04, 2, card.command | PciCommand.BUS_MASTER);
    m.cpu.physWrite(regs + 0x14, 4, 5);
    expect(card.dmaResult).toBe(true);
    expect([...m.readPhys(0x8100, 5)]).toEqual([1, 2, 3, 4, 5]);
    m.cpu.physWrite(regs + 0x10, 4, 0x200000);
    m.cpu.physWrite(regs + 0x14, 4, 16);
    expect(card.dmaResult).toBe(false);
    expect(card.dmaAborted).toBe(1);
    expect(card.status & PciStatus.RECEIVED_MASTER_ABORT).toBe(PciStatus.RECEIVED_MASTER_ABORT);
  });
});
