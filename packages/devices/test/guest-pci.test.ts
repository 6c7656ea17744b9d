// End to end: guest code enumerates PCI bus 0 through 0xCF8/0xCFC, finds the host bridge and a
// test card, sizes its BARs, enables decoding and reaches the card's registers through its I/O
// and memory BARs; then the card interrupts through the slave PIC (level-triggered IRQ 10) and
// the guest's handler deasserts it and sends both EOIs.
import { CLOCK_HZ } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { Platform, PciCommand } from '../src/index.js';

import { Guest, LAYOUT } from './asm.js';
import { INIT_8259A, SET_GATE } from './guest-snippets.js';
import { TestCard } from './test-card.js';

const TABLE = LAYOUT.data;

const ENUMERATE = `
  .equ TABLE, ${TABLE}
  xorl %esi, %esi
  movl $TABLE, %edi
  xorl %ebx, %ebx
scan:
  movl %esi, %eax
  shll $11, %eax
  orl $0x80000000, %eax
  movw $0xcf8, %dx
  outl %eax, %dx
  movw $0xcfc, %dx
  inl %dx, %eax
  cmpl $0xffffffff, %eax
  je next
  movl %esi, (%edi)
  movl %eax, 4(%edi)
  cmpw $0x1af4, %ax
  jne 1f
  movl %esi, %ebx                 # remember the test card's config address
  shll $11, %ebx
  orl $0x80000000, %ebx
1:
  movl %esi, %eax                 # class code: register 8
  shll $11, %eax
  orl $0x80000008, %eax
  movw $0xcf8, %dx
  outl %eax, %dx
  movw $0xcfc, %dx
  inl %dx, %eax
  movl %eax, 8(%edi)
  addl $12, %edi
next:
  incl %esi
  cmpl $32, %esi
  jne scan
  movl $0xffffffff, (%edi)
`;

/** Reads config register \`reg\` of the card (%ebx) into %eax. */
const cfg = (reg: number): string => `
  movl %ebx, %eax
  orl $${reg}, %eax
  movw $0xcf8, %dx
  outl %eax, %dx
  movw $0xcfc, %dx
  inl %dx, %eax
`;

const PROBE = `
${ENUMERATE}
  testl %ebx, %ebx
  jz done
${cfg(0x10)}
  movl %eax, bar0
  movl $0xffffffff, %eax          # size BAR0 (pci_read_bases)
  outl %eax, %dx
  inl %dx, %eax
  movl %eax, bar0size
  movl bar0, %eax
  outl %eax, %dx
${cfg(0x14)}
  movl %eax, bar1
  movl $0xffffffff, %eax
  outl %eax, %dx
  inl %dx, %eax
  movl %eax, bar1size
  movl bar1, %eax
  outl %eax, %dx
  movl bar0, %edx                 # before decoding is enabled: nothing answers
  andl $0xfffc, %edx
  addl $4, %edx
  inb %dx, %al
  movb %al, pre_io
${cfg(0x04)}
  orw $${PciCommand.IO | PciCommand.MEMORY | PciCommand.BUS_MASTER}, %ax   # pci_enable_device + pci_set_master
  outw %ax, %dx
  movl bar0, %edx
  andl $0xfffc, %edx
  addl $4, %edx
  movb $0x5a, %al
  outb %al, %dx
  inb %dx, %al
  movb %al, io_back
  movl bar1, %edi
  andl $0xfffffff0, %edi
  movl $0xcafef00d, 0x20(%edi)
  movl 0x20(%edi), %eax
  movl %eax, mem_back
done:
  hlt
  .p2align 2
bar0: .long 0
bar0size: .long 0
bar1: .long 0
bar1size: .long 0
mem_back: .long 0
pre_io: .byte 0
io_back: .byte 0
`;

describe('PCI from guest code', () => {
  it('enumerates bus 0, sizes BARs, enables decoding and reaches the card through both BARs', () => {
    const g = new Guest(4 << 20);
    const prog = g.code(PROBE);
    const p = new Platform(g.m);
    const card = new TestCard();
    p.pci.add(card, 3);
    const assigned = p.assignPciResources({ enableDecoding: false });
    expect(assigned[1]!.bars.map((b) => b.base)).toEqual([0x1000, 0xf0000000, 0xf0001000]);
    expect(p.run({ maxInstructions: 100_000 }).reason).toBe('halted');
    const found: { dev: number; id: number; cls: number }[] = [];
    for (let a = TABLE; g.read32(a) !== 0xffffffff; a += 12) found.push({ dev: g.read32(a), id: g.read32(a + 4), cls: g.read32(a + 8) });
    expect(found).toEqual([
      { dev: 0, id: 0x71928086, cls: 0x06000003 },
      { dev: 3, id: 0x12341af4, cls: 0xff000002 },
    ]);
    expect(g.read32(prog.sym('bar0'))).toBe(0x1001);
    expect(g.read32(prog.sym('bar0size'))).toBe(0xffffffe1);
    expect(g.read32(prog.sym('bar1'))).toBe(0xf0000000);
    expect(g.read32(prog.sym('bar1size'))).toBe(0xfffff000);
    expect(g.m.readPhys(prog.sym('pre_io'), 1)[0]).toBe(0xff);
    expect(card.command & 7).toBe(7);
    expect(card.io[4]).toBe(0x5a);
    expect(g.m.readPhys(prog.sym('io_back'), 1)[0]).toBe(0x5a);
    expect(card.mmio[8]).toBe(0xcafef00d);
    expect(g.read32(prog.sym('mem_back'))).toBe(0xcafef00d);
    expect(card.log).toContain('mem w4@32=cafef00d');
  });

  it('the card interrupts on IRQ 10 through the cascade; the handler deasserts it and EOIs slave and master', () => {
    const g = new Guest(4 << 20);
    const p = new Platform(g.m);
    const card = new TestCard();
    p.pci.add(card, 1); // INTA# of slot 1 -> PIRQA -> IRQ 10
    const [, a] = p.assignPciResources();
    expect(a!.irq).toBe(10);
    const io = a!.bars[0]!.base;
    const prog = g.code(`
      .equ IDT, ${LAYOUT.idt}
      movl $0x2a, %ecx
      movl $nic, %eax
      call set_gate
      lidt idtr
${INIT_8259A}
      movb $0xfb, %al          # IRQ10 unmasked on the slave, the cascade on the master
      outb %al, $0xa1
    idle:
      sti
      hlt
      jmp idle
    nic:
      pushl %eax
      pushl %edx
      movw $${io}, %dx
      xorb %al, %al
      outb %al, %dx            # acknowledge the card: INTA# goes low
      movb $0x62, %al          # specific EOI to the slave (IRQ10 = slave IR2)
      outb %al, $0xa0
      outb %al, $0x20          # and to the master's cascade input
      incl count
      popl %edx
      popl %eax
      iret
${SET_GATE}
      .p2align 2
    idtr:
      .word 0x17f
      .long IDT
    count: .long 0
    `);
    // The card raises its interrupt every millisecond for 100 ms.
    const period = CLOCK_HZ / 1000;
    let raised = 0;
    const tick = p.clock.timer((t) => {
      card.raiseIrq(true);
      raised++;
      if (raised < 100) tick.schedule(t + period);
    }, 'card');
    tick.schedule(p.clock.now() + period);
    p.run({ cycles: CLOCK_HZ / 5 });
    expect(raised).toBe(100);
    expect(g.read32(prog.sym('count'))).toBe(100);
    expect(p.pic.stats.acknowledged[10]).toBe(100);
    expect(p.pic.isr).toBe(0);
    expect(card.interruptAsserted).toBe(false);
    expect(p.pic.slave.elcr).toBe(0x04);
  });
});
