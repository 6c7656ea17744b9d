// Bus-master DMA over a Machine's RAM. Writes go through the CPU so that decoded code in the
// pages written is dropped (a card DMAing over code must not leave stale blocks behind).

import type { Machine } from '@nooks/x86';

import type { DmaMemory } from './pci-types.js';

export function machineDma(machine: Machine): DmaMemory {
  const cpu = machine.cpu;
  const size = cpu.memoryBytes;
  const inRam = (addr: number, length: number): boolean => addr >= 0 && length >= 0 && addr + length <= size;
  return {
    size,
    readInto(addr, dest) {
      addr >>>= 0;
      if (!inRam(addr, dest.length)) return false;
      dest.set(cpu.mem8.subarray(addr, addr + dest.length));
      return true;
    },
    write(addr, bytes) {
      addr >>>= 0;
      if (!inRam(addr, bytes.length)) return false;
      cpu.writePhysBytes(addr, bytes);
      return true;
    },
    read32(addr) {
      addr >>>= 0;
      if (!inRam(addr, 4)) return -1;
      return cpu.physRead(addr, 4);
    },
    write32(addr, value) {
      addr >>>= 0;
      if (!inRam(addr, 4)) return false;
      cpu.physWrite(addr, 4, value);
      return true;
    },
  };
}
