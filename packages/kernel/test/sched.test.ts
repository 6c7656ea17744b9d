// Tasks: TypeScript programs whose calls into extension code can sleep inside the kernel.
import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel } from '../src/index.js';
import type { TaskProgram } from '../src/index.js';

function boot(): { k: Kernel; fn: (name: string) => number } {
  const k = new Kernel({ memoryBytes: 16 << 20 });
  const mod = k.loadModule('ksched', readFileSync(extensionObjectPath('ksched')));
  const fn = (name: string): number => {
    const s = mod.image.symbols.find((x) => x.name === name);
    if (!s) throw new Error(`no ${name}`);
    return s.address;
  };
  return { k, fn };
}

describe('tasks and the scheduler', () => {
  it('suspends a task inside extension code and resumes it there', () => {
    const { k, fn } = boot();
    const events: string[] = [];
    function* napper(): TaskProgram {
      events.push(`napper starts at tick ${Math.round(k.cycles / CYCLES_PER_TICK)}`);
      const r = yield { type: 'guest', addr: fn('ksched_nap'), args: [5] };
      events.push(`napper back at tick ${Math.round(k.cycles / CYCLES_PER_TICK)} with ${r}`);
      return r;
    }
    function* worker(): TaskProgram {
      events.push('worker starts');
      const r = yield { type: 'guest', addr: fn('ksched_work'), args: [1000] };
      events.push(`worker done: ${r > 0}`);
      return 0;
    }
    const a = k.spawn('napper', napper());
    const b = k.spawn('worker', worker());
    k.runUntil(100 * CYCLES_PER_TICK);
    expect(events[0]).toBe('napper starts at tick 0');
    expect(events[1]).toBe('worker starts');
    expect(events[2]).toBe('worker done: true');
    expect(events[3]).toMatch(/^napper back at tick 5 with 5$/);
    expect(a.state).toBe('exited');
    expect(a.exitCode).toBe(5);
    expect(b.state).toBe('exited');
    expect(k.log.text()).toMatch(/ksched: nap 0 of 5 ticks done \(0 left\)/);
    // The CPU idled while the napper slept and nothing else ran.
    expect(k.idleCycles).toBeGreaterThan(4 * CYCLES_PER_TICK);
  });

  it('interleaves two sleeping tasks by their deadlines', () => {
    const { k, fn } = boot();
    const order: string[] = [];
    const sleeper = (name: string, ticks: number): TaskProgram =>
      (function* (): TaskProgram {
        yield { type: 'guest', addr: fn('ksched_nap'), args: [ticks] };
        order.push(name);
        return 0;
      })();
    k.spawn('slow', sleeper('slow', 9));
    k.spawn('fast', sleeper('fast', 3));
    k.runUntil(50 * CYCLES_PER_TICK);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('an oops in a task kills the task; the others run on', () => {
    const { k, fn } = boot();
    let survivorRan = false;
    const victim = k.spawn('victim', (function* (): TaskProgram {
      yield { type: 'guest', addr: fn('ksched_crash'), args: [0] };
      return 0;
    })());
    const survivor = k.spawn('survivor', (function* (): TaskProgram {
      yield { type: 'sleep', cycles: 2 * CYCLES_PER_TICK };
      yield { type: 'guest', addr: fn('ksched_work'), args: [10] };
      survivorRan = true;
      return 0;
    })());
    k.runUntil(10 * CYCLES_PER_TICK);
    expect(victim.state).toBe('killed');
    expect(victim.killedBy).toMatch(/NULL pointer dereference/);
    expect(k.crashes[0]?.kind).toBe('oops');
    expect(k.crashes[0]?.location).toMatch(/^ksched:ksched_crash\+0x/);
    expect(survivor.state).toBe('exited');
    expect(survivorRan).toBe(true);
    expect(k.dead).toBeUndefined();
  });

  it('is deterministic: the same programs give the same cycle counts', () => {
    const run = (): number[] => {
      const { k, fn } = boot();
      const t: number[] = [];
      for (let i = 0; i < 3; i++) {
        k.spawn(`t${i}`, (function* (): TaskProgram {
          yield { type: 'guest', addr: fn('ksched_work'), args: [100 * (i + 1)] };
          yield { type: 'guest', addr: fn('ksched_nap'), args: [i + 1] };
          t.push(k.cycles);
          return 0;
        })());
      }
      k.runUntil(20 * CYCLES_PER_TICK);
      return t;
    };
    expect(run()).toEqual(run());
  });
});
