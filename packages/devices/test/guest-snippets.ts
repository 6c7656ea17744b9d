// AT&T snippets shared by the guest tests: what a Linux 2.4 kernel does to the PIC and the PIT,
// and a routine that writes an interrupt gate.

/** IDT gate writer: vector in %ecx, handler in %eax (clobbers %eax, %edx). */
export const SET_GATE = `
set_gate:
  leal IDT(,%ecx,8), %edx
  movw %ax, (%edx)
  movw $0x08, 2(%edx)
  movw $0x8e00, 4(%edx)
  shrl $16, %eax
  movw %ax, 6(%edx)
  ret
`;

/** init_8259A(0) of Linux 2.4 (arch/i386/kernel/i8259.c), then every IRQ masked but the cascade. */
export const INIT_8259A = `
  movb $0xff, %al
  outb %al, $0x21
  outb %al, $0xa1
  movb $0x11, %al
  outb %al, $0x20
  movb $0x20, %al
  outb %al, $0x21
  movb $0x04, %al
  outb %al, $0x21
  movb $0x01, %al
  outb %al, $0x21
  movb $0x11, %al
  outb %al, $0xa0
  movb $0x28, %al
  outb %al, $0xa1
  movb $0x02, %al
  outb %al, $0xa1
  movb $0x01, %al
  outb %al, $0xa1
  movb $0xfb, %al
  outb %al, $0x21
  movb $0xff, %al
  outb %al, $0xa1
`;

/** init_IRQ's PIT setup for HZ=100 (Linux 2.4 arch/i386/kernel/i8259.c): channel 0, mode 2, LATCH. */
export const INIT_PIT_HZ100 = `
  movb $0x34, %al
  outb %al, $0x43
  movb $(11932 & 0xff), %al
  outb %al, $0x40
  movb $(11932 >> 8), %al
  outb %al, $0x40
`;
