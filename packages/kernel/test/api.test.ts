// The rest of the kernel API, exercised by the kapi module's self-test from a task, and
// interrupts preempting extension code.
import { readFileSync } from 'node:fs';
import { Platform } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel } from '../src/index.js';
import type { TaskProgram } from '../src/index.js';

function boot(): Kernel {
  return new Kernel({
    memoryBytes: 32 << 20,
    platform: (machine) => {
      const p = new Platform(machine);
      p.assignPciResources();
      return p.clock;
    },
  });
}

const fnOf = (k: Kernel, mod: string, name: string): number => k.modules.get(mod)!.image.symbols.find((s) => s.name === name)!.address;

describe('kernel API', () => {
  it('passes the kapi self-test (strings, vmalloc, sync, delays, tasklets, timers, IRQs, regions, PCI, DMA)', () => {
    const k = boot();
    k.loadModule('kapi', readFileSync(extensionObjectPath('kapi')));
    const t = k.spawn('selftest', (function* (): TaskProgram {
      return yield { type: 'guest', addr: fnOf(k, 'kapi', 'kapi_selftest'), args: [] };
    })());
    k.runUntil(50 * CYCLES_PER_TICK);
    expect(k.log.text()).not.toMatch(/kapi: check/);
    expect(t.state).toBe('exited');
    expect(t.exitCode).toBe(0);
    expect(k.log.text()).toMatch(/kapi: all checks passed/);
    // Only the module's own image is left: every vmalloc, kmalloc, IRQ, region, timer and DMA page was given back.
    expect(k.resourcesOf('kapi')).toEqual({ pages: k.modules.get('kapi')!.area.frames.length, slabObjects: 0, vmAreas: 1, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
  });

  it('interrupts preempt extension code running with IF=1', () => {
    const k = boot();
    k.loadModule('ksched', readFileSync(extensionObjectPath('ksched')));
    let ticksDuring = -1;
    k.spawn('worker', (function* (): TaskProgram {
      const before = k.irq.jiffies;
      yield { type: 'guest', addr: fnOf(k, 'ksched', 'ksched_work'), args: [3_000_000] };
      ticksDuring = k.irq.jiffies - before;
      return 0;
    })());
    k.runUntil(200 * CYCLES_PER_TICK);
    // ~3M iterations of a few instructions at ~1 IPC take several ticks of simulated time: the
    // timer interrupt was taken in the middle of the extension's loop, on its stack.
    expect(ticksDuring).toBeGreaterThanOrEqual(2);
    expect(k.irq.counts[0]).toBeGreaterThanOrEqual(ticksDuring);
  });
});
