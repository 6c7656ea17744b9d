// Crash semantics: each kcrash variant does one thing Linux would crash on; the kernel must
// classify it as Linux would and report it with the faulting location.
import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { Kernel, KernelHang, KernelPanic, Oops } from '../src/index.js';
import type { CrashReport } from '../src/index.js';

const object = (name: string): Uint8Array => readFileSync(extensionObjectPath(name));

function crashOf(k: Kernel, name: string): { error: unknown; report: CrashReport } {
  try {
    k.loadModule(name, object(name));
  } catch (error) {
    if (error instanceof Oops || error instanceof KernelPanic || error instanceof KernelHang) return { error, report: error.report };
    throw error;
  }
  throw new Error(`${name} loaded without crashing`);
}

describe('crash semantics', () => {
  it('the plain kcrash module loads and unloads', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    k.loadModule('kcrash', object('kcrash'));
    k.unloadModule('kcrash');
    expect(k.log.text()).toMatch(/kcrash: init_module survived[\s\S]*kcrash: cleanup/);
  });

  it('a NULL dereference in process context is an oops; the system keeps working', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const { error, report } = crashOf(k, 'kcrash-null');
    expect(error).toBeInstanceOf(Oops);
    expect(report.kind).toBe('oops');
    expect(report.context).toBe('process');
    expect(report.reason).toBe('Unable to handle kernel NULL pointer dereference at virtual address 00000000');
    expect(report.vector).toBe(14);
    expect(report.errorCode).toBe(0); // supervisor read of a not-present page
    expect(report.module).toBe('kcrash-null');
    expect(report.location).toMatch(/^kcrash-null:touch(\.[a-z0-9]+)*\+0x[0-9a-f]+$/);
    expect(report.instruction).toMatch(/^mov +(0x0|\(%e..\)),%e..$/);
    expect(report.stack.some((f) => f.includes('kcrash-null:init_module'))).toBe(true);
    expect(report.log.join('\n')).toMatch(/Unable to handle kernel NULL pointer/);
    expect(k.modules.get('kcrash-null')?.state).toBe('failed');
    // The system goes on: another module loads and runs.
    k.loadModule('demo', object('demo'));
    expect(k.log.text()).toMatch(/demo: loaded \(1\)/);
    expect(k.dead).toBeUndefined();
  });

  it('ud2 (BUG()) is an oops: invalid operand', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const { report } = crashOf(k, 'kcrash-ud2');
    expect(report.kind).toBe('oops');
    expect(report.vector).toBe(6);
    expect(report.reason).toMatch(/^invalid operand/);
    expect(report.instruction).toBe('ud2');
  });

  it('a call through a wild pointer is an oops at the wild address', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const { report } = crashOf(k, 'kcrash-wild-jump');
    expect(report.kind).toBe('oops');
    expect(report.reason).toBe('Unable to handle kernel paging request at virtual address deadbeef');
    expect(report.eip).toBe(0xdeadbeef);
    expect(report.errorCode).toBe(0);
  });

  it('a heap overrun is caught by the slab red zone on kfree: BUG, panic', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const { error, report } = crashOf(k, 'kcrash-overrun');
    expect(error).toBeInstanceOf(KernelPanic);
    expect(report.kind).toBe('panic');
    expect(report.reason).toMatch(/kernel BUG in kfree: slab error in kfree\(\): cache 'size-32': memory after object 0x[0-9a-f]+ was overwritten/);
    expect(report.module).toBe('kcrash-overrun');
    expect(k.dead).toBe(report);
    expect(() => k.loadModule('demo', object('demo'))).toThrow(/the kernel is dead/);
  });

  it('a double free is caught: BUG, panic', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const { report } = crashOf(k, 'kcrash-double-free');
    expect(report.kind).toBe('panic');
    expect(report.reason).toMatch(/double free of object 0x[0-9a-f]+/);
  });

  it('a write after free is caught by the poison check of the next kmalloc: BUG, panic', () => {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    const { report } = crashOf(k, 'kcrash-uaf');
    expect(report.kind).toBe('panic');
    expect(report.reason).toMatch(/kernel BUG in kmalloc: .*was modified after being freed/);
  });

  it('spinning with interrupts off is a hang, found by the watchdog', () => {
    const k = new Kernel({ memoryBytes: 16 << 20, watchdogSeconds: 0.01 });
    const { error, report } = crashOf(k, 'kcrash-hang');
    expect(error).toBeInstanceOf(KernelHang);
    expect(report.kind).toBe('hang');
    expect(report.reason).toMatch(/kcrash-hang:init_module\+0x[0-9a-f]+ made no progress .*interrupts off/);
  });
});
