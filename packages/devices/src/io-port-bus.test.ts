import { Machine } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { IoPortBus, PortConflictError } from './index.js';
import type { AccessSize, RegisterHandler } from './index.js';

/** A register file of `n` bytes that records accesses. */
function regs(n: number): RegisterHandler & { mem: Uint8Array; calls: string[] } {
  const mem = new Uint8Array(n);
  const calls: string[] = [];
  return {
    mem,
    calls,
    read(off: number, size: AccessSize) {
      calls.push(`r${size}@${off}`);
      let v = 0;
      for (let i = 0; i < size; i++) v |= mem[off + i]! << (8 * i);
      return v >>> 0;
    },
    write(off: number, size: AccessSize, value: number) {
      calls.push(`w${size}@${off}=${value.toString(16)}`);
      for (let i = 0; i < size; i++) mem[off + i] = (value >>> (8 * i)) & 0xff;
    },
  };
}

describe('IoPortBus', () => {
  it('dispatches by range with offsets, and floats unclaimed ports high', () => {
    const bus = new IoPortBus();
    const a = regs(8), b = regs(4);
    bus.register(0x300, 8, a, 'a');
    bus.register(0x1000, 4, b, 'b');
    bus.out(0x302, 1, 0x5a);
    bus.out(0x1000, 4, 0xdeadbeef);
    expect(a.calls).toEqual(['w1@2=5a']);
    expect(bus.in(0x302, 1)).toBe(0x5a);
    expect(bus.in(0x1000, 4)).toBe(0xdeadbeef);
    expect(bus.in(0x1002, 2)).toBe(0xdead);
    expect(b.calls).toContain('r2@2');
    expect(bus.in(0x80, 1)).toBe(0xff);
    expect(bus.in(0x80, 2)).toBe(0xffff);
    expect(bus.in(0x80, 4)).toBe(0xffffffff);
    bus.out(0x80, 1, 0x12); // ignored
    expect(bus.find(0x307)?.name).toBe('a');
    expect(bus.find(0x308)).toBeNull();
  });

  it('splits an access that runs off a range into byte accesses', () => {
    const bus = new IoPortBus();
    const a = regs(2);
    a.mem.set([0x11, 0x22]);
    bus.register(0x60, 2, a, 'a');
    expect(bus.in(0x61, 2)).toBe(0xff22); // 0x62 unclaimed
    expect(bus.in(0x5f, 4)).toBe(0xff2211ff);
    bus.out(0x5f, 4, 0x44332211);
    expect([...a.mem]).toEqual([0x22, 0x33]);
  });

  it('rejects overlaps and malformed ranges with typed errors; unregister frees the ports', () => {
    const bus = new IoPortBus();
    const r = bus.register(0x20, 2, regs(2), 'pic');
    expect(() => bus.register(0x21, 4, regs(4), 'other')).toThrow(PortConflictError);
    let err: unknown;
    try {
      bus.register(0x18, 16, regs(16), 'wide');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PortConflictError);
    expect(err).toMatchObject({ code: 'PORT_CONFLICT', owner: 'pic', port: 0x20 });
    expect((err as Error).message).toMatch(/already claimed by pic/);
    expect(() => bus.register(0xfffe, 4, regs(4), 'x')).toThrow(expect.objectContaining({ code: 'PORT_RANGE_INVALID' }));
    expect(() => bus.register(0x100, 0, regs(4), 'x')).toThrow(PortConflictError);
    r.unregister();
    expect(bus.in(0x20, 1)).toBe(0xff);
    bus.register(0x18, 16, regs(16), 'wide');
    expect(bus.list().map((x) => x.name)).toEqual(['wide']);
  });

  it('logs accesses on request', () => {
    const bus = new IoPortBus();
    bus.register(0x70, 2, regs(2), 'rtc');
    bus.startLog();
    bus.out(0x70, 1, 0x8f);
    bus.in(0x71, 1);
    bus.in(0x99, 1);
    expect(bus.stopLog()).toEqual([
      { dir: 'out', port: 0x70, size: 1, value: 0x8f, device: 'rtc' },
      { dir: 'in', port: 0x71, size: 1, value: 0, device: 'rtc' },
      { dir: 'in', port: 0x99, size: 1, value: 0xff, device: null },
    ]);
    bus.in(0x70, 1);
    expect(bus.log).toEqual([]);
  });

  it('serves guest in/out instructions once installed on a Machine', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const bus = new IoPortBus().install(m);
    const dev = regs(4);
    bus.register(0x3f8, 4, dev, 'uart');
    // mov $0x3f8,%dx; mov $0x41,%al; out %al,(%dx); inl (%dx),%eax... then in from an unclaimed port
    m.writePhys(0x1000, new Uint8Array([0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0xed, 0x89, 0xc3, 0xe4, 0x80, 0xf4]));
    m.cpu.eip = 0x1000;
    expect(m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(dev.mem[0]).toBe(0x41);
    expect(m.cpu.regs[3]! & 0xff).toBe(0x41); // inl read the register file back
    expect(m.cpu.regs[0]! & 0xff).toBe(0xff);
  });
});
