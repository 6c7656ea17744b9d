// Exceptions and interrupts through the IDT (Intel SDM vol. 3A ch. 6 "Interrupt and Exception
// Handling"): interrupt and trap gates, the stack frame and error codes, iret, #DE #UD #BP #GP
// #PF, gate DPL checks, double and triple faults (table 6-5), the INTR line with IF and the sti
// shadow, hlt, host interception, and privilege-level changes through the TSS's ESP0.
import { describe, expect, it } from 'vitest';

import { Flag, Pte, Vector } from '../src/index.js';
import type { InterruptEvent } from '../src/index.js';

import { EAX, EBX, ECX, ESI, ESP, Guest, LAYOUT, assemble } from './asm.js';

/** Flat ring-0 guest (paging off) with an IDT at LAYOUT.idt. */
function flat(): Guest {
  const g = new Guest();
  g.useIdt();
  return g;
}

/** Reads the dwords a handler stored at consecutive labels. */
function words(g: Guest, at: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => g.read32(at + 4 * i));
}

describe('gates, frames and iret', () => {
  it('lidt loads the IDT; an interrupt gate clears IF, a trap gate keeps it; iret restores it', () => {
    const g = new Guest();
    const p = g.code(`
      lidt idtr
      sti
      movl %esp, %ebp
    i40: int $0x40
    i41: int $0x41
      pushfl
      popl f_after
      hlt
    h40:
      pushfl
      popl f40
      movl (%esp), %eax
      movl %eax, eip40
      movl 4(%esp), %eax
      movl %eax, cs40
      movl 8(%esp), %eax
      movl %eax, fl40
      movl %esp, esp40
      iret
    h41:
      pushfl
      popl f41
      iret
      .p2align 2
    idtr: .word 0x7ff
      .long ${LAYOUT.idt}
    f40: .long 0
    eip40: .long 0
    cs40: .long 0
    fl40: .long 0
    esp40: .long 0
    f41: .long 0
    f_after: .long 0`);
    g.gate(0x40, p.sym('h40'));
    g.gate(0x41, p.sym('h41'), { trap: true });
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.cpu.idtrBase).toBe(LAYOUT.idt);
    expect(g.cpu.idtrLimit).toBe(0x7ff);
    expect(g.read32(p.sym('f40')) & Flag.IF).toBe(0);
    expect(g.read32(p.sym('f41')) & Flag.IF).toBe(Flag.IF);
    // The frame: EIP after the int, CS, EFLAGS with IF as it was; no error code.
    expect(g.read32(p.sym('eip40'))).toBe(p.sym('i41'));
    expect(g.read32(p.sym('cs40'))).toBe(0x08);
    expect(g.read32(p.sym('fl40')) & Flag.IF).toBe(Flag.IF);
    expect(g.read32(p.sym('esp40'))).toBe(LAYOUT.stack - 12);
    expect(g.read32(p.sym('f_after')) & Flag.IF).toBe(Flag.IF);
    expect(g.reg(ESP)).toBe(LAYOUT.stack);
  });

  it('#DE from div by zero and from idiv overflow: EIP of the faulting instruction, no error code', () => {
    const g = flat();
    const p = g.code(`
      movl $7, %eax
      xorl %edx, %edx
      xorl %ecx, %ecx
    d1: divl %ecx
      movl $0x80000000, %eax
      movl $-1, %edx
      movl $-1, %ecx
    d2: idivl %ecx
      hlt
    de:
      movl n, %ebx
      movl (%esp), %esi
      movl %esi, eips(,%ebx,4)
      movl %esp, esps(,%ebx,4)
      incl n
      addl $2, (%esp)     # skip the two-byte divide
      iret
    n: .long 0
    eips: .long 0, 0
    esps: .long 0, 0`);
    g.gate(Vector.DE, p.sym('de'));
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('n'))).toBe(2);
    expect(words(g, p.sym('eips'), 2)).toEqual([p.sym('d1'), p.sym('d2')]);
    expect(words(g, p.sym('esps'), 2)).toEqual([LAYOUT.stack - 12, LAYOUT.stack - 12]);
    // The faulting divides changed nothing.
    expect([g.reg(EAX), g.reg(ECX)]).toEqual([0x80000000, 0xffffffff]);
  });

  it('#UD from ud2 points at the ud2; #BP from int3 points after it', () => {
    const g = flat();
    const p = g.code(`
    u: ud2
    b: int3
    after:
      hlt
    ud:
      movl (%esp), %eax
      movl %eax, ud_eip
      addl $2, (%esp)
      iret
    bp:
      movl (%esp), %eax
      movl %eax, bp_eip
      iret
    ud_eip: .long 0
    bp_eip: .long 0`);
    g.gate(Vector.UD, p.sym('ud'));
    g.gate(Vector.BP, p.sym('bp'), { trap: true });
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('ud_eip'))).toBe(p.sym('u'));
    expect(g.read32(p.sym('bp_eip'))).toBe(p.sym('after'));
    expect(p.sym('after')).toBe(p.sym('b') + 1);
  });

  it('an x87 instruction raises #UD with a message naming its bytes and address', () => {
    const g = new Guest();
    const p = g.code('nop\nx: fldz\nhlt');
    const r = g.m.run({ maxInstructions: 10 });
    // No IDT: the exception ends the run and is reported.
    expect(r.reason).toBe('unhandled-exception');
    expect(r.exception?.vector).toBe(Vector.UD);
    expect(r.exception?.eip).toBe(p.sym('x'));
    expect(r.exception?.message).toMatch(/^x87 floating-point instruction \(unsupported\) at 0x10001: d9/);
    expect(g.cpu.eip).toBe(p.sym('x'));

    // Through the invalid-opcode hook: the same bytes and message; false stops the run.
    const h = new Guest();
    h.code('nop\nx: fldz\nhlt');
    const seen: { eip: number; bytes: number[]; message: string }[] = [];
    h.m.onInvalidOpcode((_m, ev) => {
      seen.push({ eip: ev.eip, bytes: [...ev.bytes], message: ev.message });
      return false;
    });
    const r2 = h.m.run({ maxInstructions: 10 });
    expect(r2.reason).toBe('invalid-opcode');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.eip).toBe(p.sym('x'));
    expect(seen[0]!.bytes[0]).toBe(0xd9);
    expect(seen[0]!.message).toBe(r.exception?.message);
    expect(r2.exception?.message).toBe(r.exception?.message);
    expect(h.cpu.eip).toBe(p.sym('x'));
  });

  it('an invalid-opcode hook that handles the instruction continues at the EIP it sets', () => {
    const g = new Guest();
    const p = g.code('ud2\nnext: movl $5, %eax\nhlt');
    g.m.onInvalidOpcode((m, ev) => {
      m.cpu.eip = ev.eip + 2;
      return true;
    });
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    expect(g.reg(EAX)).toBe(5);
    expect(p.sym('next')).toBe(p.origin + 2);
  });

  it('#GP pushes its error code: a reserved CR4 bit (0) and a vector beyond the IDT limit (IDT index)', () => {
    const g = flat();
    const p = g.code(`
      movl $0x800, %eax
    op: movl %eax, %cr4
      int $0x90
      hlt
    gp:
      movl n, %ebx
      popl errs(,%ebx,4)
      movl (%esp), %eax
      movl %eax, eips(,%ebx,4)
      incl n
      cmpl $1, %ebx
      je 1f
      addl $3, (%esp)     # skip the 3-byte mov to CR4
      iret
    1: hlt
    n: .long 0
    errs: .long -1, -1
    eips: .long -1, -1`);
    g.gate(Vector.GP, p.sym('gp'));
    g.cpu.idtrLimit = 0x90 * 8 - 1;
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('n'))).toBe(2);
    // IDT-related error codes: index << 3 | IDT (2); the EIP is the int instruction.
    expect(words(g, p.sym('errs'), 2)).toEqual([0, 0x90 * 8 + 2]);
    expect(words(g, p.sym('eips'), 2)).toEqual([p.sym('op'), p.sym('op') + 3]);
    expect(g.cpu.cr4).toBe(0);
  });

  it('#PF pushes its error code below EIP, CS and EFLAGS', () => {
    const g = flat();
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    g.map(0x800000, 0x50000, 0);
    g.enablePaging();
    const p = g.code(`
    op: movl 0x800010, %eax
      hlt
    pf:
      movl %esp, esp0
      popl err
      movl %cr2, %eax
      movl %eax, cr2
      movl (%esp), %eax
      movl %eax, eip
      hlt
    esp0: .long 0
    err: .long 0
    cr2: .long 0
    eip: .long 0`);
    g.gate(Vector.PF, p.sym('pf'));
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(words(g, p.sym('esp0'), 4)).toEqual([LAYOUT.stack - 16, 0, 0x800010, p.sym('op')]);
  });
});

describe('double and triple faults (SDM table 6-5)', () => {
  function pfWithoutGate(dfPresent: boolean): { g: Guest; p: ReturnType<typeof assemble> } {
    const g = flat();
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    g.map(0x800000, 0x50000, 0);
    g.enablePaging();
    const p = g.code(`
    op: movl 0x800010, %eax
      hlt
    df:
      movl %esp, esp0
      popl err
      movl %cr2, %eax
      movl %eax, cr2
      hlt
    esp0: .long 0
    err: .long -1
    cr2: .long 0`);
    g.gate(Vector.PF, p.sym('df'), { present: false });
    g.gate(Vector.DF, p.sym('df'), { present: dfPresent });
    return { g, p };
  }

  it('a #PF whose gate is not present becomes a double fault (error code 0)', () => {
    const { g, p } = pfWithoutGate(true);
    const r = g.m.run({ maxInstructions: 100 });
    expect(r.reason).toBe('halted');
    expect(words(g, p.sym('esp0'), 3)).toEqual([LAYOUT.stack - 16, 0, 0x800010]);
  });

  it('a fault while delivering the double fault is a triple fault: the run ends', () => {
    const { g } = pfWithoutGate(false);
    const seen: number[] = [];
    g.m.hookInterrupt(-1, (_m, ev) => {
      seen.push(ev.vector);
      return false;
    });
    const r = g.m.run({ maxInstructions: 100 });
    expect(r.reason).toBe('triple-fault');
    expect(r.exception).toBeDefined();
    expect(seen).toEqual([Vector.PF, Vector.DF]);
  });

  it('a #PF while delivering a #GP is delivered serially, not as a double fault', () => {
    // The IDT straddles a page boundary: gates 0-13 on a not-present page, 14 and up on a present one.
    const g = flat();
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    const idt = 0x90000 - 14 * 8;
    g.map(0x8f000, 0x8f000, 0);
    g.enablePaging();
    const p = g.code(`
    op: movl %eax, %cr4     # reserved bit: #GP
      hlt
    pf:
      popl err
      movl %cr2, %eax
      movl %eax, cr2
      hlt
    dfh:
      movl $0xdf, err
      hlt
    err: .long -1
    cr2: .long 0`);
    g.cpu.regs[EAX] = 0x800;
    const hi = (t: number): number => (t & 0xffff0000) | 0x8e00;
    g.m.writePhys32(idt + 14 * 8, (0x08 << 16) | (p.sym('pf') & 0xffff));
    g.m.writePhys32(idt + 14 * 8 + 4, hi(p.sym('pf')));
    g.cpu.idtrBase = idt;
    g.cpu.idtrLimit = 0x7ff;
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('err'))).toBe(0);
    expect(g.read32(p.sym('cr2'))).toBe(idt + 13 * 8);
  });
});

describe('privilege levels', () => {
  /**
   * Kernel (supervisor pages) at 0x20000 with its stack below LAYOUT.stack; user code at
   * 0x30000 and user stack below 0x90000 on user pages; IDT and page tables supervisor-only.
   */
  function rings(kernelSrc: string, userSrc: string): { g: Guest; k: ReturnType<typeof assemble>; u: ReturnType<typeof assemble> } {
    const g = new Guest();
    g.identity(0, 0x100000, Pte.P | Pte.RW);
    g.identity(0x30000, 0x31000, Pte.P | Pte.RW | Pte.US);
    g.identity(0x8f000, 0x90000, Pte.P | Pte.RW | Pte.US);
    g.enablePaging();
    g.useIdt();
    const k = g.load(assemble(kernelSrc, 0x20000));
    const u = g.load(assemble(userSrc, 0x30000));
    g.cpu.tssEsp0 = LAYOUT.stack;
    g.cpu.setEflags(Flag.IF);
    g.cpu.setCpl(3);
    g.cpu.regs[ESP] = 0x90000;
    g.cpu.eip = 0x30000;
    return { g, k, u };
  }

  const KERNEL = `
    sys:                    # int $0x80: records the frame, returns 42 in EAX
      movl %esp, k_esp
      movl (%esp), %ecx
      movl %ecx, k_eip
      movl 4(%esp), %ecx
      movl %ecx, k_cs
      movl 8(%esp), %ecx
      movl %ecx, k_fl
      movl 12(%esp), %ecx
      movl %ecx, k_uesp
      movl 16(%esp), %ecx
      movl %ecx, k_ss
      movl %cs, %ecx
      movl %ecx, k_mycs
      movl $42, %eax
      iret
    gp:
      popl g_err
      movl (%esp), %ecx
      movl %ecx, g_eip
      movl 4(%esp), %ecx
      movl %ecx, g_cs
      hlt
    irq:
      incl irqs
      iret
    k_esp: .long 0
    k_eip: .long 0
    k_cs: .long 0
    k_fl: .long 0
    k_uesp: .long 0
    k_ss: .long 0
    k_mycs: .long 0
    g_err: .long -1
    g_eip: .long 0
    g_cs: .long 0
    irqs: .long 0`;

  it('int $0x80 from ring 3 through a DPL 3 gate switches to ESP0, and iret returns to ring 3', () => {
    const { g, k, u } = rings(KERNEL, `
      movl $1, %eax
      int $0x80
    back:
      movl %eax, %ebx
      movl %cs, %esi
    done:
      nop`);
    g.gate(0x80, k.sym('sys'), { dpl: 3 });
    g.gate(Vector.GP, k.sym('gp'));
    const r = g.m.run({ until: u.sym('done'), maxInstructions: 100 });
    expect(r.reason).toBe('until');
    expect(g.read32(k.sym('k_esp'))).toBe(LAYOUT.stack - 20);
    expect(words(g, k.sym('k_eip'), 6)).toEqual([u.sym('back'), 0x1b, Flag.IF | 2, 0x90000, 0x23, 0x08]);
    expect(g.reg(EBX)).toBe(42);
    expect(g.reg(ESI) & 0xffff).toBe(0x1b);
    expect(g.cpu.cpl).toBe(3);
    expect(g.reg(ESP)).toBe(0x90000);
    // IF comes back from the frame (the interrupt gate had cleared it in ring 0).
    expect(g.cpu.getEflags() & Flag.IF).toBe(Flag.IF);
  });

  it('int $n from ring 3 through a DPL 0 gate raises #GP with the gate index as error code', () => {
    const { g, k, u } = rings(KERNEL, `
    op: int $0x81
      nop`);
    g.gate(0x81, k.sym('sys'), { dpl: 0 });
    g.gate(Vector.GP, k.sym('gp'));
    g.gate(Vector.DF, k.sym('sys'));
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(words(g, k.sym('g_err'), 3)).toEqual([0x81 * 8 + 2, u.sym('op'), 0x1b]);
    expect(g.read32(k.sym('k_esp'))).toBe(0);
    expect(g.cpu.cpl).toBe(0);
  });

  it('a privileged instruction in ring 3 raises #GP(0) on the ring-0 stack', () => {
    const { g, k, u } = rings(KERNEL, `
    op: cli
      nop`);
    g.gate(Vector.GP, k.sym('gp'));
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(words(g, k.sym('g_err'), 3)).toEqual([0, u.sym('op'), 0x1b]);
  });

  it('a hardware interrupt in ring 3 is taken on the ring-0 stack and returns to ring 3', () => {
    const { g, k, u } = rings(KERNEL, `
    spin:
      incl %ecx
      cmpl $10, %ecx
      jne spin
    done:
      nop`);
    g.gate(0x20, k.sym('irq'));
    g.gate(Vector.GP, k.sym('gp'));
    let acks = 0;
    g.m.setInterruptSource(() => {
      acks++;
      g.m.setIntr(false);
      return 0x20;
    });
    expect(g.m.run({ maxInstructions: 5 }).reason).toBe('instructions');
    g.m.setIntr(true);
    expect(g.m.run({ until: u.sym('done'), maxInstructions: 100 }).reason).toBe('until');
    expect(acks).toBe(1);
    expect(g.read32(k.sym('irqs'))).toBe(1);
    expect(g.reg(ECX)).toBe(10);
    expect(g.cpu.cpl).toBe(3);
    expect(g.reg(ESP)).toBe(0x90000);
  });
});

describe('the INTR line, IF, the sti shadow and hlt', () => {
  const SRC = `
      cli
      xorl %ebx, %ebx
      incl %ebx
      incl %ebx
      sti
      incl %ebx           # in the sti shadow: runs before the interrupt
      incl %ebx
      cli
      hlt
    irq:
      movl %ebx, seen
      incl count
      iret
    seen: .long -1
    count: .long 0`;

  function intrGuest(): { g: Guest; p: ReturnType<typeof assemble>; acks: () => number } {
    const g = flat();
    const p = g.code(SRC);
    g.gate(0x20, p.sym('irq'));
    let acks = 0;
    g.m.setInterruptSource(() => {
      acks++;
      g.m.setIntr(false);
      return 0x20;
    });
    return { g, p, acks: () => acks };
  }

  it('is not taken while IF=0, and is taken after sti only after one more instruction', () => {
    const { g, p, acks } = intrGuest();
    expect(g.m.run({ maxInstructions: 2 }).reason).toBe('instructions');
    g.m.setIntr(true);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(acks()).toBe(1);
    expect(g.read32(p.sym('count'))).toBe(1);
    expect(g.read32(p.sym('seen'))).toBe(3);
    expect(g.reg(EBX)).toBe(4);
  });

  it('a line raised by a device during an instruction is taken right after it, even mid-block', () => {
    const g = flat();
    const p = g.code(`
      sti
      nop
      xorl %ebx, %ebx
      outb %al, $0x20     # the device raises INTR
      incl %ebx           # must not run before the interrupt
      incl %ebx
      cli
      hlt
    irq:
      movl %ebx, seen
      iret
    seen: .long -1`);
    g.gate(0x20, p.sym('irq'));
    g.m.setInterruptSource(() => {
      g.m.setIntr(false);
      return 0x20;
    });
    g.m.setPortHandler({ in: () => 0, out: () => g.m.setIntr(true) });
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('seen'))).toBe(0);
    expect(g.reg(EBX)).toBe(2);
  });

  it('stays pending with cli: a halted CPU with IF=0 stays halted', () => {
    const { g, p, acks } = intrGuest();
    g.cpu.eip = p.sym('irq') - 2; // cli; hlt
    g.m.setIntr(true);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(acks()).toBe(0);
    expect(g.cpu.intrPending).toBe(true);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(acks()).toBe(0);
  });

  it('a level-triggered line that stays asserted interrupts again after iret', () => {
    const g = flat();
    const p = g.code(`
      sti
      nop
      nop
      hlt
    irq:
      incl count
      cmpl $3, count
      jne 1f
      movl $0, %eax
      outb %al, $0x20     # the device lowers its line on the third interrupt
    1: iret
    count: .long 0`);
    g.gate(0x20, p.sym('irq'));
    g.m.setInterruptSource(() => 0x20);
    g.m.setPortHandler({ in: () => 0, out: () => g.m.setIntr(false) });
    g.m.setIntr(true);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('count'))).toBe(3);
  });

  it('hlt ends the run with reason halted and resumes on an interrupt', () => {
    const g = flat();
    const p = g.code(`
      sti
    h: hlt
      movl $1, %esi
      cli
      hlt
    irq:
      incl count
      iret
    count: .long 0`);
    g.gate(0x20, p.sym('irq'));
    g.m.setInterruptSource(() => {
      g.m.setIntr(false);
      return 0x20;
    });
    const r = g.m.run({ maxInstructions: 100 });
    expect(r).toMatchObject({ reason: 'halted', instructions: 2 });
    expect(g.cpu.eip).toBe(p.sym('h') + 1);
    // Nothing to wake it: another run ends at once.
    expect(g.m.run({ maxInstructions: 100 })).toMatchObject({ reason: 'halted', instructions: 0 });
    g.m.setIntr(true);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('count'))).toBe(1);
    expect(g.reg(ESI)).toBe(1);
  });

  it('an acknowledge that returns -1 (spurious) delivers nothing', () => {
    const g = flat();
    g.code('sti\nnop\nnop\ncli\nhlt');
    let acks = 0;
    g.m.setInterruptSource(() => {
      acks++;
      g.m.setIntr(false);
      return -1;
    });
    g.m.setIntr(true);
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(acks).toBe(1);
  });
});

describe('host interception', () => {
  it('hookInterrupt(v) returning true handles int $v: the guest continues after it', () => {
    const g = new Guest(); // no IDT at all
    const p = g.code(`
      movl $7, %eax
      int $0x80
    after:
      movl %eax, %ebx
      hlt`);
    const events: InterruptEvent[] = [];
    g.m.hookInterrupt(0x80, (m, ev) => {
      events.push(ev);
      m.cpu.regs[EAX] = m.cpu.regs[EAX]! * 6;
      return true;
    });
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    expect(g.reg(EBX)).toBe(42);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ vector: 0x80, software: true, eip: p.sym('after') });
  });

  it('a hook returning false lets the IDT deliver it; hookInterrupt(-1) sees every vector first', () => {
    const g = flat();
    const p = g.code(`
      int $0x81
      ud2
    after:
      hlt
    h81:
      incl n81
      iret
    ud:
      addl $2, (%esp)
      iret
    n81: .long 0`);
    g.gate(0x81, p.sym('h81'));
    g.gate(Vector.UD, p.sym('ud'));
    const order: string[] = [];
    g.m.hookInterrupt(-1, (_m, ev) => {
      order.push(`any:${ev.vector}`);
      return false;
    });
    g.m.hookInterrupt(0x81, (_m, ev) => {
      order.push(`81:${ev.vector}`);
      return false;
    });
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(order).toEqual(['any:129', '81:129', 'any:6']);
    expect(g.read32(p.sym('n81'))).toBe(1);
    expect(g.cpu.eip).toBe(p.sym('after') + 1);
  });

  it('a hooked hardware interrupt is acknowledged and handled by the host', () => {
    const g = new Guest();
    const p = g.code('sti\nnop\nnop\ncli\nhlt');
    g.m.setInterruptSource(() => {
      g.m.setIntr(false);
      return 0x21;
    });
    const events: InterruptEvent[] = [];
    g.m.hookInterrupt(0x21, (_m, ev) => {
      events.push(ev);
      return true;
    });
    g.m.setIntr(true);
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    // Taken after the instruction in the sti shadow.
    expect(events).toEqual([expect.objectContaining({ vector: 0x21, software: false, eip: p.origin + 2 })]);
  });
});
