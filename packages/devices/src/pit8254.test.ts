import { CLOCK_HZ } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { FakeCpu } from '../test/fake-cpu.js';

import { Clock, IoPortBus, PIT_HZ, Pit8254, cyclesAtPitTick, pitLatch, pitTicksAt } from './index.js';
import type { IrqLine } from './index.js';

/** An IRQ line that records its transitions. */
function probe(): IrqLine & { rises: number[]; falls: number[]; now: () => number } {
  const p = {
    irq: 0,
    level: false,
    rises: [] as number[],
    falls: [] as number[],
    now: () => 0,
    raise() {
      if (!p.level) p.rises.push(p.now());
      p.level = true;
    },
    lower() {
      if (p.level) p.falls.push(p.now());
      p.level = false;
    },
    set(l: boolean) {
      if (l) p.raise();
      else p.lower();
    },
    pulse() {},
  };
  return p;
}

function setup(biosState = false) {
  const cpu = new FakeCpu();
  const clock = new Clock(cpu);
  const bus = new IoPortBus();
  const irq0 = probe();
  irq0.now = () => clock.now();
  const pit = new Pit8254(clock, { irq0, biosState }).attach(bus);
  irq0.rises.length = 0; // forget connecting the line (it went high at cycle 0)
  return { cpu, clock, bus, pit, irq0 };
}

const LATCH = pitLatch(100);

describe('PIT clock arithmetic', () => {
  it('converts between CPU cycles and PIT ticks exactly, without drift', () => {
    expect(PIT_HZ).toBe(1_193_182);
    expect(LATCH).toBe(11932);
    expect(pitTicksAt(CLOCK_HZ)).toBe(PIT_HZ);
    expect(pitTicksAt(CLOCK_HZ * 3600)).toBe(PIT_HZ * 3600);
    expect(cyclesAtPitTick(0)).toBe(0);
    for (const t of [1, 2, 11931, 11932, 1_193_181, 1_193_182, 987_654_321, 4_000_000_000_000]) {
      const c = cyclesAtPitTick(t);
      expect(pitTicksAt(c)).toBe(t);
      expect(pitTicksAt(c - 1)).toBe(t - 1);
    }
  });
});

describe('channel 0 driving IRQ0', () => {
  it('mode 2 at HZ=100 (as Linux 2.4 programs it): a rising edge every LATCH ticks', () => {
    const { clock, bus, irq0 } = setup();
    bus.out(0x43, 1, 0x34); // channel 0, LSB/MSB, mode 2, binary
    bus.out(0x40, 1, LATCH & 0xff);
    bus.out(0x40, 1, LATCH >> 8);
    expect(irq0.level).toBe(true);
    clock.idleUntil(CLOCK_HZ); // one simulated second
    // 1 s / (11932 / 1193182 Hz) = 99.998 periods
    expect(irq0.rises.length).toBe(99);
    for (let i = 0; i < irq0.rises.length; i++) expect(irq0.rises[i]).toBe(cyclesAtPitTick(1 + (i + 1) * LATCH));
    // OUT is low for one PIT clock before each reload
    expect(irq0.rises[0]! - irq0.falls[0]!).toBe(cyclesAtPitTick(1 + LATCH) - cyclesAtPitTick(LATCH));
    expect(clock.stats().idle).toBe(CLOCK_HZ);
  });

  it('mode 3: a square wave, high for the first half', () => {
    const { clock, bus, irq0, pit } = setup();
    bus.out(0x43, 1, 0x36);
    bus.out(0x40, 1, 100);
    bus.out(0x40, 1, 0);
    const t0 = pitTicksAt(clock.now()) + 1;
    clock.idleUntil(cyclesAtPitTick(t0 + 1000));
    expect(irq0.falls[0]).toBe(cyclesAtPitTick(t0 + 50));
    expect(irq0.rises[0]).toBe(cyclesAtPitTick(t0 + 100));
    expect(irq0.falls.length).toBe(10);
    // the count goes down by two
    clock.idleUntil(cyclesAtPitTick(t0 + 1010));
    expect(pit.channels[0].count).toBe(80);
  });

  it('mode 0: OUT low until terminal count, then one rising edge', () => {
    const { clock, bus, irq0 } = setup();
    bus.out(0x43, 1, 0x30);
    expect(irq0.level).toBe(false);
    bus.out(0x40, 1, 0x10);
    bus.out(0x40, 1, 0x00);
    const t0 = pitTicksAt(clock.now());
    clock.idleUntil(cyclesAtPitTick(t0 + 200));
    expect(irq0.rises).toEqual([cyclesAtPitTick(t0 + 1 + 16)]);
    expect(irq0.level).toBe(true);
    expect(clock.pendingCount).toBe(0);
  });

  it('starts as the BIOS left it: mode 3, count 65536 (18.2 Hz)', () => {
    const { clock, irq0, pit } = setup(true);
    expect(pit.channels[0].mode).toBe(3);
    clock.idleUntil(CLOCK_HZ);
    expect(irq0.rises.length).toBe(18);
  });
});

describe('reading the count', () => {
  it('counter latch command then LSB, MSB (do_slow_gettimeoffset); the latch holds while time passes', () => {
    const { clock, bus } = setup();
    bus.out(0x43, 1, 0x34);
    bus.out(0x40, 1, LATCH & 0xff);
    bus.out(0x40, 1, LATCH >> 8);
    const t0 = pitTicksAt(clock.now()) + 1;
    clock.idleUntil(cyclesAtPitTick(t0 + 3 * LATCH + 1000));
    bus.out(0x43, 1, 0x00);
    clock.idleUntil(clock.now() + 1_000_000);
    const count = bus.in(0x40, 1) | (bus.in(0x40, 1) << 8);
    expect(count).toBe(LATCH - 1000);
    // Without a latch the reads see the running counter, LSB then MSB.
    const now = pitTicksAt(clock.now());
    const expected = LATCH - ((now - t0) % LATCH);
    expect(bus.in(0x40, 1) | (bus.in(0x40, 1) << 8)).toBe(expected);
  });

  it('LSB-only and MSB-only access, and a second latch before reading is ignored', () => {
    const { clock, bus } = setup();
    bus.out(0x43, 1, 0x54); // channel 1, LSB only, mode 2
    bus.out(0x41, 1, 200);
    const t0 = pitTicksAt(clock.now()) + 1;
    clock.idleUntil(cyclesAtPitTick(t0 + 50));
    bus.out(0x43, 1, 0x40);
    clock.idleUntil(cyclesAtPitTick(t0 + 60));
    bus.out(0x43, 1, 0x40);
    expect(bus.in(0x41, 1)).toBe(150);
    bus.out(0x43, 1, 0x64); // MSB only
    bus.out(0x41, 1, 0x12);
    clock.idleUntil(clock.now() + cyclesAtPitTick(10));
    expect(bus.in(0x41, 1)).toBe(0x11);
  });

  it('read-back command latches status and count', () => {
    const { clock, bus } = setup();
    bus.out(0x43, 1, 0x34);
    bus.out(0x40, 1, 0x00);
    bus.out(0x40, 1, 0x10); // 4096
    clock.idleUntil(clock.now() + cyclesAtPitTick(100));
    bus.out(0x43, 1, 0xc2); // read-back: count and status of channel 0
    const status = bus.in(0x40, 1);
    expect(status & 0x3f).toBe(0x34); // RW=3, mode 2, binary
    expect(status & 0x80).toBe(0x80); // OUT high
    expect(status & 0x40).toBe(0); // count loaded
    const count = bus.in(0x40, 1) | (bus.in(0x40, 1) << 8);
    expect(count).toBeGreaterThan(4096 - 102);
    expect(count).toBeLessThan(4096 - 97);
  });

  it('BCD counting', () => {
    const { clock, bus } = setup();
    bus.out(0x43, 1, 0x75); // channel 1, LSB/MSB, mode 2, BCD
    bus.out(0x41, 1, 0x00);
    bus.out(0x41, 1, 0x10); // 1000 in BCD
    const t0 = pitTicksAt(clock.now()) + 1;
    clock.idleUntil(cyclesAtPitTick(t0 + 1234));
    bus.out(0x43, 1, 0x40);
    expect(bus.in(0x41, 1) | (bus.in(0x41, 1) << 8)).toBe(0x0766); // 1000 - 234
  });
});

describe('channel 2 and port 0x61', () => {
  it('calibrate_tsc: mode 0 with the gate high; OUT2 appears in bit 5 after the count', () => {
    const { clock, bus, cpu } = setup();
    bus.out(0x61, 1, (bus.in(0x61, 1) & ~0x02) | 0x01);
    bus.out(0x43, 1, 0xb0);
    const CALIBRATE_LATCH = 5 * LATCH;
    bus.out(0x42, 1, CALIBRATE_LATCH & 0xff);
    bus.out(0x42, 1, CALIBRATE_LATCH >> 8);
    const start = cpu.cycles;
    let polls = 0;
    while ((bus.in(0x61, 1) & 0x20) === 0) {
      cpu.execute(1000); // the polling loop
      polls++;
    }
    const ms = ((cpu.cycles - start) / CLOCK_HZ) * 1000;
    expect(ms).toBeGreaterThan(49.9);
    expect(ms).toBeLessThan(50.1);
    expect(polls).toBeGreaterThan(80_000);
    expect(clock.pendingCount).toBe(0); // channel 2's OUT is not wired: no events
  });

  it('the gate suspends mode 0 counting and restarts mode 2', () => {
    const { clock, bus, pit } = setup();
    bus.out(0x43, 1, 0xb0); // channel 2, mode 0, gate low: holds
    bus.out(0x42, 1, 100);
    bus.out(0x42, 1, 0);
    clock.idleUntil(clock.now() + cyclesAtPitTick(50));
    expect(pit.channels[2].count).toBe(100);
    bus.out(0x61, 1, 0x01);
    clock.idleUntil(clock.now() + cyclesAtPitTick(31));
    expect(pit.channels[2].count).toBe(70);
    bus.out(0x61, 1, 0x00);
    clock.idleUntil(clock.now() + cyclesAtPitTick(500));
    expect(pit.channels[2].count).toBe(70);
    expect(bus.in(0x61, 1) & 0x21).toBe(0);
    bus.out(0x61, 1, 0x01);
    clock.idleUntil(clock.now() + cyclesAtPitTick(80));
    expect(bus.in(0x61, 1) & 0x20).toBe(0x20);
    bus.out(0x43, 1, 0xb4); // mode 2
    bus.out(0x42, 1, 10);
    bus.out(0x42, 1, 0);
    clock.idleUntil(clock.now() + cyclesAtPitTick(4));
    bus.out(0x61, 1, 0x00);
    bus.out(0x61, 1, 0x01); // rising gate reloads
    clock.idleUntil(clock.now() + cyclesAtPitTick(2));
    expect(pit.channels[2].count).toBe(9);
  });

  it('port 0x61 keeps the speaker bit and shows the refresh toggle', () => {
    const { clock, bus } = setup();
    bus.out(0x61, 1, 0x03);
    expect(bus.in(0x61, 1) & 0x03).toBe(0x03);
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      seen.add(bus.in(0x61, 1) & 0x10);
      clock.idleUntil(clock.now() + 10_000);
    }
    expect([...seen].sort()).toEqual([0, 0x10]);
  });
});
