// The kernel on the PC platform: the 8259/8254 programmed at boot, the timer tick, interrupts,
// tasklets, timers, PCI drivers — and the crashes that belong to interrupt context.
import { readFileSync } from 'node:fs';
import { I440BX_DEVICE_ID, PciDevice, Platform } from '@nooks/devices';
import type { AccessSize, RegisterHandler } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel, KernelPanic } from '../src/index.js';

/** The card kpci drives: I/O register 0 raises INTA# while nonzero; a 4 KiB MMIO BAR of dwords. */
class KpciCard extends PciDevice {
  readonly mmio = new Uint32Array(1024);
  private io0 = 0;
  constructor() {
    super({ name: 'kpci-card', vendorId: 0x1af4, deviceId: 0x1234, classCode: 0xff0000, interruptPin: 1, bars: [{ kind: 'io', size: 32 }, { kind: 'mem', size: 0x1000 }] });
  }
  protected override barHandler(index: number): RegisterHandler {
    if (index === 0) {
      return {
        read: (off: number) => (off === 0 ? this.io0 : 0),
        write: (off: number, _s: AccessSize, v: number) => {
          if (off !== 0) return;
          this.io0 = v & 0xff;
          this.setInterrupt(this.io0 !== 0);
        },
      };
    }
    return {
      read: (off: number) => this.mmio[off >> 2]!,
      write: (off: number, _s: AccessSize, v: number) => void (this.mmio[off >> 2] = v >>> 0),
    };
  }
  interrupt(): void {
    this.io0 = 1;
    this.setInterrupt(true);
  }
}

function boot(): { k: Kernel; platform: Platform; card: KpciCard } {
  let platform!: Platform;
  const card = new KpciCard();
  const k = new Kernel({
    memoryBytes: 32 << 20,
    platform: (machine) => {
      platform = new Platform(machine);
      platform.pci.add(card, 3);
      platform.assignPciResources();
      return platform.clock;
    },
  });
  return { k, platform, card };
}

const sym = (k: Kernel, mod: string, name: string): number => k.modules.get(mod)!.image.symbols.find((s) => s.name === name)!.address;
const load = (k: Kernel, name: string): void => void k.loadModule(name, readFileSync(extensionObjectPath(name)));

describe('the kernel on the PC platform', () => {
  it('ticks at HZ=100 from the 8254 through the 8259, idling in hlt in between', () => {
    const { k } = boot();
    k.runUntil(100 * CYCLES_PER_TICK);
    expect(k.irq.jiffies).toBeGreaterThanOrEqual(99);
    expect(k.irq.jiffies).toBeLessThanOrEqual(101);
    expect(k.irq.counts[0]).toBe(k.irq.jiffies);
    // Nearly all of that second was idle: the timer interrupts are the only work.
    const stats = k.cpuStats();
    expect(stats.seconds).toBeCloseTo(1, 1);
    expect(stats.utilisation).toBeGreaterThan(0);
    expect(stats.utilisation).toBeLessThan(0.01);
  });

  it('runs timers from the tick, and an IRQ handler then its tasklet', () => {
    const { k, platform } = boot();
    load(k, 'kirq');
    k.runUntil(55 * CYCLES_PER_TICK);
    const read = (name: string): number => k.machine.readVirt32(sym(k, 'kirq', name));
    expect(read('kirq_timers')).toBe(5);
    expect(read('kirq_last_data')).toBe(7);
    platform.pic.pulse(5);
    k.runUntil(56 * CYCLES_PER_TICK);
    expect(read('kirq_irqs')).toBe(1);
    expect(read('kirq_tasklets')).toBe(1);
    expect(read('kirq_last_data')).toBe(3);
    expect(k.irq.counts[5]).toBe(1);
    k.unloadModule('kirq');
    const left = k.resourcesOf('kirq');
    expect(left).toEqual({ pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
    expect(k.irq.pendingTimers()).toEqual([]);
  });

  it('a wild write from an interrupt handler is a panic', () => {
    const { k, platform } = boot();
    load(k, 'kirq-wild-irq');
    k.runUntil(2 * CYCLES_PER_TICK);
    platform.pic.pulse(5);
    k.runUntil(4 * CYCLES_PER_TICK);
    expect(k.dead?.kind).toBe('panic');
    expect(k.dead?.context).toBe('interrupt');
    expect(k.dead?.reason).toBe('Unable to handle kernel paging request at virtual address dead0000');
    expect(k.dead?.location).toMatch(/^kirq-wild-irq:kirq_handler\+0x/);
  });

  it('a corrupted list in a kernel structure is found when the kernel next walks it, not silently', () => {
    const { k } = boot();
    load(k, 'kirq-corrupt-list');
    expect(k.dead).toBeUndefined(); // loading itself goes through
    k.runUntil(5 * CYCLES_PER_TICK);
    expect(k.dead?.kind).toBe('panic');
    expect(k.dead?.reason).toMatch(/^list corruption in run_timer_list/);
  });

  it('enumerates PCI, binds a driver, routes its interrupt, and unbinds it cleanly', () => {
    const { k, card } = boot();
    expect(k.pci.devices.map((d) => `${d.vendor.toString(16)}:${d.device.toString(16)}`)).toEqual([`8086:${I440BX_DEVICE_ID.toString(16)}`, '1af4:1234']);
    load(k, 'kpci');
    expect(k.machine.readVirt32(sym(k, 'kpci', 'kpci_probed'))).toBe(1);
    expect(card.mmio[4]).toBe(0xcafe1234);
    const owner = k.resourcesOf('kpci');
    expect(owner.irqs).toBe(1);
    expect(owner.regions).toBe(2);
    card.interrupt();
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    expect(k.machine.readVirt32(sym(k, 'kpci', 'kpci_interrupts'))).toBe(1);
    k.unloadModule('kpci');
    expect(k.resourcesOf('kpci')).toEqual({ pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
    // And it binds again.
    load(k, 'kpci');
    expect(k.pci.devices[1]!.owner).toBe('kpci');
  });

  it('is deterministic', () => {
    const run = (): number[] => {
      const { k, platform } = boot();
      load(k, 'kirq');
      for (let i = 1; i <= 5; i++) {
        platform.pic.pulse(5);
        k.runUntil(i * 7 * CYCLES_PER_TICK);
      }
      return [k.cycles, k.idleCycles, k.machine.cpu.icount, k.irq.jiffies];
    };
    expect(run()).toEqual(run());
  });

  it('panics are typed', () => {
    expect(KernelPanic.name).toBe('KernelPanic');
  });
});
