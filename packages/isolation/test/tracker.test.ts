// The object tracker (Nooks section 4.3): long-lived objects by kernel and extension version,
// per-call tables, and release of everything still tracked, newest first.
import { describe, expect, it } from 'vitest';
import { ObjectTracker } from '../src/index.js';
import type { ReleaseFunction, TrackedObject } from '../src/index.js';

describe('ObjectTracker: long-lived objects', () => {
  it('track records an object by its kernel and its extension version', () => {
    const t = new ObjectTracker();
    const o = t.track('pci_dev', 0xc0100000, 0xd0200000, { bus: 0 });
    expect(o).toEqual({ type: 'pci_dev', kernel: 0xc0100000, extension: 0xd0200000, seq: 1, extra: { bus: 0 } });
    expect(t.byKernel('pci_dev', 0xc0100000)).toBe(o);
    expect(t.fromExtension('pci_dev', 0xd0200000)).toBe(o);
    // Not found by the other version, nor under another type.
    expect(t.byKernel('pci_dev', 0xd0200000)).toBeUndefined();
    expect(t.fromExtension('pci_dev', 0xc0100000)).toBeUndefined();
    expect(t.byKernel('net_device', 0xc0100000)).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('the extension version defaults to the kernel version; extra is omitted when not given', () => {
    const t = new ObjectTracker();
    const o = t.track('irq', 11);
    expect(o).toEqual({ type: 'irq', kernel: 11, extension: 11, seq: 1 });
    expect('extra' in o).toBe(false);
    expect(t.fromExtension('irq', 11)).toBe(o);
  });

  it('addresses are unsigned 32-bit: a negative int32 finds the same object', () => {
    const t = new ObjectTracker();
    const o = t.track('kmalloc', 0xc1234560 | 0);
    expect(o.kernel).toBe(0xc1234560);
    expect(t.byKernel('kmalloc', 0xc1234560)).toBe(o);
    expect(t.byKernel('kmalloc', 0xc1234560 | 0)).toBe(o);
    expect(t.fromExtension('kmalloc', 0xc1234560 | 0)).toBe(o);
    expect(t.untrack('kmalloc', 0xc1234560 | 0)).toBe(o);
    expect(t.size).toBe(0);
  });

  it('the same address may be tracked under different types', () => {
    const t = new ObjectTracker();
    const a = t.track('pci_dev', 0xc0213424);
    const b = t.track('pci_enabled', 0xc0213424);
    expect(t.size).toBe(2);
    expect(t.byKernel('pci_dev', 0xc0213424)).toBe(a);
    expect(t.byKernel('pci_enabled', 0xc0213424)).toBe(b);
    t.untrack('pci_dev', 0xc0213424);
    expect(t.byKernel('pci_enabled', 0xc0213424)).toBe(b);
  });

  it('untrack drops the object from both indexes and returns it; untracking twice returns undefined', () => {
    const t = new ObjectTracker();
    const o = t.track('net_device', 0xc0400000, 0xc0500000);
    expect(t.untrack('net_device', 0xc0400000)).toBe(o);
    expect(t.byKernel('net_device', 0xc0400000)).toBeUndefined();
    expect(t.fromExtension('net_device', 0xc0500000)).toBeUndefined();
    expect(t.size).toBe(0);
    expect(t.untrack('net_device', 0xc0400000)).toBeUndefined();
    // Untracking by the extension version (not the kernel's) finds nothing.
    t.track('net_device', 0xc0400000, 0xc0500000);
    expect(t.untrack('net_device', 0xc0500000)).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('re-tracking the same object replaces its entry (newer seq, new extension version)', () => {
    const t = new ObjectTracker();
    const first = t.track('timer', 0xc0600000);
    t.track('kmalloc', 0xc0700000);
    const again = t.track('timer', 0xc0600000);
    expect(t.size).toBe(2);
    expect(again.seq).toBeGreaterThan(first.seq);
    expect(t.byKernel('timer', 0xc0600000)).toBe(again);
    // It is now the newest.
    expect(t.all()[0]).toBe(again);
    // One untrack removes it.
    expect(t.untrack('timer', 0xc0600000)).toBe(again);
    expect(t.byKernel('timer', 0xc0600000)).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('re-tracking with a different extension version makes the new one the lookup', () => {
    const t = new ObjectTracker();
    t.track('pci_dev', 0xc0100000, 0xd0000000);
    const again = t.track('pci_dev', 0xc0100000, 0xd0001000);
    expect(t.fromExtension('pci_dev', 0xd0001000)).toBe(again);
    expect(t.byKernel('pci_dev', 0xc0100000)).toBe(again);
    t.untrack('pci_dev', 0xc0100000);
    expect(t.fromExtension('pci_dev', 0xd0001000)).toBeUndefined();
    expect(t.size).toBe(0);
  });

  it('re-tracking replaces the entry completely: the old extension version no longer finds anything', () => {
    // "Re-tracking the same object replaces the entry": the replaced entry's extension version
    // must not stay in the index, or objectToKernel would accept (and translate) a stale copy.
    const t = new ObjectTracker();
    t.track('pci_dev', 0xc0100000, 0xd0000000);
    t.track('pci_dev', 0xc0100000, 0xd0001000);
    expect(t.fromExtension('pci_dev', 0xd0000000)).toBeUndefined();
    t.untrack('pci_dev', 0xc0100000);
    expect(t.fromExtension('pci_dev', 0xd0000000)).toBeUndefined();
  });

  it('all() is newest first; ofType() filters; counts keeps how many of each type were ever tracked', () => {
    const t = new ObjectTracker();
    t.track('kmalloc', 0x1000);
    t.track('irq', 11);
    t.track('kmalloc', 0x2000);
    t.track('kmalloc', 0x3000);
    t.untrack('kmalloc', 0x2000);
    expect(t.all().map((o) => `${o.type}:${o.kernel}`)).toEqual(['kmalloc:12288', 'irq:11', 'kmalloc:4096']);
    expect(t.ofType('kmalloc').map((o) => o.kernel).sort((a, b) => a - b)).toEqual([0x1000, 0x3000]);
    expect(t.ofType('timer')).toEqual([]);
    expect(t.counts.get('kmalloc')).toBe(3);
    expect(t.counts.get('irq')).toBe(1);
    expect(t.counts.get('timer')).toBeUndefined();
  });
});

describe('ObjectTracker: per-call tables', () => {
  it('beginCall / lend / endCall returns what the call lent, and lent objects are not long-lived', () => {
    const t = new ObjectTracker();
    t.beginCall();
    t.lend('sk_buff', 0xc0800000);
    t.lend('pci_dev', 0xc0100000, 0xd0000000);
    const lent = t.endCall();
    expect(lent.map(({ type, kernel, extension }) => ({ type, kernel, extension }))).toEqual([
      { type: 'sk_buff', kernel: 0xc0800000, extension: 0xc0800000 },
      { type: 'pci_dev', kernel: 0xc0100000, extension: 0xd0000000 },
    ]);
    expect(lent[1]!.seq).toBeGreaterThan(lent[0]!.seq);
    expect(t.size).toBe(0);
    expect(t.byKernel('sk_buff', 0xc0800000)).toBeUndefined();
    expect(t.counts.size).toBe(0);
  });

  it('tables nest: the innermost call gets its own', () => {
    const t = new ObjectTracker();
    t.beginCall();
    t.lend('sk_buff', 1);
    t.beginCall();
    t.lend('sk_buff', 2);
    t.lend('sk_buff', 3);
    expect(t.endCall().map((o) => o.kernel)).toEqual([2, 3]);
    t.lend('sk_buff', 4);
    expect(t.endCall().map((o) => o.kernel)).toEqual([1, 4]);
    // No call open: endCall returns an empty table, lend is a no-op.
    expect(t.endCall()).toEqual([]);
    t.lend('sk_buff', 5);
    t.beginCall();
    expect(t.endCall()).toEqual([]);
  });

  it('a lent object and a tracked one share the sequence (acquisition order)', () => {
    const t = new ObjectTracker();
    const a = t.track('kmalloc', 0x1000);
    t.beginCall();
    t.lend('sk_buff', 0x2000);
    const b = t.track('kmalloc', 0x3000);
    const [lent] = t.endCall();
    expect(a.seq < lent!.seq && lent!.seq < b.seq).toBe(true);
  });
});

describe('ObjectTracker.releaseAll', () => {
  it('releases newest first with the function of each type, forgets types without one, and counts by type', () => {
    const t = new ObjectTracker();
    t.track('pci_driver', 0xc0900000);
    t.track('irq', 11, 11, { devId: 0xc0400000 });
    t.track('net_device', 0xc0400000);
    t.track('kmalloc', 0xc0a00000);
    t.track('timer', 0xc0b00000);
    t.track('mystery', 0xc0c00000);
    t.track('kmalloc', 0xc0a00100);
    const order: string[] = [];
    const rec: ReleaseFunction = (o) => void order.push(`${o.type}:${o.kernel.toString(16)}`);
    const seenExtra: TrackedObject[] = [];
    const done = t.releaseAll({ pci_driver: rec, irq: (o) => (seenExtra.push(o), rec(o)), net_device: rec, kmalloc: rec, timer: rec });
    expect(order).toEqual(['kmalloc:c0a00100', 'timer:c0b00000', 'kmalloc:c0a00000', 'net_device:c0400000', 'irq:b', 'pci_driver:c0900000']);
    expect(seenExtra[0]!.extra).toEqual({ devId: 0xc0400000 });
    expect(Object.fromEntries(done)).toEqual({ kmalloc: 2, timer: 1, net_device: 1, irq: 1, pci_driver: 1, mystery: 1 });
    expect(t.size).toBe(0);
    expect(t.all()).toEqual([]);
  });

  it('a re-tracked object is released in its new place in the order', () => {
    const t = new ObjectTracker();
    t.track('timer', 1);
    t.track('kmalloc', 2);
    t.track('timer', 1);
    const order: number[] = [];
    t.releaseAll({ timer: (o) => void order.push(o.kernel), kmalloc: (o) => void order.push(o.kernel) });
    expect(order).toEqual([1, 2]);
  });

  it('each object is untracked before its release function runs', () => {
    const t = new ObjectTracker();
    t.track('irq', 11);
    let trackedDuringRelease: unknown = 'not called';
    t.releaseAll({ irq: (o) => (trackedDuringRelease = t.byKernel('irq', o.kernel)) });
    expect(trackedDuringRelease).toBeUndefined();
  });

  it('a release that throws is recorded and the others still run', () => {
    const t = new ObjectTracker();
    t.track('region', 0x1000, 0x1000, { size: 64 });
    t.track('irq', 11);
    t.track('dma', 0xc0d00000);
    t.track('timer', 0xc0e00000);
    const ran: string[] = [];
    const errors: string[] = ['earlier error'];
    const done = t.releaseAll(
      {
        region: (o) => void ran.push(`region ${o.extra?.size}`),
        irq: () => {
          ran.push('irq');
          throw new Error('free_irq: not requested');
        },
        dma: () => {
          ran.push('dma');
          throw 'plain string';
        },
        timer: () => void ran.push('timer'),
      },
      errors,
    );
    expect(ran).toEqual(['timer', 'dma', 'irq', 'region 64']);
    expect(errors).toEqual(['earlier error', 'dma 0xc0d00000: plain string', 'irq 0xb: free_irq: not requested']);
    // Failed releases are counted too: the object is gone from the tracker either way.
    expect(Object.fromEntries(done)).toEqual({ timer: 1, dma: 1, irq: 1, region: 1 });
    expect(t.size).toBe(0);
  });

  it('discards open per-call tables, and an empty tracker releases nothing', () => {
    const t = new ObjectTracker();
    t.beginCall();
    t.lend('sk_buff', 0x1000);
    t.beginCall();
    expect(t.releaseAll({}).size).toBe(0);
    expect(t.endCall()).toEqual([]);
    // Without an errors array, a throwing release is still survived.
    t.track('irq', 5);
    expect(() =>
      t.releaseAll({
        irq: () => {
          throw new Error('boom');
        },
      }),
    ).not.toThrow();
    expect(t.size).toBe(0);
  });
});
