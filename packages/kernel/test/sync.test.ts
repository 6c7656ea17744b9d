import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel } from '../src/index.js';
import type { TaskProgram } from '../src/index.js';
import exportsTable from '../src/generated/exports.json' with { type: 'json' };

function boot(): { k: Kernel; fn: (name: string) => number } {
  const k = new Kernel({ memoryBytes: 16 << 20 });
  const mod = k.loadModule('ksync', readFileSync(extensionObjectPath('ksync')));
  const fn = (name: string): number => mod.image.symbols.find((x) => x.name === name)!.address;
  return { k, fn };
}

const call = (addr: number, args: number[] = []): TaskProgram =>
  (function* (): TaskProgram {
    return yield { type: 'guest', addr, args };
  })();

describe('synchronisation', () => {
  it('down() blocks a task inside the extension until another task up()s', () => {
    const { k, fn } = boot();
    const waiter = k.spawn('waiter', call(fn('ksync_wait')));
    const poster = k.spawn('poster', (function* (): TaskProgram {
      yield { type: 'sleep', cycles: 3 * CYCLES_PER_TICK };
      return yield { type: 'guest', addr: fn('ksync_post'), args: [7] };
    })());
    k.runUntil(10 * CYCLES_PER_TICK);
    expect(poster.state).toBe('exited');
    expect(waiter.state).toBe('exited');
    expect(waiter.exitCode).toBe(49);
  });

  it('interruptible_sleep_on() sleeps until wake_up()', () => {
    const { k, fn } = boot();
    const sleepers = [k.spawn('s1', call(fn('ksync_sleep'))), k.spawn('s2', call(fn('ksync_sleep')))];
    k.runUntil(2 * CYCLES_PER_TICK);
    expect(sleepers.map((s) => s.state)).toEqual(['blocked', 'blocked']);
    k.spawn('waker', call(fn('ksync_wake'), [5]));
    k.runUntil(4 * CYCLES_PER_TICK);
    expect(sleepers.map((s) => [s.state, s.exitCode])).toEqual([['exited', 5], ['exited', 5]]);
  });

  it('spin_lock_irqsave disables interrupts and restores them', () => {
    const { k, fn } = boot();
    const t = k.spawn('adder', call(fn('ksync_locked_add'), [3]));
    k.runUntil(CYCLES_PER_TICK);
    expect(t.exitCode).toBe(3);
    expect(k.machine.readVirt32(k.modules.get('ksync')!.image.symbols.find((s) => s.name === 'lock')!.address)).toBe(1);
  });

  it('taking a held spinlock again is a deadlock, reported as a hang', () => {
    const { k, fn } = boot();
    k.spawn('locker', call(fn('ksync_double_lock')));
    k.runUntil(CYCLES_PER_TICK);
    expect(k.dead?.kind).toBe('hang');
    expect(k.dead?.reason).toMatch(/spin_lock: spinlock at [0-9a-f]{8} already held/);
    expect(k.dead?.location).toMatch(/^ksync:ksync_double_lock\+0x/);
  });

  it('exports every function the interface declares', () => {
    const declared = (exportsTable as { functions: { name: string }[] }).functions.map((f) => f.name);
    expect(declared.length).toBeGreaterThan(30);
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const missing = declared.filter((name) => !k.exports.lookup(name));
    expect(missing).toEqual([]);
  });
});
