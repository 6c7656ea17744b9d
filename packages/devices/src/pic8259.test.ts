import { describe, expect, it } from 'vitest';

import { FakeCpu } from '../test/fake-cpu.js';

import { IoPortBus, Pic8259Pair } from './index.js';

/** Linux 2.4's init_8259A(0), then the masks it restores (cascade unmasked on the master). */
function linuxInit(bus: IoPortBus, masterMask = 0xfb, slaveMask = 0xff): void {
  bus.out(0x21, 1, 0xff);
  bus.out(0xa1, 1, 0xff);
  bus.out(0x20, 1, 0x11); // ICW1: edge, cascade, ICW4
  bus.out(0x21, 1, 0x20); // ICW2: IR0-7 at 0x20-0x27
  bus.out(0x21, 1, 0x04); // ICW3: slave on IR2
  bus.out(0x21, 1, 0x01); // ICW4: 8086 mode, normal EOI
  bus.out(0xa0, 1, 0x11);
  bus.out(0xa1, 1, 0x28); // IR8-15 at 0x28-0x2f
  bus.out(0xa1, 1, 0x02); // cascade identity 2
  bus.out(0xa1, 1, 0x01);
  bus.out(0x21, 1, masterMask);
  bus.out(0xa1, 1, slaveMask);
}

function setup(): { cpu: FakeCpu; bus: IoPortBus; pic: Pic8259Pair } {
  const cpu = new FakeCpu();
  const bus = new IoPortBus();
  const pic = new Pic8259Pair({ cpu }).attach(bus);
  return { cpu, bus, pic };
}

/** Linux's mask_and_ack_8259A EOI: specific EOI (to the slave, then the master's IR2). */
function eoi(bus: IoPortBus, irq: number): void {
  if (irq >= 8) {
    bus.out(0xa0, 1, 0x60 | (irq & 7));
    bus.out(0x20, 1, 0x62);
  } else {
    bus.out(0x20, 1, 0x60 | irq);
  }
}

describe('8259A initialisation', () => {
  it('starts as the BIOS left it and takes Linux 2.4 init_8259A', () => {
    const { cpu, bus, pic } = setup();
    expect(pic.master.vectorBase).toBe(0x08);
    expect(pic.slave.vectorBase).toBe(0x70);
    expect(pic.imr).toBe(0xfffb);
    linuxInit(bus);
    expect(pic.master.vectorBase).toBe(0x20);
    expect(pic.slave.vectorBase).toBe(0x28);
    expect(pic.master.initCount).toBe(1);
    expect(pic.slave.initCount).toBe(1);
    expect(pic.master.icw3).toBe(0x04);
    expect(pic.slave.icw3).toBe(0x02);
    expect(pic.master.autoEoi).toBe(false);
    expect(pic.master.x86Mode).toBe(true);
    expect(bus.in(0x21, 1)).toBe(0xfb);
    expect(bus.in(0xa1, 1)).toBe(0xff);
    expect(cpu.intr).toBe(false);
    expect(typeof cpu.source).toBe('function');
  });

  it('ICW1 clears the IMR, the ISR and the edge latches; a line held high needs a new edge', () => {
    const { bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    pic.raise(3);
    expect(pic.irr & 0x08).toBe(0x08);
    bus.out(0x20, 1, 0x11);
    bus.out(0x21, 1, 0x20);
    bus.out(0x21, 1, 0x04);
    bus.out(0x21, 1, 0x01);
    expect(pic.master.irr).toBe(0);
    expect(pic.master.imr).toBe(0);
    pic.raise(3); // already high: no edge
    expect(pic.master.irr).toBe(0);
    pic.lower(3);
    pic.raise(3);
    expect(pic.master.irr).toBe(0x08);
  });

  it('ICW1 with auto-EOI leaves no ISR bit; an ICW sequence without ICW4 zeroes its functions', () => {
    const { cpu, bus, pic } = setup();
    bus.out(0x20, 1, 0x11);
    bus.out(0x21, 1, 0x20);
    bus.out(0x21, 1, 0x04);
    bus.out(0x21, 1, 0x03); // auto EOI
    bus.out(0x21, 1, 0x00);
    pic.raise(1);
    expect(cpu.ack()).toBe(0x21);
    expect(pic.isr).toBe(0);
    bus.out(0x20, 1, 0x10); // ICW1 without IC4: ICW2 then ICW3 end the sequence
    bus.out(0x21, 1, 0x40);
    bus.out(0x21, 1, 0x04);
    expect(pic.master.icwStep).toBe(0);
    expect(pic.master.autoEoi).toBe(false);
    expect(pic.master.x86Mode).toBe(false);
  });
});

describe('8259A requests, acknowledge and EOI', () => {
  it('serves by fixed priority, nests higher ones, and EOIs (non-specific and specific)', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    pic.raise(5);
    pic.raise(3);
    expect(cpu.intr).toBe(true);
    expect(cpu.ack()).toBe(0x23);
    expect(pic.isr).toBe(0x08);
    expect(pic.irr).toBe(0x20);
    expect(cpu.intr).toBe(false); // IRQ5 waits behind IRQ3 in service
    pic.raise(1);
    expect(cpu.intr).toBe(true); // higher priority nests
    expect(cpu.ack()).toBe(0x21);
    expect(pic.isr).toBe(0x0a);
    bus.out(0x20, 1, 0x20); // non-specific EOI: the highest in service (IRQ1)
    expect(pic.isr).toBe(0x08);
    expect(cpu.intr).toBe(false);
    bus.out(0x20, 1, 0x63); // specific EOI for IRQ3
    expect(pic.isr).toBe(0);
    expect(cpu.intr).toBe(true);
    expect(cpu.ack()).toBe(0x25);
    eoi(bus, 5);
    expect(pic.isr).toBe(0);
    expect(pic.stats.acknowledged.slice(0, 6)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('edge-triggered: a line held high interrupts once; lowering and raising again interrupts again', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    pic.raise(4);
    expect(cpu.ack()).toBe(0x24);
    eoi(bus, 4);
    expect(cpu.intr).toBe(false);
    pic.lower(4);
    pic.raise(4);
    expect(cpu.ack()).toBe(0x24);
    eoi(bus, 4);
    pic.pulse(6); // a pulse latches without leaving the line high
    expect(cpu.ack()).toBe(0x26);
    eoi(bus, 6);
    expect(cpu.intr).toBe(false);
  });

  it('masks with OCW1: a masked request waits in the IRR', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x10, 0x00);
    pic.raise(4);
    expect(pic.irr & 0x10).toBe(0x10);
    expect(cpu.intr).toBe(false);
    bus.out(0x21, 1, 0x00);
    expect(cpu.intr).toBe(true);
    expect(cpu.ack()).toBe(0x24);
  });

  it('reads the IRR and ISR with OCW3, as i8259A_irq_real does', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    pic.raise(7);
    pic.raise(6);
    pic.raise(12);
    expect(bus.in(0x20, 1)).toBe(0xc4); // IRR by default: 7, 6 and the cascade
    expect(bus.in(0xa0, 1)).toBe(0x10);
    expect(cpu.ack()).toBe(0x2c); // the slave's IRQ12 via IR2 comes before IRQ6
    bus.out(0x20, 1, 0x0b);
    bus.out(0xa0, 1, 0x0b);
    expect(bus.in(0x20, 1)).toBe(0x04);
    expect(bus.in(0xa0, 1)).toBe(0x10);
    bus.out(0x20, 1, 0x0a);
    expect(bus.in(0x20, 1)).toBe(0xc0);
    bus.out(0x20, 1, 0x0c); // poll: acknowledges the highest request
    expect(pic.master.pending()).toBe(-1); // IR2 in service blocks 6 and 7
    expect(bus.in(0x20, 1)).toBe(0x00);
  });

  it('cascade: slave IRQs come through IR2 with the slave priority, and need both EOIs', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    pic.raise(3);
    pic.raise(9);
    expect(cpu.ack()).toBe(0x29); // IRQ9 (via IR2) outranks IRQ3
    expect(pic.isr).toBe(0x0204);
    pic.raise(8);
    expect(cpu.intr).toBe(false); // IR2 is in service: the whole slave waits (not special fully nested)
    pic.raise(0);
    expect(cpu.ack()).toBe(0x20);
    eoi(bus, 0);
    bus.out(0xa0, 1, 0x61); // slave EOI only
    expect(cpu.intr).toBe(false); // the master still has IR2 in service
    bus.out(0x20, 1, 0x62);
    expect(cpu.intr).toBe(true);
    expect(cpu.ack()).toBe(0x28);
    eoi(bus, 8);
    expect(cpu.ack()).toBe(0x23);
    eoi(bus, 3);
    expect(pic.isr).toBe(0);
    expect(cpu.intr).toBe(false);
  });

  it('spurious IRQ7 and IRQ15 when the request goes away before the acknowledge', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    pic.raise(5);
    expect(cpu.intr).toBe(true);
    pic.lower(5); // gone before INTA; INT stays up
    expect(cpu.intr).toBe(true);
    expect(cpu.ack()).toBe(0x27);
    expect(pic.isr).toBe(0); // no ISR bit: what Linux's i8259A_irq_real checks
    expect(cpu.intr).toBe(false);
    pic.raise(11);
    pic.lower(11);
    expect(cpu.ack()).toBe(0x2f);
    expect(pic.isr).toBe(0x0004); // the master did acknowledge IR2
    bus.out(0x20, 1, 0x62);
    expect(pic.stats.spurious).toEqual([1, 1]);
    // Masking after INT was raised also ends in the default vector.
    pic.raise(4);
    bus.out(0x21, 1, 0x10);
    expect(cpu.ack()).toBe(0x27);
    bus.out(0x21, 1, 0x00);
    expect(cpu.ack()).toBe(0x24);
  });

  it('level-triggered inputs (ELCR) follow the line and interrupt again after EOI while high', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    bus.out(0x4d1, 1, 0x04); // IRQ10 level-triggered
    expect(bus.in(0x4d1, 1)).toBe(0x04);
    bus.out(0x4d0, 1, 0xff);
    expect(bus.in(0x4d0, 1)).toBe(0xf8); // IRQ0-2 are always edge
    const a = pic.line(10, 'nic-a'), b = pic.line(10, 'nic-b');
    a.raise();
    b.raise();
    expect(cpu.ack()).toBe(0x2a);
    eoi(bus, 10);
    expect(cpu.ack()).toBe(0x2a); // still asserted
    a.lower();
    eoi(bus, 10);
    expect(cpu.ack()).toBe(0x2a); // b still holds the shared line
    b.lower();
    eoi(bus, 10);
    expect(cpu.intr).toBe(false);
    expect(pic.irr).toBe(0);
  });

  it('rotation and set-priority commands change the priority order', () => {
    const { cpu, bus, pic } = setup();
    linuxInit(bus, 0x00, 0x00);
    bus.out(0x20, 1, 0xc4); // IR4 lowest: IR5 highest
    pic.raise(3);
    pic.raise(6);
    expect(cpu.ack()).toBe(0x26);
    bus.out(0x20, 1, 0xa0); // rotate on non-specific EOI: IR6 becomes lowest
    expect(pic.master.lowestPriority).toBe(6);
    expect(cpu.ack()).toBe(0x23);
    bus.out(0x20, 1, 0x20);
    bus.out(0x20, 1, 0xc7); // back to fixed priority
    expect(pic.master.lowestPriority).toBe(7);
  });

  it('refuses IRQ 2 and out-of-range IRQs', () => {
    const { pic } = setup();
    expect(() => pic.raise(2)).toThrow(/IRQ 9/);
    expect(() => pic.raise(16)).toThrow(RangeError);
    expect(() => pic.setLevelTriggered(0, true)).toThrow(/edge/);
  });
});

describe('INT without the latch (latchInt: false)', () => {
  it('INT follows the resolver: a vanished request drops INTR and produces no interrupt', () => {
    const cpu = new FakeCpu();
    const bus = new IoPortBus();
    const pic = new Pic8259Pair({ cpu, latchInt: false }).attach(bus);
    linuxInit(bus, 0x00, 0x00);
    pic.raise(5);
    expect(cpu.intr).toBe(true);
    pic.lower(5);
    expect(cpu.intr).toBe(false);
    pic.raise(12);
    bus.out(0xa1, 1, 0x10);
    expect(cpu.intr).toBe(false);
    bus.out(0xa1, 1, 0x00);
    expect(cpu.ack()).toBe(0x2c);
    expect(cpu.ack()).toBe(0x27); // an acknowledge with nothing pending is still the default IR7
    expect(pic.stats.spurious).toEqual([1, 0]);
  });
});
