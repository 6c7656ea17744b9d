import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { Kernel, ModuleLoadError, PAGE_OFFSET } from '../src/index.js';

const demo = (): Uint8Array => readFileSync(extensionObjectPath('demo'));

describe('boot', () => {
  it('runs with paging on, the kernel at 0xC0000000 and page 0 unmapped', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    expect(k.machine.cpu.pagingEnabled).toBe(true);
    expect(k.mm.pte(PAGE_OFFSET + 0x5000) & 1).toBe(1);
    expect(k.mm.pte(PAGE_OFFSET) & 1).toBe(0);
    expect(() => k.machine.readVirt(0, 4)).toThrow(/page fault/);
    expect(k.log.text()).toMatch(/Linux version 2\.4\.18-nooks/);
  });
});

describe('module loader', () => {
  it('loads the demo module, runs init_module and cleanup_module, and leaves nothing behind', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const mod = k.loadModule('demo', demo());
    expect(mod.state).toBe('live');
    expect(k.log.text()).toMatch(/demo: loaded \(1\), sum=10/);
    expect(k.resourcesOf('demo').slabObjects).toBe(1);
    expect([...mod.image.imports].sort()).toEqual(['kfree', 'kmalloc', 'printk']);
    expect(mod.image.base).toBeGreaterThanOrEqual(k.mm.vmallocBase);
    k.unloadModule('demo');
    expect(k.log.text()).toMatch(/demo: unloaded/);
    expect(k.resourcesOf('demo')).toEqual({ pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
    // A second load and unload returns every page (the first one left only the slab page and
    // the vmalloc page table, which the kernel keeps, as Linux does).
    const free = k.pages.freeFrames;
    k.loadModule('demo', demo());
    expect(k.log.text().match(/demo: loaded \(1\)/g)?.length).toBe(2);
    k.unloadModule('demo');
    expect(k.pages.freeFrames).toBe(free);
    expect(k.slab.liveCount).toBe(0);
  });

  it('symbolises addresses inside the module', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const mod = k.loadModule('demo', demo());
    const init = mod.image.symbols.find((s) => s.name === 'init_module')!;
    expect(k.symbolize(init.address + 3)).toBe('demo:init_module+0x3');
  });

  it('rejects unknown imports by name and loads nothing', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const other = new Kernel({ memoryBytes: 16 << 20 });
    void other;
    // A kernel without kmalloc: remove it by loading into a fresh export table is not possible,
    // so corrupt the import's name in the object's string table instead.
    const bytes = demo().slice();
    const text = Buffer.from(bytes);
    const at = text.indexOf(Buffer.from('kmalloc\0'));
    expect(at).toBeGreaterThan(0);
    text.write('kmallox', at, 'latin1');
    const areasBefore = k.mm.areasOf('demo').length;
    expect(() => k.loadModule('demo', new Uint8Array(text))).toThrow(ModuleLoadError);
    expect(() => k.loadModule('demo', new Uint8Array(text))).toThrow(/unresolved symbol kmallox/);
    expect(k.mm.areasOf('demo').length).toBe(areasBefore);
    expect(k.modules.size).toBe(0);
  });

  it('rejects malformed objects with a clear error, never a host crash (seeded fuzz)', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const base = demo();
    let seed = 12345;
    const rand = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    let loaded = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = base.slice(0, trial % 7 === 0 ? Math.floor(rand() * base.length) : base.length);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips && bytes.length > 0; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        k.loadModule(`fuzz${trial}`, bytes, { init: false });
        loaded++;
        k.unloadModule(`fuzz${trial}`);
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(ModuleLoadError);
      }
    }
    expect(loaded).toBeLessThan(400);
  });
});
