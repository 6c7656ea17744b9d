// Runnable example (README): a guest idles in `sti; hlt` while the PIT ticks at HZ=100; its
// IRQ0 handler counts and sends the EOI. The host programs the PIC and the PIT through the port
// bus, as the simulated kernel's TypeScript code does. Run: pnpm --filter @nooks/devices example
import { pathToFileURL } from 'node:url';

import { CLOCK_HZ, Machine } from '@nooks/x86';

import { Platform, pitLatch } from '../index.js';

export interface Hz100Result {
  ticks: number;
  seconds: number;
  utilisation: number;
}

export function runHz100Example(seconds = 1): Hz100Result {
  const m = new Machine({ memoryBytes: 1 << 20 });
  const p = new Platform(m);
  const code = 0x1000, handler = 0x1100, counter = 0x2000, idt = 0x3000;
  // idle: sti; hlt; jmp idle
  m.writePhys(code, new Uint8Array([0xfb, 0xf4, 0xeb, 0xfc]));
  // push %eax; incl counter; mov $0x20,%al; out %al,$0x20 (EOI); pop %eax; iret
  m.writePhys(handler, new Uint8Array([0x50, 0xff, 0x05, counter & 0xff, counter >> 8, 0, 0, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf]));
  m.writePhys32(idt + 0x20 * 8, (0x08 << 16) | handler); // interrupt gate, selector 0x08
  m.writePhys32(idt + 0x20 * 8 + 4, 0x8e00);
  m.cpu.idtrBase = idt;
  m.cpu.idtrLimit = 0x7ff;
  m.cpu.regs[4] = 0x8000;
  m.cpu.eip = code;
  // init_8259A as Linux 2.4 does it (vector bases 0x20/0x28), IRQ0 and the cascade unmasked.
  const out = (port: number, v: number): void => p.ports.out(port, 1, v);
  for (const [port, v] of [[0x20, 0x11], [0x21, 0x20], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x28], [0xa1, 0x02], [0xa1, 0x01], [0x21, 0xfa], [0xa1, 0xff]] as const) out(port, v);
  // PIT channel 0, mode 2, LATCH = 11932.
  out(0x43, 0x34);
  out(0x40, pitLatch(100) & 0xff);
  out(0x40, pitLatch(100) >> 8);
  p.run({ cycles: seconds * CLOCK_HZ });
  return { ticks: m.readPhys32(counter), seconds: p.clock.now() / CLOCK_HZ, utilisation: p.clock.stats().utilisation };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = runHz100Example(Number(process.argv[2] ?? 1));
  console.log(`${r.ticks} timer interrupts in ${r.seconds.toFixed(3)} simulated seconds; CPU utilisation ${(r.utilisation * 100).toFixed(4)}%`);
}
