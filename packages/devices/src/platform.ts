// The motherboard: on a given Machine, the simulated-time Clock, the I/O port bus, the 8259A
// pair driving INTR, the 8254 driving IRQ0, and PCI bus 0 with a 440BX host bridge. Cards are
// added to `pci` (or to `ports` for ISA devices); `run` executes the guest and idles through
// `hlt` by jumping the clock to the next device event.

import { Flag } from '@nooks/x86';
import type { Machine, StopReason } from '@nooks/x86';

import { Clock } from './clock.js';
import type { ClockOptions } from './clock.js';
import { machineDma } from './dma.js';
import { HostBridge } from './host-bridge.js';
import { IoPortBus } from './io-port-bus.js';
import { PciBus } from './pci-bus.js';
import type { AssignOptions, AssignedFunction } from './pci-bus.js';
import type { DmaMemory } from './pci-types.js';
import { Pic8259Pair } from './pic8259.js';
import { Pit8254 } from './pit8254.js';

export interface PlatformOptions {
  clock?: ClockOptions;
  /** ISA IRQs of PIRQA-D (default [10, 10, 11, 11]). */
  pirqRouting?: readonly [number, number, number, number];
  /** Start the PIT as the BIOS leaves it (channel 0 at 18.2 Hz, IRQ0 masked at the PIC). Default true. */
  biosPit?: boolean;
}

export interface PlatformRunOptions {
  /** Absolute cycle count at which to stop. */
  until?: number;
  /** Cycles to run from now (ignored when `until` is given). */
  cycles?: number;
  maxInstructions?: number;
  /** Stop when EIP reaches this address. */
  untilAddress?: number;
}

export type PlatformStopReason = StopReason | 'time';

export interface PlatformRunResult {
  /**
   * 'time': the cycle limit was reached; 'halted': the CPU halted with nothing that can wake it
   * (IF=0, or no event pending and no limit); otherwise the Machine's reason.
   */
  reason: PlatformStopReason;
  cycles: number;
  idleCycles: number;
  instructions: number;
}

export class Platform {
  readonly clock: Clock;
  readonly ports: IoPortBus;
  readonly pic: Pic8259Pair;
  readonly pit: Pit8254;
  readonly pci: PciBus;
  readonly hostBridge: HostBridge;
  readonly dma: DmaMemory;

  constructor(
    readonly machine: Machine,
    options: PlatformOptions = {},
  ) {
    this.clock = new Clock(machine.cpu, options.clock);
    this.ports = new IoPortBus().install(machine);
    this.pic = new Pic8259Pair({ cpu: machine }).attach(this.ports);
    this.pit = new Pit8254(this.clock, { irq0: this.pic.line(0, 'pit'), biosState: options.biosPit ?? true }).attach(this.ports);
    this.dma = machineDma(machine);
    this.pci = new PciBus({
      io: this.ports,
      mmio: machine,
      dma: this.dma,
      interrupts: this.pic,
      clock: this.clock,
      ...(options.pirqRouting ? { pirqRouting: options.pirqRouting } : {}),
    });
    this.hostBridge = new HostBridge({ memoryBytes: machine.cpu.memoryBytes });
    this.pci.add(this.hostBridge, 0);
  }

  /** The BIOS's PCI pass (see PciBus.assignResources). */
  assignPciResources(options: AssignOptions = {}): AssignedFunction[] {
    return this.pci.assignResources(options);
  }

  /**
   * Runs the guest until a cycle limit, an instruction limit, an address or a stop, idling
   * through `hlt` (the clock jumps to the next event; the skipped cycles count as idle).
   */
  run(options: PlatformRunOptions = {}): PlatformRunResult {
    const cpu = this.machine.cpu;
    const clock = this.clock;
    const c0 = clock.now(), idle0 = clock.idleCycles, i0 = cpu.icount;
    const end = options.until ?? (options.cycles !== undefined ? c0 + options.cycles : Infinity);
    const done = (reason: PlatformStopReason): PlatformRunResult => ({
      reason,
      cycles: clock.now() - c0,
      idleCycles: clock.idleCycles - idle0,
      instructions: cpu.icount - i0,
    });
    for (;;) {
      const now = clock.now();
      if (now >= end) return done('time');
      let maxInstructions: number | undefined;
      if (options.maxInstructions !== undefined) {
        maxInstructions = options.maxInstructions - (cpu.icount - i0);
        if (maxInstructions <= 0) return done('instructions');
      }
      const r = this.machine.run({
        ...(Number.isFinite(end) ? { maxCycles: end - now } : {}),
        ...(maxInstructions !== undefined ? { maxInstructions } : {}),
        ...(options.untilAddress !== undefined ? { until: options.untilAddress } : {}),
      });
      if (r.reason === 'cycles') continue;
      if (r.reason !== 'halted') return done(r.reason);
      // Halted: only an interrupt wakes the CPU, and only with IF=1.
      if ((cpu.getEflags() & Flag.IF) === 0) return done('halted');
      if (clock.nextEventTime() === Infinity && !Number.isFinite(end)) return done('halted');
      clock.advanceIdle(end);
    }
  }
}
