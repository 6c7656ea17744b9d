// A stand-in for the CPU's clock interface: cycles advance in "blocks" of a given size and the
// deadline fires at block boundaries, as in the interpreter loop.
import type { ClockCpu, CpuInterruptPin } from '../src/index.js';

export class FakeCpu implements ClockCpu, CpuInterruptPin {
  cycles = 0;
  deadline = Infinity;
  onDeadline: (() => void) | null = null;
  halted = false;
  /** Cycles executed inside the current block (what cpu.now() adds). */
  inBlock = 0;
  intr = false;
  source: (() => number) | null = null;

  now(): number {
    return this.cycles + this.inBlock;
  }

  /** Executes `total` cycles in blocks of `block` cycles, honouring the deadline at block ends. */
  execute(total: number, block = 100): void {
    let left = total;
    while (left > 0) {
      const n = Math.min(block, left);
      this.cycles += n;
      left -= n;
      if (this.cycles >= this.deadline) {
        this.deadline = Infinity;
        this.onDeadline?.();
      }
    }
  }

  setIntr(level: boolean): void {
    this.intr = level;
  }

  setInterruptSource(source: (() => number) | null): void {
    this.source = source;
  }

  /** The INTA cycle. */
  ack(): number {
    return this.source ? this.source() : -1;
  }
}
