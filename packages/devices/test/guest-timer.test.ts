// End to end: guest code builds an IDT, programs the PIC and the PIT as Linux 2.4 does, idles in
// `sti; hlt` and counts timer interrupts, sending EOIs through port I/O. The platform idles the
// clock forward whenever the CPU halts.
import { CLOCK_HZ } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { Platform, pitLatch, pitTicksAt } from '../src/index.js';

import { EAX, EBX, Guest, LAYOUT } from './asm.js';
import { INIT_8259A, INIT_PIT_HZ100, SET_GATE } from './guest-snippets.js';

const KERNEL = `
  .equ IDT, ${LAYOUT.idt}
start:
  xorl %ecx, %ecx
1:
  movl $unexpected, %eax
  call set_gate
  incl %ecx
  cmpl $0x30, %ecx
  jne 1b
  movl $0x20, %ecx
  movl $timer, %eax
  call set_gate
  movl $0x27, %ecx
  movl $spurious, %eax
  call set_gate
  lidt idtr
${INIT_8259A}
${INIT_PIT_HZ100}
  movb $0xfa, %al            # enable_irq(0): unmask IRQ0 (and keep the cascade)
  outb %al, $0x21
idle:
  sti
  hlt
  jmp idle

timer:
  pushl %eax
  incl ticks
  movb $0x60, %al            # specific EOI for IRQ0, as mask_and_ack_8259A sends it
  outb %al, $0x20
  popl %eax
  iret

spurious:
  incl spurious_count
  iret

unexpected:
  movl $0xdead, bad
  cli
  hlt
${SET_GATE}
  .p2align 2
idtr:
  .word 0x17f
  .long IDT
ticks: .long 0
spurious_count: .long 0
bad: .long 0
`;

function boot(): { g: Guest; p: Platform; sym: (n: string) => number } {
  const g = new Guest(4 << 20);
  const prog = g.code(KERNEL);
  const p = new Platform(g.m);
  return { g, p, sym: (n) => prog.sym(n) };
}

describe('timer interrupts end to end', () => {
  it('counts HZ=100 ticks for N simulated seconds: N*100 +-1, with the CPU almost idle', () => {
    const { g, p, sym } = boot();
    const seconds = 10;
    const r = p.run({ cycles: seconds * CLOCK_HZ });
    expect(r.reason).toBe('time');
    expect(g.read32(sym('bad'))).toBe(0);
    const ticks = g.read32(sym('ticks'));
    expect(Math.abs(ticks - seconds * 100)).toBeLessThanOrEqual(1);
    expect(g.read32(sym('spurious_count'))).toBe(0);
    expect(p.pic.stats.acknowledged[0]).toBe(ticks);
    expect(p.pic.isr).toBe(0);
    // The guest was busy only for its boot code and ~1000 short handlers.
    const s = p.clock.stats();
    expect(s.elapsed).toBeGreaterThanOrEqual(seconds * CLOCK_HZ);
    expect(s.utilisation).toBeGreaterThan(0);
    expect(s.utilisation).toBeLessThan(0.001);
    expect(r.idleCycles).toBe(s.idle);
    // Continue: the count keeps going at the same rate, and the run is deterministic.
    p.run({ cycles: 2 * CLOCK_HZ });
    expect(Math.abs(g.read32(sym('ticks')) - 1200)).toBeLessThanOrEqual(1);
    const again = boot();
    again.p.run({ cycles: seconds * CLOCK_HZ });
    expect(again.g.read32(again.sym('ticks'))).toBe(ticks);
    expect(again.p.clock.stats()).toEqual(s);
  });

  it('an interrupt handler that forgets the EOI blocks further ticks (the ISR bit stays)', () => {
    const g = new Guest(4 << 20);
    const prog = g.code(KERNEL.replace('movb $0x60, %al            # specific EOI for IRQ0, as mask_and_ack_8259A sends it\n  outb %al, $0x20', 'nop'));
    const p = new Platform(g.m);
    p.run({ cycles: CLOCK_HZ });
    expect(g.read32(prog.sym('ticks'))).toBe(1);
    expect(p.pic.isr).toBe(1);
    expect(p.pic.irr & 1).toBe(1); // the next tick waits
  });

  it('the guest reads the running count back through the counter latch', () => {
    const g = new Guest(4 << 20);
    const prog = g.code(`
${INIT_PIT_HZ100}
      rdtsc
      movl %eax, t0
      movl $20000, %ecx
    1: decl %ecx
      jnz 1b
      rdtsc
      movl %eax, t1
      movb $0x00, %al          # counter latch, channel 0 (do_slow_gettimeoffset)
      outb %al, $0x43
      inb $0x40, %al
      movb %al, %bl
      inb $0x40, %al
      movb %al, %bh
      movzwl %bx, %ebx
      hlt
      .p2align 2
    t0: .long 0
    t1: .long 0
    `);
    new Platform(g.m, { biosPit: false });
    expect(g.m.run({ maxInstructions: 100_000 }).reason).toBe('halted');
    const latch = pitLatch(100);
    const t0 = g.read32(prog.sym('t0')), t1 = g.read32(prog.sym('t1'));
    const elapsedTicks = pitTicksAt(t1) - pitTicksAt(t0);
    expect(elapsedTicks).toBeGreaterThan(20);
    const count = g.reg(EBX);
    const expected = latch - ((elapsedTicks - 1) % latch);
    expect(Math.abs(count - expected)).toBeLessThanOrEqual(2);
    void EAX;
  });
});
