import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel } from '../src/index.js';
import type { TaskProgram } from '../src/index.js';

function boot(): { k: Kernel; fn: (name: string) => number } {
  const k = new Kernel({ memoryBytes: 16 << 20 });
  const mod = k.loadModule('kuser', readFileSync(extensionObjectPath('kuser')));
  return { k, fn: (name) => mod.image.symbols.find((x) => x.name === name)!.address };
}

describe('user address spaces and copy_*_user', () => {
  it('copy_from_user reads the task\'s own user memory', () => {
    const { k, fn } = boot();
    let result = 0;
    let buf = 0;
    const t = k.spawn('reader', (function* (): TaskProgram {
      result = yield { type: 'guest', addr: fn('kuser_sum'), args: [buf, 100] };
      return 0;
    })());
    buf = k.userAlloc(t, 4096);
    k.writeUser(t, buf, Uint8Array.from({ length: 100 }, (_, i) => i));
    k.runUntil(CYCLES_PER_TICK);
    expect(result).toBe(4950);
  });

  it('copy_to_user writes it, and a bad user pointer gives -EFAULT, not a crash', () => {
    const { k, fn } = boot();
    const results: number[] = [];
    let buf = 0;
    const t = k.spawn('writer', (function* (): TaskProgram {
      results.push(yield { type: 'guest', addr: fn('kuser_hello'), args: [buf, 64] });
      results.push(yield { type: 'guest', addr: fn('kuser_sum'), args: [0x40000000, 16] }); // unmapped
      results.push(yield { type: 'guest', addr: fn('kuser_sum'), args: [0xc0001000, 16] }); // a kernel address
      results.push(yield { type: 'guest', addr: fn('kuser_sum'), args: [buf + 4096 - 8, 16] }); // runs off the end
      return 0;
    })());
    buf = k.userAlloc(t, 4096);
    k.runUntil(CYCLES_PER_TICK);
    expect(results).toEqual([22, -14, -14, -14]);
    expect(new TextDecoder().decode(k.readUser(t, buf, 21))).toBe('hello from the kernel');
    expect(k.crashes).toEqual([]);
  });

  it('each task has its own user space at the same addresses', () => {
    const { k, fn } = boot();
    const seen: number[] = [];
    const mk = (): TaskProgram =>
      (function* (): TaskProgram {
        yield { type: 'sleep', cycles: CYCLES_PER_TICK };
        seen.push(yield { type: 'guest', addr: fn('kuser_direct'), args: [0x08048000] });
        return 0;
      })();
    const a = k.spawn('a', mk());
    const b = k.spawn('b', mk());
    for (const [t, v] of [[a, 111], [b, 222]] as const) {
      k.userAlloc(t, 4096, 0x08048000);
      k.writeUser(t, 0x08048000, Uint8Array.of(v, 0, 0, 0));
    }
    k.runUntil(5 * CYCLES_PER_TICK);
    expect(seen).toEqual([111, 222]);
  });

  it('a driver dereferencing a bad user pointer oopses (the task dies)', () => {
    const { k, fn } = boot();
    const t = k.spawn('victim', (function* (): TaskProgram {
      yield { type: 'guest', addr: fn('kuser_direct'), args: [0x50000000] };
      return 0;
    })());
    k.runUntil(CYCLES_PER_TICK);
    expect(t.state).toBe('killed');
    expect(k.crashes[0]?.reason).toBe('Unable to handle kernel paging request at virtual address 50000000');
    expect(k.crashes[0]?.location).toMatch(/^kuser:kuser_direct\+0x/);
  });
});
