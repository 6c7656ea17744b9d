// The embedding API seen from guest code: MMIO regions and the floating bus, port I/O (every
// width, imm8 and DX forms, rep ins/outs), host calls and nested guest calls, run budgets and
// stops, and the processor's identity and system registers (rdtsc, cpuid, CRn, GDTR/IDTR).
import { describe, expect, it } from 'vitest';

import { CYCLES, Cr0, Cr4, Flag, GuestCallAborted, Machine, Pte, Vector } from '../src/index.js';
import type { MmioHandler, PortHandler } from '../src/index.js';

import { EAX, EBP, EBX, ECX, EDI, EDX, ESI, ESP, Guest, LAYOUT, assemble } from './asm.js';

const MMIO = 0xfee00000;

type Access = [op: 'r' | 'w', offset: number, size: number, value?: number];

/** A device whose registers read back offset-derived values and record every access. */
function device(log: Access[]): MmioHandler {
  return {
    read(offset, size) {
      log.push(['r', offset, size]);
      return size === 4 ? (0xd0000000 | offset) : size === 2 ? 0xd000 | offset : offset & 0xff;
    },
    write(offset, size, value) {
      log.push(['w', offset, size, value]);
    },
  };
}

describe('MMIO', () => {
  it('reads and writes reach the handler with offset and size', () => {
    const g = new Guest();
    const log: Access[] = [];
    g.m.mapMmio(MMIO, 0x2000, device(log));
    g.code(`
      movl $${MMIO}, %esi
      movl 0x10(%esi), %eax
      movw 0x22(%esi), %bx
      movb 0x1003(%esi), %cl
      movl $0x11223344, 0x40(%esi)
      movw $0x5566, 0x42(%esi)
      movb $0x77, 0x1fff(%esi)
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(log).toEqual([
      ['r', 0x10, 4],
      ['r', 0x22, 2],
      ['r', 0x1003, 1],
      ['w', 0x40, 4, 0x11223344],
      ['w', 0x42, 2, 0x5566],
      ['w', 0x1fff, 1, 0x77],
    ]);
    expect(g.reg(EAX)).toBe(0xd0000010);
    expect(g.reg(EBX) & 0xffff).toBe(0xd022);
    expect(g.reg(ECX) & 0xff).toBe(0x03);
  });

  it('charges CYCLES.mmioRead and CYCLES.mmioWrite on top of the instruction', () => {
    const g = new Guest();
    g.m.mapMmio(MMIO, 0x1000, device([]));
    g.code(`
      movl ${MMIO}, %eax
      movl ${LAYOUT.data}, %eax
      movl %eax, ${MMIO}
      movl %eax, ${LAYOUT.data}
      hlt`);
    const step = (): number => g.m.run({ maxInstructions: 1 }).cycles;
    const mmioRead = step(), ramRead = step(), mmioWrite = step(), ramWrite = step();
    expect(mmioRead - ramRead).toBe(CYCLES.mmioRead);
    expect(mmioWrite - ramWrite).toBe(CYCLES.mmioWrite);
  });

  it('is reached through the page tables at any linear address, never through a cached translation', () => {
    const g = new Guest();
    const log: Access[] = [];
    g.m.mapMmio(MMIO, 0x1000, device(log));
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    g.map(0x900000, MMIO, Pte.P | Pte.RW | Pte.PCD);
    g.enablePaging();
    g.code(`
      movl $3, %ecx
    1: movl 0x900008, %eax
      loop 1b
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(log).toEqual([['r', 8, 4], ['r', 8, 4], ['r', 8, 4]]);
  });

  it('an access to unmapped physical space reads all-ones and writes go nowhere', () => {
    const g = new Guest();
    g.code(`
      movl 0xd0000000, %eax
      movw 0xd0000010, %bx
      movb 0xd0000020, %cl
      movl $0, 0xd0000000
      movl 0xd0000000, %edx
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect([g.reg(EAX), g.reg(EBX) & 0xffff, g.reg(ECX) & 0xff, g.reg(EDX)]).toEqual([0xffffffff, 0xffff, 0xff, 0xffffffff]);
  });

  it('unmapMmio returns the range to the floating bus', () => {
    const g = new Guest();
    const log: Access[] = [];
    g.m.mapMmio(MMIO, 0x1000, device(log));
    g.m.unmapMmio(MMIO);
    g.code(`movl ${MMIO}, %eax\nhlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(g.reg(EAX)).toBe(0xffffffff);
    expect(log).toEqual([]);
  });

  it('rejects regions that overlap RAM or each other, or are not page-aligned', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    expect(() => m.mapMmio(0x80000, 0x1000, device([]))).toThrow(RangeError);
    expect(() => m.mapMmio(MMIO + 0x10, 0x1000, device([]))).toThrow(RangeError);
    m.mapMmio(MMIO, 0x2000, device([]));
    expect(() => m.mapMmio(MMIO + 0x1000, 0x1000, device([]))).toThrow(/overlaps another region/);
  });
});

describe('port I/O', () => {
  type PortAccess = [op: 'in' | 'out', port: number, size: number, value?: number];
  function ports(log: PortAccess[], reads: (port: number, size: number) => number = (p, s) => (s === 4 ? 0xa0b0c0d0 : s === 2 ? 0xabcd : 0xab) ^ p): PortHandler {
    return {
      in(port, size) {
        log.push(['in', port, size]);
        return reads(port, size);
      },
      out(port, size, value) {
        log.push(['out', port, size, value]);
      },
    };
  }

  it('in and out of every width, in imm8 and DX forms', () => {
    const g = new Guest();
    const log: PortAccess[] = [];
    g.m.setPortHandler(ports(log, (p, s) => (s === 4 ? 0x10203040 : s === 2 ? 0x5060 : 0x70) + p));
    g.code(`
      movl $0xffffffff, %eax
      inb $0x60, %al
      movl %eax, %ebx
      movl $0xffffffff, %eax
      inw $0x61, %ax
      movl %eax, %ecx
      inl $0x62, %eax
      movl %eax, %esi
      movw $0x3f8, %dx
      inb %dx, %al
      movzbl %al, %edi
      inw %dx, %ax
      movzwl %ax, %ebp
      inl %dx, %eax
      movl $0x11223344, %eax
      outb %al, $0x80
      outw %ax, $0x81
      outl %eax, $0x82
      outb %al, %dx
      outw %ax, %dx
      outl %eax, %dx
      hlt`);
    expect(g.m.run({ maxInstructions: 40 }).reason).toBe('halted');
    expect([g.reg(EBX), g.reg(ECX), g.reg(ESI), g.reg(EDI), g.reg(EBP)]).toEqual([
      0xffffffd0, 0xffff50c1, 0x102030a2, (0x70 + 0x3f8) & 0xff, 0x5060 + 0x3f8,
    ]);
    expect(log).toEqual([
      ['in', 0x60, 1], ['in', 0x61, 2], ['in', 0x62, 4], ['in', 0x3f8, 1], ['in', 0x3f8, 2], ['in', 0x3f8, 4],
      ['out', 0x80, 1, 0x44], ['out', 0x81, 2, 0x3344], ['out', 0x82, 4, 0x11223344],
      ['out', 0x3f8, 1, 0x44], ['out', 0x3f8, 2, 0x3344], ['out', 0x3f8, 4, 0x11223344],
    ]);
  });

  it('without a handler, reads float high and writes go nowhere', () => {
    const g = new Guest();
    g.code('inb $0x60, %al\nmovl %eax, %ebx\ninl $0x60, %eax\noutl %eax, $0x60\nhlt');
    g.cpu.regs[EAX] = 0x12345600;
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    expect([g.reg(EBX), g.reg(EAX)]).toEqual([0x123456ff, 0xffffffff]);
  });

  it('charges CYCLES.io for each port access of a string instruction', () => {
    const g = new Guest();
    g.m.setPortHandler(ports([]));
    g.code(`
      movw $0x1f0, %dx
      movl $${LAYOUT.data}, %edi
      movl $4, %ecx
      rep insb
      movl $${LAYOUT.data}, %edi
      movl $4, %ecx
      rep stosb
      hlt`);
    const step = (): number => g.m.run({ maxInstructions: 1 }).cycles;
    step();
    step();
    step();
    const ins = step();
    step();
    step();
    const stos = step();
    expect(ins - stos).toBe(4 * CYCLES.io);
  });

  // Known bug, left for the owner of cycles.ts: baseCycles() gives the 'io' class CYCLES.io and
  // Cpu.portIn/portOut add CYCLES.io again, so a single in/out costs 2 * CYCLES.io. Remove
  // `.fails` when fixed.
  it('charges CYCLES.io once for an in or out', () => {
    const g = new Guest();
    g.m.setPortHandler(ports([]));
    g.code('inb $0x60, %al\nnop\noutb %al, $0x60\nnop\nhlt');
    const step = (): number => g.m.run({ maxInstructions: 1 }).cycles;
    const inb = step(), nop1 = step(), outb = step(), nop2 = step();
    expect([inb - nop1, outb - nop2]).toEqual([CYCLES.io, CYCLES.io]);
  });

  it('rep insb and rep outsw move strings through the port handler', () => {
    const g = new Guest();
    const log: PortAccess[] = [];
    let next = 0x41;
    g.m.setPortHandler(ports(log, () => next++));
    const buf = LAYOUT.data;
    g.m.writePhys(buf + 0x100, new Uint8Array([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]));
    g.code(`
      cld
      movw $0x1f0, %dx
      movl $${buf}, %edi
      movl $5, %ecx
      rep insb
      movl %edi, %ebx
      movl $${buf + 0x100}, %esi
      movl $3, %ecx
      rep outsw
      std
      movl $${buf + 0x104}, %esi
      outsw               # one, backwards
      cld
      hlt`);
    expect(g.m.run({ maxInstructions: 40 }).reason).toBe('halted');
    expect([...g.m.readPhys(buf, 6)]).toEqual([0x41, 0x42, 0x43, 0x44, 0x45, 0]);
    expect([g.reg(EBX), g.reg(ECX), g.reg(ESI)]).toEqual([buf + 5, 0, buf + 0x102]);
    expect(log.filter((a) => a[0] === 'out')).toEqual([
      ['out', 0x1f0, 2, 0x0201], ['out', 0x1f0, 2, 0x0403], ['out', 0x1f0, 2, 0x0605], ['out', 0x1f0, 2, 0x0605],
    ]);
    expect(log.filter((a) => a[0] === 'in')).toHaveLength(5);
  });

  it('rep insb into a read-only page faults before reading the port', () => {
    const g = new Guest();
    const log: PortAccess[] = [];
    g.m.setPortHandler(ports(log));
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    g.map(0x800000, 0x50000, Pte.P | Pte.RW);
    g.map(0x801000, 0x51000, Pte.P);
    g.enablePaging();
    g.cpu.setCr0(g.cpu.cr0 | Cr0.WP);
    const faults: number[] = [];
    g.m.hookInterrupt(Vector.PF, (m, ev) => {
      faults.push(ev.cr2!);
      m.stop();
      return true;
    });
    g.code(`
      movw $0x1f0, %dx
      movl $0x800ffe, %edi
      movl $4, %ecx
      rep insb
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('stopped');
    expect(faults).toEqual([0x801000]);
    expect(log).toHaveLength(2);
    expect([g.reg(ECX), g.reg(EDI)]).toEqual([2, 0x801000]);
  });

  it('needs CPL <= IOPL: #GP(0) from ring 3 with IOPL 0, allowed with IOPL 3', () => {
    for (const iopl of [0, 3]) {
      const g = new Guest();
      const log: PortAccess[] = [];
      g.m.setPortHandler(ports(log));
      const p = g.code('op: outb %al, $0x80\ndone: nop');
      const gp: number[] = [];
      g.m.hookInterrupt(Vector.GP, (m, ev) => {
        gp.push(ev.errorCode, ev.eip);
        m.stop();
        return true;
      });
      g.cpu.setEflags(iopl << 12);
      g.cpu.setCpl(3);
      const r = g.m.run({ until: p.sym('done'), maxInstructions: 5 });
      if (iopl === 0) {
        expect(r.reason).toBe('stopped');
        expect(gp).toEqual([0, p.sym('op')]);
        expect(log).toEqual([]);
      } else {
        expect(r.reason).toBe('until');
        expect(log).toHaveLength(1);
      }
    }
  });
});

describe('host calls', () => {
  const STUBS = 0x30000;

  it('a guest call to a host-call stub runs the function with its cdecl arguments; EAX is its result', () => {
    const g = new Guest();
    const seen: number[][] = [];
    const idx = g.m.addHostCall('sum3', (m) => {
      seen.push([m.arg(0), m.arg(1), m.arg(2)]);
      return m.arg(0) + m.arg(1) * 10 + m.arg(2) * 100;
    });
    expect(g.m.hostNames[idx]).toBe('sum3');
    g.m.writePhys(STUBS + 8 * idx, Machine.hostCallStub(idx));
    g.code(`
      movl $0x5a5a5a5a, %ebx
      pushl $3
      pushl $2
      pushl $1
      call ${STUBS}
      addl $12, %esp
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(seen).toEqual([[1, 2, 3]]);
    expect(g.reg(EAX)).toBe(321);
    expect(g.reg(EBX)).toBe(0x5a5a5a5a);
    expect(g.reg(ESP)).toBe(LAYOUT.stack);
  });

  it('an unregistered host call raises #UD', () => {
    const g = new Guest();
    g.m.writePhys(STUBS, Machine.hostCallStub(7));
    g.code(`call ${STUBS}\nhlt`);
    const r = g.m.run({ maxInstructions: 20 });
    expect(r.reason).toBe('unhandled-exception');
    expect(r.exception?.vector).toBe(Vector.UD);
    expect(r.exception?.message).toMatch(/host call 7 is not registered/);
    expect(r.exception?.eip).toBe(STUBS);
  });

  it('nests host -> guest -> host -> guest -> host (three levels) with callGuest and the return stub', () => {
    const g = new Guest();
    const RET = 0x31000;
    g.m.installReturnStub(RET, RET);
    const trace: string[] = [];
    const p = assemble(`
    main:
      movl $0x1111, %ebx
      movl $0x2222, %esi
      movl $0x3333, %edi
      movl $0x4444, %ebp
      pushl $5
      call ${STUBS}             # A(5)
      addl $4, %esp
      hlt
    g1:                         # g1(x) = B(x + 1) + 100, clobbering callee-saved registers (restored)
      pushl %ebx
      pushl %esi
      movl $-1, %ebx
      movl $-1, %esi
      movl 12(%esp), %eax
      incl %eax
      pushl %eax
      call ${STUBS + 8}
      addl $4, %esp
      addl $100, %eax
      popl %esi
      popl %ebx
      ret
    g2:                         # g2(y) = C(y, 7) * 2
      pushl %ebp
      movl %esp, %ebp
      pushl $7
      pushl 8(%ebp)
      call ${STUBS + 16}
      addl $8, %esp
      addl %eax, %eax
      popl %ebp
      ret`, LAYOUT.code);
    g.load(p);
    g.cpu.eip = p.sym('main');
    const espAt: number[] = [];
    const a = g.m.addHostCall('A', (m) => {
      trace.push(`A(${m.arg(0)})`);
      espAt.push(m.cpu.regs[ESP]!);
      const r = m.callGuest(p.sym('g1'), [m.arg(0) * 2]);
      expect(m.cpu.regs[ESP]).toBe(espAt[0]);
      return r + 1000;
    });
    const b = g.m.addHostCall('B', (m) => {
      trace.push(`B(${m.arg(0)})`);
      const before = m.cpu.regs[ESP];
      const r = m.callGuest(p.sym('g2'), [m.arg(0) + 10]);
      expect(m.cpu.regs[ESP]).toBe(before);
      return r * 3;
    });
    const c = g.m.addHostCall('C', (m) => {
      trace.push(`C(${m.arg(0)},${m.arg(1)})`);
      return m.arg(0) - m.arg(1);
    });
    for (const [i, idx] of [a, b, c].entries()) g.m.writePhys(STUBS + 8 * i, Machine.hostCallStub(idx));
    expect(g.m.run({ maxInstructions: 200 }).reason).toBe('halted');
    // A(5) -> g1(10) -> B(11) -> g2(21) -> C(21, 7) = 14 -> 28 -> 84 -> 184 -> 1184.
    expect(trace).toEqual(['A(5)', 'B(11)', 'C(21,7)']);
    expect(g.reg(EAX)).toBe(1184);
    expect([g.reg(EBX), g.reg(ESI), g.reg(EDI), g.reg(EBP), g.reg(ESP)]).toEqual([0x1111, 0x2222, 0x3333, 0x4444, LAYOUT.stack]);
  });

  it('callGuest from outside a run returns EAX and leaves ESP and EIP as they were', () => {
    const g = new Guest();
    g.m.installReturnStub(0x31000, 0x31000);
    const p = g.code('f: movl 4(%esp), %eax\nimull 8(%esp), %eax\nret');
    g.cpu.eip = 0x12345;
    expect(g.m.callGuest(p.sym('f'), [6, 7])).toBe(42);
    expect(g.reg(ESP)).toBe(LAYOUT.stack);
    expect(g.cpu.eip).toBe(0x12345);
  });

  it('callGuest without a return stub is refused', () => {
    const g = new Guest();
    expect(() => g.m.callGuest(0x10000, [])).toThrow(/return stub/);
  });

  it('throws GuestCallAborted when the nested guest faults with no handler; the caller continues intact', () => {
    const g = new Guest();
    g.m.installReturnStub(0x31000, 0x31000);
    const p = assemble(`
    main:
      movl $0x1111, %ebx
      movl $0x2222, %esi
      movl $0x3333, %edi
      movl $0x4444, %ebp
      pushl $9
      call ${STUBS}
      addl $4, %esp
      hlt
    bad:                        # clobbers callee-saved registers, then faults with no IDT
      pushl %ebx
      pushl %esi
      movl $-1, %ebx
      movl $-1, %esi
      movl $-1, %edi
      movl $-1, %ebp
    op: ud2`, LAYOUT.code);
    g.load(p);
    g.cpu.eip = p.sym('main');
    const caught: unknown[] = [];
    const idx = g.m.addHostCall('tryBad', (m) => {
      try {
        return m.callGuest(p.sym('bad'), [m.arg(0)]);
      } catch (e) {
        caught.push(e);
        return -22;
      }
    });
    g.m.writePhys(STUBS, Machine.hostCallStub(idx));
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(caught).toHaveLength(1);
    const e = caught[0];
    expect(e).toBeInstanceOf(GuestCallAborted);
    if (!(e instanceof GuestCallAborted)) return;
    expect(e.code).toBe('GUEST_CALL_ABORTED');
    expect(e.reason).toBe('unhandled-exception');
    expect(e.exception).toMatchObject({ vector: Vector.UD, eip: p.sym('op') });
    expect(g.reg(EAX)).toBe(0xffffffea);
    expect([g.reg(EBX), g.reg(ESI), g.reg(EDI), g.reg(EBP), g.reg(ESP)]).toEqual([0x1111, 0x2222, 0x3333, 0x4444, LAYOUT.stack]);
  });

  it('a nested guest that runs past its budget aborts with that reason, and an uncaught abort ends the run by throwing', () => {
    const g = new Guest();
    g.m.installReturnStub(0x31000, 0x31000);
    const p = assemble(`
    main:
      call ${STUBS}
      hlt
    spin:
      jmp spin`, LAYOUT.code);
    g.load(p);
    g.cpu.eip = p.sym('main');
    const idx = g.m.addHostCall('spin', (m) => m.callGuest(p.sym('spin'), [], { maxInstructions: 50 }));
    g.m.writePhys(STUBS, Machine.hostCallStub(idx));
    let thrown: unknown;
    try {
      g.m.run({ maxInstructions: 1000 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GuestCallAborted);
    expect((thrown as GuestCallAborted).reason).toBe('instructions');
  });
});

describe('run budgets and stops', () => {
  const LOOP = `
      xorl %eax, %eax
    top:
      incl %eax
      incl %ebx
      incl %ecx
    mid:
      incl %edx
      jmp top`;

  it('run({until}) stops before the instruction at that address, also in the middle of a block', () => {
    const g = new Guest();
    const p = g.code(LOOP);
    const r = g.m.run({ until: p.sym('mid') });
    expect(r).toMatchObject({ reason: 'until', instructions: 4 });
    expect(g.cpu.eip).toBe(p.sym('mid'));
    // Already there: a run to the same address executes nothing.
    expect(g.m.run({ until: p.sym('mid') })).toMatchObject({ reason: 'until', instructions: 0 });
    g.m.run({ maxInstructions: 1 });
    const r2 = g.m.run({ until: p.sym('mid') });
    expect(r2).toMatchObject({ reason: 'until', instructions: 4 });
    expect(g.reg(EAX)).toBe(2);
    expect(g.reg(EDX)).toBe(1);
  });

  it('run({maxInstructions}) runs exactly that many, and the next run resumes', () => {
    const g = new Guest();
    g.code(LOOP);
    for (const n of [1, 3, 7, 100, 1001]) {
      const before = g.cpu.icount;
      const r = g.m.run({ maxInstructions: n });
      expect(r).toMatchObject({ reason: 'instructions', instructions: n });
      expect(g.cpu.icount - before).toBe(n);
    }
    // 1 xor, then 5 per iteration.
    expect(g.reg(EAX) + g.reg(EBX) + g.reg(ECX) + g.reg(EDX) + 1 + Math.floor((1112 - 1) / 5)).toBe(1112);
  });

  it('run({maxCycles}) stops at the first instruction boundary at or past the budget', () => {
    const g = new Guest();
    g.code(LOOP);
    const r = g.m.run({ maxCycles: 1000 });
    expect(r.reason).toBe('cycles');
    expect(r.cycles).toBeGreaterThanOrEqual(1000);
    // Every instruction of the loop costs at most a few cycles: it stopped promptly.
    expect(r.cycles).toBeLessThan(1000 + 10);
    const r2 = g.m.run({ maxCycles: 10 });
    expect(r2.reason).toBe('cycles');
    expect(r2.cycles).toBeLessThan(10 + 10);
  });

  it('m.stop() from a port handler, a host call or an interrupt hook ends the run after that instruction', () => {
    const g = new Guest();
    const idx = g.m.addHostCall('stop', (m) => {
      m.stop();
      return 1;
    });
    g.m.writePhys(0x30000, Machine.hostCallStub(idx));
    g.m.setPortHandler({ in: () => 0, out: () => g.m.stop() });
    g.m.hookInterrupt(0x80, (m) => {
      m.stop();
      return true;
    });
    const p = g.code(`
      outb %al, $0x80
    a1: call 0x30000
    a2: int $0x80
    a3: hlt`);
    expect(g.m.run()).toMatchObject({ reason: 'stopped', instructions: 1 });
    expect(g.cpu.eip).toBe(p.sym('a1'));
    // The host call stops inside the stub: its `ret` has not run yet.
    expect(g.m.run()).toMatchObject({ reason: 'stopped', instructions: 2 });
    expect(g.cpu.eip).toBe(0x30004);
    expect(g.m.run({ until: p.sym('a2') }).reason).toBe('until');
    expect(g.m.run()).toMatchObject({ reason: 'stopped', instructions: 1 });
    expect(g.cpu.eip).toBe(p.sym('a3'));
    expect(g.m.run().reason).toBe('halted');
  });

  it('m.stop() before a run does not leak into it', () => {
    const g = new Guest();
    g.code('nop\nnop\nhlt');
    g.m.stop();
    expect(g.m.run()).toMatchObject({ reason: 'halted', instructions: 3 });
  });
});

describe('processor identity and system registers', () => {
  it('rdtsc reads the simulated cycle counter, exactly, in the middle of a block', () => {
    const SRC = `
      movl $1, %ebx
      imull %ebx, %ebx
      addl %ebx, ${LAYOUT.data}
    r: rdtsc
      hlt`;
    const start = 0x1_2345_6789;
    const ref = new Guest();
    const rp = ref.code(SRC);
    ref.cpu.cycles = start;
    ref.m.run({ until: rp.sym('r') });
    const expected = ref.cpu.cycles;
    expect(expected).toBeGreaterThan(start);

    const g = new Guest();
    g.code(SRC);
    g.cpu.cycles = start;
    expect(g.m.run().reason).toBe('halted');
    expect(g.reg(EDX) * 2 ** 32 + g.reg(EAX)).toBe(expected);
  });

  it('rdtsc counts page walks and I/O of earlier instructions in the block', () => {
    const SRC = `
      inb $0x60, %al
      movl 0x800000, %ecx
    r: rdtsc
      hlt`;
    const run = (until: boolean): number => {
      const g = new Guest();
      g.identity(0, 0x100000, Pte.P | Pte.RW);
      g.map(0x800000, 0x50000, Pte.P | Pte.RW);
      g.enablePaging();
      const p = g.code(SRC);
      if (until) {
        g.m.run({ until: p.sym('r') });
        return g.cpu.cycles;
      }
      g.m.run();
      return g.reg(EDX) * 2 ** 32 + g.reg(EAX);
    };
    expect(run(false)).toBe(run(true));
  });

  it('cpuid reports a Pentium 4 (GenuineIntel, family 15) with its TLB descriptors in leaf 2', () => {
    const g = new Guest();
    const p = g.code(`
      .macro leaf n, at
      movl $\\n, %eax
      cpuid
      movl %eax, \\at
      movl %ebx, \\at+4
      movl %ecx, \\at+8
      movl %edx, \\at+12
      .endm
      leaf 0, out
      leaf 1, out+16
      leaf 2, out+32
      leaf 0x80000000, out+48
      leaf 0x80000002, out+64
      leaf 0x80000003, out+80
      leaf 0x80000004, out+96
      hlt
      .p2align 4
    out: .fill 28, 4, 0`);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    const out = g.m.readPhys(p.sym('out'), 112);
    const u32 = (i: number): number => new DataView(out.buffer).getUint32(i * 4, true);
    const text = (words: number[]): string => Buffer.from(new Uint32Array(words).buffer).toString('latin1');
    expect(u32(0)).toBeGreaterThanOrEqual(2);
    expect(text([u32(1), u32(3), u32(2)])).toBe('GenuineIntel');
    const sig = u32(4);
    expect((sig >>> 8) & 0xf).toBe(15);
    expect((sig >>> 20) & 0xff).toBe(0); // extended family: none
    const features = u32(7);
    for (const bit of [3 /* PSE */, 4 /* TSC */, 13 /* PGE */]) expect((features >>> bit) & 1).toBe(1);
    // Leaf 2: AL = 1 (one call), then descriptor bytes; bit 31 clear in each valid register.
    const desc: number[] = [];
    for (let r = 8; r < 12; r++) {
      const v = u32(r);
      if (v >>> 31) continue;
      for (let b = 0; b < 4; b++) desc.push((v >>> (8 * b)) & 0xff);
    }
    expect(desc[0]).toBe(1);
    expect(desc.slice(1)).toContain(0x50); // ITLB: 4K, 2M/4M pages, 64 entries
    expect(desc.slice(1)).toContain(0x5b); // DTLB: 4K and 4M pages, 64 entries
    expect(u32(12)).toBeGreaterThanOrEqual(0x80000004);
    expect(text(Array.from({ length: 12 }, (_, i) => u32(16 + i))).replace(/\0+$/, '')).toBe('Intel(R) Pentium(R) 4 CPU 1.70GHz');
    // The TLB model matches what leaf 2 reports.
    expect(g.cpu.itlb.size).toBe(64);
    expect(g.cpu.dtlb.size).toBe(64);
  });

  it('moves to and from CR0, CR2, CR3 and CR4; turning paging on from guest code', () => {
    const g = new Guest();
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    const p = g.code(`
      movl $${LAYOUT.pageDir}, %eax
      movl %eax, %cr3
      movl %cr3, %ebx
      movl $${Cr4.PSE | Cr4.PGE}, %eax
      movl %eax, %cr4
      movl %cr4, %ecx
      movl $0x1234, %eax
      movl %eax, %cr2
      movl %cr2, %esi
      movl %cr0, %eax
      orl $${(Cr0.PG | Cr0.WP) >>> 0}, %eax
      movl %eax, %cr0
    paged:
      movl %cr0, %edi
      hlt`);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect([g.reg(EBX), g.reg(ECX), g.reg(ESI)]).toEqual([LAYOUT.pageDir, Cr4.PSE | Cr4.PGE, 0x1234]);
    expect(g.reg(EDI)).toBe((Cr0.PE | Cr0.ET | Cr0.WP | Cr0.PG) >>> 0);
    expect(g.cpu.pagingEnabled).toBe(true);
    expect(g.pte(p.sym('paged')) & Pte.A).toBe(Pte.A);
  });

  it('rejects reserved CR4 bits and CR0.PG without PE with #GP(0), and CR moves from ring 3', () => {
    const g = new Guest();
    const p = g.code(`
      movl $0x10000, %eax
    a: movl %eax, %cr4
      movl $0x80000000, %eax
    b: movl %eax, %cr0
      hlt`);
    const gp: number[][] = [];
    g.m.hookInterrupt(Vector.GP, (m, ev) => {
      gp.push([ev.errorCode, ev.eip]);
      m.cpu.eip = ev.eip + 3;
      return true;
    });
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(gp).toEqual([[0, p.sym('a')], [0, p.sym('b')]]);
    expect(g.cpu.cr4).toBe(0);
    expect(g.cpu.pagingEnabled).toBe(false);

    const u = new Guest();
    const q = u.code('op: movl %cr0, %eax\nhlt');
    u.cpu.setCpl(3);
    const r = u.m.run({ maxInstructions: 5 });
    expect(r.reason).toBe('unhandled-exception');
    expect(r.exception).toMatchObject({ vector: Vector.GP, errorCode: 0, eip: q.sym('op') });
  });

  it('lgdt/sgdt and lidt/sidt round-trip the 6-byte pseudo-descriptors', () => {
    const g = new Guest();
    const p = g.code(`
      lgdt gdt_in
      lidt idt_in
      sgdt gdt_out
      sidt idt_out
      hlt
      .p2align 3
    gdt_in: .word 0x17
      .long 0x00001800
    idt_in: .word 0x7ff
      .long 0xc0001000
    gdt_out: .word 0, 0, 0
    idt_out: .word 0, 0, 0`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect([g.cpu.gdtrBase >>> 0, g.cpu.gdtrLimit, g.cpu.idtrBase >>> 0, g.cpu.idtrLimit]).toEqual([0x1800, 0x17, 0xc0001000, 0x7ff]);
    expect(g.m.readPhys(p.sym('gdt_out'), 6)).toEqual(g.m.readPhys(p.sym('gdt_in'), 6));
    expect(g.m.readPhys(p.sym('idt_out'), 6)).toEqual(g.m.readPhys(p.sym('idt_in'), 6));
  });

  it('lgdt and lidt are privileged; sgdt works in ring 3', () => {
    const g = new Guest();
    g.cpu.gdtrBase = 0x1800;
    g.cpu.gdtrLimit = 0x17;
    const p = g.code(`
      sgdt out
    op: lidt out
      hlt
      .p2align 3
    out: .word 0, 0, 0`);
    g.cpu.setCpl(3);
    const r = g.m.run({ maxInstructions: 5 });
    expect(r.exception).toMatchObject({ vector: Vector.GP, eip: p.sym('op') });
    expect([...g.m.readPhys(p.sym('out'), 6)]).toEqual([0x17, 0, 0x00, 0x18, 0, 0]);
    expect(g.cpu.getEflags() & Flag.IF).toBe(0);
  });
});
