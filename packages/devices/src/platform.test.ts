import { CLOCK_HZ, Machine } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import { Platform } from './index.js';

function machineWith(bytes: number[]): Machine {
  const m = new Machine({ memoryBytes: 1 << 20 });
  m.writePhys(0x1000, new Uint8Array(bytes));
  m.cpu.eip = 0x1000;
  m.cpu.regs[4] = 0x8000;
  return m;
}

describe('Platform', () => {
  it('wires the standard devices on the Machine', () => {
    const p = new Platform(machineWith([0xf4]));
    expect(p.ports.list().map((r) => `${r.name}@${r.base.toString(16)}`)).toEqual([
      'pic-master@20',
      'pit@40',
      'port61@61',
      'pic-slave@a0',
      'elcr@4d0',
      'pci-config-address@cf8',
      'pci-config-data@cfc',
    ]);
    expect(p.pci.list().map((e) => e.fn.name)).toEqual(['host-bridge']);
    expect(p.pci.describe()).toBe('00:00.0 host-bridge [0x8086:0x7192]');
    expect(p.clock.pendingCount).toBe(1); // the BIOS-state PIT's next OUT transition
    expect(() => new Platform(p.machine)).toThrow(/onDeadline/);
  });

  it('cli; hlt can never wake: the run ends at once even with events pending', () => {
    const p = new Platform(machineWith([0xfa, 0xf4])); // cli; hlt
    const r = p.run({ cycles: CLOCK_HZ });
    expect(r.reason).toBe('halted');
    expect(r.idleCycles).toBe(0);
  });

  it('sti; hlt with nothing scheduled: halts without a limit, idles to the limit with one', () => {
    const p = new Platform(machineWith([0xfb, 0xf4]), { biosPit: false });
    expect(p.run().reason).toBe('halted');
    const r = p.run({ cycles: 1000 });
    expect(r).toMatchObject({ reason: 'time', cycles: 1000, idleCycles: 1000 });
  });

  it('stops at an address or after an instruction budget', () => {
    const p = new Platform(machineWith([0x90, 0x90, 0x90, 0xeb, 0xfb])); // nops; jmp back
    expect(p.run({ untilAddress: 0x1002 }).reason).toBe('until');
    expect(p.machine.cpu.eip).toBe(0x1002);
    const r = p.run({ maxInstructions: 50 });
    expect(r).toMatchObject({ reason: 'instructions', instructions: 50, idleCycles: 0 });
  });
});
