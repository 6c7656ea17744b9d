// End to end with guest code: an i386 routine programs the e1000 through its MMIO BAR with real
// mov instructions (rings prepared in RAM by the test), idles in hlt, and its interrupt handler
// reads ICR (read-to-clear lowers INTA#) and EOIs the cascade; the peer answers each frame, so
// both the transmit and the receive interrupt reach the guest through IRQ 11 on the slave 8259.
import { CLOCK_HZ } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { E1000Icr as Icr, E1000Rctl as Rctl, E1000Reg as R, E1000TxCmd as TxCmd } from '../src/index.js';

import { LAYOUT, assemble } from './asm.js';
import { NIC_MAC, PEER_MAC, Rig, frame, rxDesc, txDesc, writeDesc } from './e1000-harness.js';
import { INIT_8259A, SET_GATE } from './guest-snippets.js';

const TX_RING = 0x100000, RX_RING = 0x101000, TX_BUF = 0x110000, RX_BUF = 0x120000;

describe('e1000 from guest code', () => {
  it('transmits, receives the echo and takes both interrupts in its handler', () => {
    const r = new Rig();
    expect(r.irq).toBe(11);
    r.m.cpu.regs[4] = LAYOUT.stack;
    const out = [frame(PEER_MAC, NIC_MAC, 200, 1), frame(PEER_MAC, NIC_MAC, 1000, 2)];
    out.forEach((f, i) => {
      r.m.writePhys(TX_BUF + 0x800 * i, f);
      writeDesc(r.m, TX_RING + 16 * i, txDesc(TX_BUF + 0x800 * i, f.length, TxCmd.EOP | TxCmd.IFCS | TxCmd.RS));
    });
    for (let i = 0; i < 8; i++) writeDesc(r.m, RX_RING + 16 * i, rxDesc(RX_BUF + 0x800 * i));
    // The peer echoes every frame back with the addresses swapped.
    r.cable.b.connect({
      receiveFrame: (f, at) => {
        const e = f.slice();
        e.set(f.subarray(6, 12), 0);
        e.set(f.subarray(0, 6), 6);
        r.cable.b.send(e, at);
      },
    });
    const B = r.bar0;
    const prog = assemble(`
      .equ IDT, ${LAYOUT.idt}
      .equ BAR, ${B}
      movl $0x2b, %ecx                 # IRQ 11 = slave IR3 = vector 0x2b
      movl $nic, %eax
      call set_gate
      lidt idtr
${INIT_8259A}
      movb $0xf7, %al
      outb %al, $0xa1
      movl $${TX_RING}, BAR+${R.TDBAL}
      movl $0, BAR+${R.TDBAH}
      movl $128, BAR+${R.TDLEN}
      movl $0, BAR+${R.TDH}
      movl $0, BAR+${R.TDT}
      movl $${RX_RING}, BAR+${R.RDBAL}
      movl $128, BAR+${R.RDLEN}
      movl $0, BAR+${R.RDH}
      movl $7, BAR+${R.RDT}
      movl $${Rctl.EN | Rctl.BAM | Rctl.SECRC}, BAR+${R.RCTL}
      movl $${(1 << 1) | (1 << 3)}, BAR+${R.TCTL}
      movl $${Icr.TXDW | Icr.RXT0 | Icr.LSC}, BAR+${R.IMS}
      movl $2, BAR+${R.TDT}            # go
    idle:
      sti
      hlt
      jmp idle
    nic:
      pushl %eax
      movl BAR+${R.ICR}, %eax          # read-to-clear: INTA# drops
      orl %eax, causes
      incl count
      movb $0x63, %al                  # specific EOI: slave IR3, then the master's cascade IR2
      outb %al, $0xa0
      movb $0x62, %al
      outb %al, $0x20
      popl %eax
      iret
${SET_GATE}
      .p2align 2
    idtr:
      .word 0x17f
      .long IDT
    count: .long 0
    causes: .long 0
    `, LAYOUT.code);
    r.m.writePhys(prog.origin, prog.bytes);
    r.m.cpu.eip = LAYOUT.code;
    const res = r.p.run({ cycles: CLOCK_HZ / 1000 }); // 1 ms
    expect(res.reason).toBe('time');
    expect(r.m.readPhys32(prog.sym('causes')) & (Icr.TXDW | Icr.RXT0)).toBe(Icr.TXDW | Icr.RXT0);
    expect(r.m.readPhys32(prog.sym('count'))).toBeGreaterThanOrEqual(2);
    expect(r.rd(R.TDH)).toBe(2);
    expect(r.rd(R.RDH)).toBe(2);
    const echoed = r.m.readPhys(RX_BUF, out[0]!.length);
    expect(echoed.subarray(0, 6)).toEqual(NIC_MAC);
    expect(echoed.subarray(14)).toEqual(out[0]!.subarray(14));
    expect(r.m.readPhys(RX_RING + 16 + 8, 2)).toEqual(new Uint8Array([1014 & 0xff, 1014 >> 8]));
    expect(r.nic.interruptLine).toBe(false);
    expect(r.p.pic.isr).toBe(0);
    expect(res.idleCycles / res.cycles).toBeGreaterThan(0.9); // the CPU slept through the wire time
  });
});
