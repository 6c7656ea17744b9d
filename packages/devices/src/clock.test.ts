import { Machine } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { FakeCpu } from '../test/fake-cpu.js';

import { Clock, ClockError, cyclesToSeconds, secondsToCycles } from './index.js';

describe('Clock: ordering', () => {
  it('runs events by time, then by the order they were scheduled', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const seen: string[] = [];
    clock.at(500, () => seen.push('c@500'), 'c');
    clock.at(100, () => seen.push('a@100'), 'a');
    clock.at(500, () => seen.push('d@500'), 'd');
    clock.at(100, () => seen.push('b@100'), 'b');
    clock.at(300, () => seen.push('x@300'), 'x');
    expect(cpu.deadline).toBe(100);
    expect(clock.pendingEvents().map((e) => e.name)).toEqual(['a', 'b', 'x', 'c', 'd']);
    cpu.execute(1000, 50);
    expect(seen).toEqual(['a@100', 'b@100', 'x@300', 'c@500', 'd@500']);
    expect(cpu.deadline).toBe(Infinity);
  });

  it('passes the scheduled time, fires at the first block boundary at or after it', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const fired: [number, number][] = [];
    clock.at(130, (t) => fired.push([t, cpu.cycles]));
    cpu.execute(400, 100);
    expect(fired).toEqual([[130, 200]]);
  });

  it('events scheduled by events for a time already reached run in the same pass', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const seen: string[] = [];
    clock.at(100, () => {
      seen.push('first');
      clock.at(50, () => seen.push('past'));
      clock.at(100, () => seen.push('same'));
      clock.at(150, () => seen.push('later'));
    });
    cpu.execute(100, 100);
    expect(seen).toEqual(['first', 'past', 'same']);
    expect(cpu.deadline).toBe(150);
  });

  it('rescheduling moves an event behind others at the same time', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const seen: string[] = [];
    const a = clock.timer(() => seen.push('a'), 'a');
    a.schedule(10);
    clock.at(20, () => seen.push('b'));
    a.schedule(20);
    cpu.execute(20, 20);
    expect(seen).toEqual(['b', 'a']);
  });
});

describe('Clock: cancellation', () => {
  it('a cancelled event never runs; cancelling twice is harmless', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const seen: number[] = [];
    const t = clock.at(100, () => seen.push(1));
    clock.at(200, () => seen.push(2));
    expect(t.cancel()).toBe(true);
    expect(t.cancel()).toBe(false);
    expect(t.pending).toBe(false);
    expect(cpu.deadline).toBe(200);
    cpu.execute(300);
    expect(seen).toEqual([2]);
  });

  it('an event can cancel a later one due at the same time', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const seen: string[] = [];
    let victim = clock.timer(() => seen.push('victim'));
    clock.at(100, () => {
      seen.push('killer');
      victim.cancel();
    });
    victim = victim.schedule(100);
    cpu.execute(100);
    expect(seen).toEqual(['killer']);
  });

  it('keeps the heap consistent under random schedule/cancel (against a sorted reference)', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const fired: number[] = [];
    const timers = Array.from({ length: 200 }, (_, i) => clock.timer(() => fired.push(i), `t${i}`));
    const expected = new Map<number, { time: number; seq: number }>();
    let seq = 0;
    for (let step = 0; step < 5000; step++) {
      const i = rnd(200);
      if (rnd(3) === 0) {
        timers[i]!.cancel();
        expected.delete(i);
      } else {
        const time = 1000 + rnd(10_000);
        timers[i]!.schedule(time);
        expected.set(i, { time, seq: seq++ });
      }
    }
    const order = [...expected.entries()].sort((a, b) => a[1].time - b[1].time || a[1].seq - b[1].seq).map(([i]) => i);
    clock.idleUntil(20_000);
    expect(fired).toEqual(order);
  });
});

describe('Clock: determinism and guards', () => {
  function trace(): string[] {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const out: string[] = [];
    let n = 0;
    const tick = clock.timer((t) => {
      out.push(`tick ${t} at ${cpu.cycles}`);
      if (++n < 20) tick.schedule(t + 333);
    });
    tick.schedule(0);
    for (let i = 0; i < 10; i++) clock.at(i * 500, (t) => out.push(`one ${t}`));
    cpu.execute(7000, 77);
    return out;
  }

  it('two runs of the same schedule produce the same trace', () => {
    expect(trace()).toEqual(trace());
    expect(trace()).toHaveLength(30);
  });

  it('refuses bad times, a second clock on one CPU, and runaway zero-delay loops', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu, { maxEventsPerRun: 1000 });
    expect(() => clock.at(Number.NaN, () => {})).toThrow(ClockError);
    expect(() => clock.at(-1, () => {})).toThrow(/non-negative/);
    expect(() => new Clock(cpu)).toThrow(expect.objectContaining({ code: 'CLOCK_DEADLINE_IN_USE' }));
    const storm = clock.timer(() => storm.schedule(clock.now()), 'storm');
    storm.schedule(10);
    expect(() => cpu.execute(100)).toThrow(expect.objectContaining({ code: 'CLOCK_EVENT_STORM' }));
  });

  it("fits @nooks/kernel's TimeSource (nextEvent, advanceIdle)", () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const ts: { nextEvent(): number; advanceIdle(cycles: number): void } = clock;
    clock.at(77, () => {});
    expect(ts.nextEvent()).toBe(77);
    ts.advanceIdle(50);
    expect(cpu.cycles).toBe(50);
    expect(clock.idleCycles).toBe(50);
  });

  it('converts seconds and cycles at 1.7 GHz', () => {
    expect(secondsToCycles(1)).toBe(1_700_000_000);
    expect(cyclesToSeconds(850_000_000)).toBe(0.5);
    expect(Clock.HZ).toBe(1_700_000_000);
  });
});

describe('Clock: idle accounting', () => {
  it('advanceIdle jumps to the next event and counts the skipped cycles as idle', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    const seen: number[] = [];
    clock.at(10_000, (t) => seen.push(t));
    clock.at(25_000, (t) => seen.push(t));
    cpu.execute(2_000);
    cpu.halted = true;
    expect(clock.advanceIdle()).toBe(8_000);
    expect(cpu.cycles).toBe(10_000);
    expect(seen).toEqual([10_000]);
    cpu.halted = false;
    cpu.execute(5_000);
    cpu.halted = true;
    expect(clock.advanceIdle(20_000)).toBe(5_000); // the limit comes first
    expect(seen).toEqual([10_000]);
    expect(clock.advanceIdle()).toBe(5_000);
    expect(seen).toEqual([10_000, 25_000]);
    expect(clock.advanceIdle()).toBe(0); // nothing to wait for
    const s = clock.stats();
    expect(s).toMatchObject({ elapsed: 25_000, idle: 18_000, busy: 7_000, events: 2 });
    expect(s.utilisation).toBeCloseTo(0.28, 10);
    clock.resetAccounting();
    expect(clock.stats()).toMatchObject({ elapsed: 0, idle: 0, utilisation: 0 });
  });

  it('idling from inside a block (a host call) counts from the exact current cycle', () => {
    const cpu = new FakeCpu();
    const clock = new Clock(cpu);
    clock.at(1_000, () => {});
    cpu.cycles = 400;
    cpu.inBlock = 30;
    expect(clock.advanceIdle()).toBe(570);
    expect(cpu.now()).toBe(1_000);
  });

  it('on a real Machine: idling after hlt lands exactly on the event (cycles, not the last block)', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const clock = new Clock(m.cpu);
    // mov $1,%eax; add $2,%eax; add $3,%eax; hlt: hlt is the fourth instruction of its block
    m.writePhys(0x1000, new Uint8Array([0xb8, 1, 0, 0, 0, 0x83, 0xc0, 0x02, 0x83, 0xc0, 0x03, 0xf4]));
    m.cpu.eip = 0x1000;
    expect(m.run({ maxInstructions: 10 }).reason).toBe('halted');
    const busy = m.cpu.cycles;
    let firedAt = -1;
    clock.at(10_000, () => {
      firedAt = m.cpu.cycles;
    });
    expect(clock.advanceIdle()).toBe(10_000 - busy);
    expect(firedAt).toBe(10_000);
    expect(clock.stats()).toMatchObject({ elapsed: 10_000, idle: 10_000 - busy, busy });
  });

  it('on a real Machine: events fire during guest execution, also inside nested guest calls', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const clock = new Clock(m.cpu);
    // 0x1000: a loop calling a host function that calls back into the guest (nested run).
    const code = [
      0xb9, 0x00, 0x00, 0x00, 0x00, //       mov $0, %ecx
      0x41, //                          l: inc %ecx
      0x81, 0xf9, 0x10, 0x27, 0x00, 0x00, // cmp $10000, %ecx
      0x75, 0xf7, //                       jne l
      0xf4, //                             hlt
    ];
    m.writePhys(0x1000, new Uint8Array(code));
    m.cpu.eip = 0x1000;
    m.cpu.regs[4] = 0x8000;
    const fired: [number, number][] = [];
    for (let t = 1_000; t <= 20_000; t += 1_000) clock.at(t, (when) => fired.push([when, m.cpu.cycles]));
    expect(m.run({ maxInstructions: 1_000_000 }).reason).toBe('halted');
    expect(fired.length).toBe(20);
    for (const [when, at] of fired) {
      expect(at).toBeGreaterThanOrEqual(when);
      expect(at - when).toBeLessThan(50); // a block of this loop is a few cycles
    }
    // Nested: an event fires while a host call runs guest code.
    const inner = [0xb9, 0x00, 0x00, 0x00, 0x00, 0x41, 0x81, 0xf9, 0x10, 0x27, 0x00, 0x00, 0x75, 0xf7, 0xc3]; // ... ret
    m.writePhys(0x2000, new Uint8Array(inner));
    m.installReturnStub(0x3000, 0x3000);
    const idx = m.addHostCall('nest', (mm) => mm.callGuest(0x2000, []));
    m.writePhys(0x4000, new Uint8Array([...Machine.hostCallStub(idx)]));
    m.writePhys(0x5000, new Uint8Array([0xe8, 0xfb, 0xef, 0xff, 0xff, 0xf4])); // call 0x4000; hlt
    m.cpu.halted = false;
    m.cpu.eip = 0x5000;
    let nestedAt = -1;
    const start = m.cpu.cycles;
    clock.at(start + 5_000, () => {
      nestedAt = m.cpu.eip;
    });
    expect(m.run({ maxInstructions: 1_000_000 }).reason).toBe('halted');
    expect(nestedAt).toBeGreaterThanOrEqual(0x2000);
    expect(nestedAt).toBeLessThan(0x2010);
  });
});
