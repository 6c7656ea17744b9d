// Protection domains (Nooks section 4.1) on a kernel without devices: the kernel mapped
// read-only, nothing of user space, writable grants counted per page, the domain's copy of the
// kernel page tables kept in sync, no global entries, everything freed by destroy(); and an
// isolated module that fails in init_module is an extension failure, not an oops or a panic.
import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { Kernel, ModuleLoadError, Oops, PAGE_SIZE } from '@nooks/kernel';
import { Cr4, PageFaultError, Pte } from '@nooks/x86';
import { describe, expect, it } from 'vitest';
import { DOMAIN_STACK_BYTES, IsolationManager, IsolationUsageError, ProtectionDomain, defaultPolicy } from '../src/index.js';

const KERNEL_BASE = 0xc000_0000;
const object = (name: string): Uint8Array => readFileSync(extensionObjectPath(name));

function kernel(): Kernel {
  return new Kernel({ memoryBytes: 64 << 20 });
}

/** The domain's page-table entry for a virtual address (0 when its page table is absent). */
function domainPte(k: Kernel, d: ProtectionDomain, virt: number): number {
  const pde = k.machine.readPhys32(d.pgd + (virt >>> 22) * 4);
  if (!(pde & Pte.P)) return 0;
  return k.machine.readPhys32((pde & ~0xfff) + ((virt >>> 12) & 0x3ff) * 4);
}

/** Runs fn with the domain's page directory loaded (host accesses then translate as the domain's would). */
function inDomain<T>(k: Kernel, d: ProtectionDomain, fn: () => T): T {
  const cpu = k.machine.cpu;
  const saved = cpu.cr3;
  cpu.setCr3(d.pgd);
  try {
    return fn();
  } finally {
    cpu.setCr3(saved);
  }
}

function faultOf(fn: () => unknown): PageFaultError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PageFaultError) return e;
    throw e;
  }
  return undefined;
}

/** A domain kept in sync with the kernel's page tables, as the isolation manager does it. */
function syncedDomain(k: Kernel, name = 'x'): ProtectionDomain {
  const d = new ProtectionDomain(k, name);
  k.mm.pteListeners.push((virt, pte) => d.kernelPteChanged(virt, pte));
  return d;
}

describe('ProtectionDomain: the address space', () => {
  it('has its own page directory, in which every kernel page is mapped read-only to the same frame', () => {
    const k = kernel();
    const d = new ProtectionDomain(k, 'x');
    expect(d.pgd).not.toBe(k.mm.pgd);
    expect(d.name).toBe('x');
    expect(d.owner).toBe('nooks:x');
    expect(d.state).toBe('live');
    let n = 0;
    for (const [virt, pte] of k.mm.kernelMappings()) {
      const dp = domainPte(k, d, virt);
      expect(dp & Pte.P).toBe(Pte.P);
      expect(dp & ~0xfff).toBe(pte & ~0xfff);
      expect(dp & Pte.RW).toBe(0);
      expect(dp & Pte.US).toBe(pte & Pte.US);
      n++;
    }
    expect(n).toBeGreaterThan((48 << 20) / PAGE_SIZE);
    // Through the MMU: the kernel's variables read the same, and no write is allowed.
    const jiffies = k.irq.jiffiesAddr;
    expect(d.canRead(jiffies)).toBe(true);
    expect(d.canWrite(jiffies)).toBe(false);
    const before = k.machine.readVirt32(jiffies);
    expect(inDomain(k, d, () => k.machine.readVirt32(jiffies))).toBe(before);
    const f = faultOf(() => inDomain(k, d, () => k.machine.writeVirt32(jiffies, 1)));
    expect(f).toBeInstanceOf(PageFaultError);
    expect(f!.errorCode).toBe(3); // present, write
    expect(k.machine.readVirt32(jiffies)).toBe(before);
    // The kernel's own page table is untouched: the kernel still writes there.
    k.machine.writeVirt32(jiffies, before);
  });

  it('maps nothing of user space, even where a task has user pages', () => {
    const k = kernel();
    const space = k.mm.createAddressSpace('task');
    const user = 0x0804_8000;
    k.mm.mapUser(space, user, 2 * PAGE_SIZE);
    const d = new ProtectionDomain(k, 'x');
    for (let pde = 0; pde < KERNEL_BASE >>> 22; pde++) expect(k.machine.readPhys32(d.pgd + pde * 4)).toBe(0);
    expect(d.canRead(user)).toBe(false);
    expect(d.canRead(0)).toBe(false);
    expect(d.canRead(0xbfff_f000)).toBe(false);
    expect(d.canWrite(user)).toBe(false);
    const f = faultOf(() => inDomain(k, d, () => k.machine.readVirt32(user)));
    expect(f).toBeInstanceOf(PageFaultError);
    expect(f!.errorCode & 1).toBe(0); // not present
    // Granting a user address makes nothing writable in the domain's page tables.
    d.grant(user, PAGE_SIZE);
    expect(k.machine.readPhys32(d.pgd + (user >>> 22) * 4)).toBe(0);
  });

  it('entries are never global, though the kernel maps its memory with global pages', () => {
    const k = kernel();
    const d = new ProtectionDomain(k, 'x');
    const heap = d.heap.kmalloc(64, 'x');
    d.grant(k.irq.jiffiesAddr, 4);
    let kernelGlobal = 0;
    for (const [virt, pte] of k.mm.kernelMappings()) {
      if (pte & Pte.G) kernelGlobal++;
      expect(domainPte(k, d, virt) & Pte.G).toBe(0);
    }
    expect(kernelGlobal).toBeGreaterThan(0);
    expect(domainPte(k, d, heap) & Pte.G).toBe(0);
    expect(domainPte(k, d, k.irq.jiffiesAddr) & (Pte.G | Pte.RW)).toBe(Pte.RW);
  });
});

describe('ProtectionDomain: writable grants', () => {
  it('grants are counted per page: a page stays writable until its last grant is revoked', () => {
    const k = kernel();
    const d = new ProtectionDomain(k, 'x');
    const page = k.irq.jiffiesAddr & ~0xfff;
    const base = d.writablePages;
    d.grant(page + 16, 8);
    d.grant(page + 100, 4);
    expect(d.canWrite(page)).toBe(true);
    expect(d.canWrite(page + 0xfff)).toBe(true);
    expect(d.writablePages).toBe(base + 1);
    expect(domainPte(k, d, page) & Pte.RW).toBe(Pte.RW);
    expect(inDomain(k, d, () => (k.machine.writeVirt32(page + 16, 0x1234), k.machine.readVirt32(page + 16)))).toBe(0x1234);
    d.revoke(page + 100, 4);
    expect(d.canWrite(page)).toBe(true);
    expect(domainPte(k, d, page) & Pte.RW).toBe(Pte.RW);
    d.revoke(page + 16, 8);
    expect(d.canWrite(page)).toBe(false);
    expect(d.writablePages).toBe(base);
    expect(domainPte(k, d, page) & Pte.RW).toBe(0);
    expect(faultOf(() => inDomain(k, d, () => k.machine.writeVirt32(page + 16, 0)))?.errorCode).toBe(3);
    // Still mapped, read-only.
    expect(d.canRead(page)).toBe(true);
    expect(domainPte(k, d, page) & Pte.P).toBe(Pte.P);
  });

  it('a grant covers every page its range touches; empty ranges grant nothing', () => {
    const k = kernel();
    const d = new ProtectionDomain(k, 'x');
    const area = k.mm.vmalloc(4 * PAGE_SIZE, 'test');
    const base = d.writablePages;
    d.grant(area.start + PAGE_SIZE - 4, 8); // straddles pages 0 and 1
    expect(d.writablePages).toBe(base + 2);
    expect([0, 1, 2, 3].map((i) => d.canWrite(area.start + i * PAGE_SIZE))).toEqual([true, true, false, false]);
    d.grant(area.start + 2 * PAGE_SIZE, 0);
    d.grant(area.start + 2 * PAGE_SIZE, -5);
    d.revoke(area.start, 0);
    expect(d.writablePages).toBe(base + 2);
    d.grant(area.start, 4 * PAGE_SIZE);
    expect(d.writablePages).toBe(base + 4);
    d.revoke(area.start, 4 * PAGE_SIZE);
    expect([0, 1, 2, 3].map((i) => d.canWrite(area.start + i * PAGE_SIZE))).toEqual([true, true, false, false]);
    d.revoke(area.start + PAGE_SIZE - 4, 8);
    expect(d.writablePages).toBe(base);
    // Revoking what was never granted leaves the page read-only (and does not go negative).
    d.revoke(area.start, PAGE_SIZE);
    d.grant(area.start, PAGE_SIZE);
    expect(d.canWrite(area.start)).toBe(true);
  });

  it("the domain's heap is writable in the domain and nowhere else's domain", () => {
    const k = kernel();
    const a = new ProtectionDomain(k, 'a');
    const b = new ProtectionDomain(k, 'b');
    expect(k.extraHeaps.has(a.heap)).toBe(true);
    const p = a.heap.kmalloc(200, 'a');
    expect(p).not.toBe(0);
    expect(a.heap.contains(p)).toBe(true);
    expect(a.canWrite(p)).toBe(true);
    expect(b.canWrite(p)).toBe(false);
    expect(b.canRead(p)).toBe(true);
    expect(k.pages.pagesOwnedBy('slab:nooks:a:heap')).toBeGreaterThan(0);
    expect(k.resourcesOf('a').slabObjects).toBe(1);
  });

  it('the stack pool: two pages per stack, writable, reused once given back', () => {
    const k = kernel();
    const d = new ProtectionDomain(k, 'x');
    const pages0 = k.pages.pagesOwnedBy('nooks:x');
    const top = d.takeStack();
    expect(d.stackCount).toBe(1);
    expect(k.pages.pagesOwnedBy('nooks:x')).toBe(pages0 + DOMAIN_STACK_BYTES / PAGE_SIZE);
    expect(d.onStack(top - 4)).toBe(true);
    expect(d.onStack(top - DOMAIN_STACK_BYTES)).toBe(true);
    expect(d.onStack(top - DOMAIN_STACK_BYTES - 4)).toBe(false);
    expect(d.canWrite(top - 4) && d.canWrite(top - DOMAIN_STACK_BYTES)).toBe(true);
    const second = d.takeStack();
    expect(second).not.toBe(top);
    expect(d.stackCount).toBe(2);
    d.giveBackStack(second);
    expect(d.takeStack()).toBe(second);
    expect(d.stackCount).toBe(2);
  });
});

describe("ProtectionDomain: the domain's copy follows the kernel's page tables", () => {
  it('vmalloc after the domain exists is mapped read-only in it; vfree unmaps it', () => {
    const k = kernel();
    const d = syncedDomain(k);
    const area = k.mm.vmalloc(3 * PAGE_SIZE, 'test');
    for (let i = 0; i < 3; i++) {
      const v = area.start + i * PAGE_SIZE;
      const dp = domainPte(k, d, v);
      expect(dp & Pte.P).toBe(Pte.P);
      expect(dp & ~0xfff).toBe(k.mm.pte(v) & ~0xfff);
      expect(dp & (Pte.RW | Pte.G)).toBe(0);
      expect(d.canRead(v)).toBe(true);
      expect(d.canWrite(v)).toBe(false);
    }
    k.machine.writeVirt32(area.start + 8, 0xfeedface);
    expect(inDomain(k, d, () => k.machine.readVirt32(area.start + 8))).toBe(0xfeedface);
    expect(faultOf(() => inDomain(k, d, () => k.machine.writeVirt32(area.start + 8, 0)))?.errorCode).toBe(3);
    // A grant made while mapped keeps the page writable through a remap of the same entry...
    d.grant(area.start, PAGE_SIZE);
    expect(domainPte(k, d, area.start) & Pte.RW).toBe(Pte.RW);
    k.mm.release(area.start);
    for (let i = 0; i < 3; i++) expect(domainPte(k, d, area.start + i * PAGE_SIZE)).toBe(0);
    expect(d.canRead(area.start)).toBe(false);
    expect(faultOf(() => inDomain(k, d, () => k.machine.readVirt32(area.start + 8)))?.errorCode).toBe(0);
  });

  it('a new kernel page table (a vmalloc area in a fresh 4 MiB region) appears in the domain too', () => {
    const k = kernel();
    const d = syncedDomain(k);
    const tablesBefore = k.pages.pagesOwnedBy('nooks:x');
    // Far more than one page table's worth: at least one new PDE in the kernel half.
    const area = k.mm.vmalloc(5 << 20, 'big');
    const last = area.start + area.size - PAGE_SIZE;
    expect(domainPte(k, d, last) & ~0xfff).toBe(k.mm.pte(last) & ~0xfff);
    expect(domainPte(k, d, last) & (Pte.P | Pte.RW)).toBe(Pte.P);
    expect(k.pages.pagesOwnedBy('nooks:x')).toBeGreaterThan(tablesBefore);
    k.mm.release(area.start);
    expect(domainPte(k, d, last)).toBe(0);
  });

  it('the isolation manager keeps the domain of a loaded module in sync', () => {
    const k = kernel();
    const nooks = new IsolationManager(k);
    nooks.isolate('kcrash', object('kcrash'), { ...defaultPolicy('kcrash'), action: 'disable' });
    k.loadModule('kcrash', object('kcrash'), { init: false });
    const d = nooks.extension('kcrash').domain!;
    expect(d).toBeInstanceOf(ProtectionDomain);
    // The module's writable sections are writable in its domain (grants are per page, and the
    // loader packs text and data into the same pages, so its text is writable there too); the
    // guard page after the image is not mapped.
    const mod = k.modules.get('kcrash')!;
    for (const s of mod.image.sections.filter((x) => x.writable && x.size > 0)) expect(d.canWrite(s.address), s.name).toBe(true);
    const end = (mod.area.start + mod.area.size) >>> 0;
    expect(d.canRead(end)).toBe(false);
    expect(d.canWrite(end)).toBe(false);
    const area = k.mm.vmalloc(2 * PAGE_SIZE, 'other');
    expect(domainPte(k, d, area.start) & (Pte.P | Pte.RW | Pte.G)).toBe(Pte.P);
    k.mm.release(area.start);
    expect(domainPte(k, d, area.start)).toBe(0);
  });
});

describe('ProtectionDomain.destroy', () => {
  it('frees every page the domain owned: directory, page tables, stacks and heap', () => {
    const k = kernel();
    const free0 = k.pages.pagesOwnedBy('nooks:x') + k.pages.pagesOwnedBy('slab:nooks:x:heap');
    expect(free0).toBe(0);
    const d = syncedDomain(k);
    d.takeStack();
    d.takeStack();
    for (let i = 0; i < 50; i++) d.heap.kmalloc(1000, 'x');
    d.heap.kmalloc(64 << 10, 'x');
    const area = k.mm.vmalloc(5 << 20, 'big'); // makes the domain allocate another page table
    d.grant(area.start, PAGE_SIZE);
    expect(k.pages.pagesOwnedBy('nooks:x')).toBeGreaterThan(1 + DOMAIN_STACK_BYTES / PAGE_SIZE);
    expect(k.pages.pagesOwnedBy('slab:nooks:x:heap')).toBeGreaterThan(0);
    d.destroy();
    expect(d.state).toBe('destroyed');
    expect(k.pages.pagesOwnedBy('nooks:x')).toBe(0);
    expect(k.pages.pagesOwnedBy('slab:nooks:x:heap')).toBe(0);
    expect(k.extraHeaps.has(d.heap)).toBe(false);
    expect(d.writablePages).toBe(0);
    expect(d.stackCount).toBe(0);
    expect(k.resourcesOf('x').slabObjects).toBe(0);
    // Later kernel changes are ignored; destroying twice is harmless.
    k.mm.release(area.start);
    k.mm.vmalloc(PAGE_SIZE, 'after');
    d.destroy();
    expect(k.pages.pagesOwnedBy('nooks:x')).toBe(0);
  });

  it("destroying the loaded domain switches the CPU back to the kernel's page table", () => {
    const k = kernel();
    const d = new ProtectionDomain(k, 'x');
    k.machine.cpu.setCr3(d.pgd);
    d.destroy();
    expect(k.machine.cpu.cr3).toBe(k.mm.pgd);
    expect(k.pages.pagesOwnedBy('nooks:x')).toBe(0);
  });
});

describe('IsolationManager on a kernel without devices', () => {
  it('turns global pages off, installs itself once, and knows only what it was asked to isolate', () => {
    const k = kernel();
    expect(k.machine.cpu.cr4 & Cr4.PGE).toBe(Cr4.PGE);
    const nooks = new IsolationManager(k);
    expect(k.isolation).toBe(nooks);
    expect(k.machine.cpu.cr4 & Cr4.PGE).toBe(0);
    expect(() => new IsolationManager(k)).toThrow(IsolationUsageError);
    expect(() => nooks.extension('kcrash')).toThrow(IsolationUsageError);
    expect(() => nooks.isolate('kcrash', object('kcrash'), defaultPolicy('other'))).toThrow(/the policy is for other, not kcrash/);
    nooks.isolate('kcrash', object('kcrash'));
    expect(() => nooks.isolate('kcrash', object('kcrash'))).toThrow(/already isolated/);
    expect(nooks.isolates('kcrash')).toBe(true);
    expect(nooks.isolates('demo')).toBe(false);
    expect(nooks.extension('kcrash').state).toBe('unloaded');
  });

  it('a correct module loads into a domain and unloads, leaving nothing behind', () => {
    const k = kernel();
    const nooks = new IsolationManager(k);
    nooks.isolate('kcrash', object('kcrash'));
    k.loadModule('kcrash', object('kcrash'));
    expect(k.log.text()).toMatch(/kcrash: init_module survived/);
    const ext = nooks.extension('kcrash');
    expect(ext.state).toBe('live');
    expect(nooks.xpc.bySite.get('init_module')).toBe(1);
    expect(nooks.xpc.toKernel).toBeGreaterThan(0); // printk
    k.unloadModule('kcrash');
    expect(k.log.text()).toMatch(/kcrash: cleanup/);
    expect(nooks.xpc.bySite.get('cleanup_module')).toBe(1);
    expect(ext.state).toBe('unloaded');
    expect(ext.domain).toBeUndefined();
    expect(k.pages.pagesOwnedBy('nooks:kcrash')).toBe(0);
    expect(k.resourcesOf('kcrash')).toEqual({ pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
    expect(nooks.failures).toEqual([]);
  });
});

describe('a module that fails in init_module under Nooks is an extension failure, not a crash', () => {
  // Each variant, natively: an oops (the module left "failed") or a panic (the kernel dead).
  const cases = [
    { variant: 'kcrash-null', native: 'oops', trigger: 'exception', reason: /^NULL pointer dereference at virtual address 00000000$/ },
    { variant: 'kcrash-wild-jump', native: 'oops', trigger: 'exception', reason: /^paging request at virtual address deadbeef$/ },
    { variant: 'kcrash-ud2', native: 'oops', trigger: 'exception', reason: /\(vector 6\)$/ },
    { variant: 'kcrash-overrun', native: 'panic', trigger: 'wrapper-check', reason: /kfree/ },
    { variant: 'kcrash-double-free', native: 'panic', trigger: 'wrapper-check', reason: /kfree/ },
    { variant: 'kcrash-uaf', native: 'panic', trigger: 'wrapper-check', reason: /kmalloc|poison|slab/i },
  ] as const;

  it.each(cases)('$variant: natively $native', ({ variant, native }) => {
    const k = kernel();
    let error: unknown;
    try {
      k.loadModule(variant, object(variant));
    } catch (e) {
      error = e;
    }
    if (native === 'oops') {
      expect(error).toBeInstanceOf(Oops);
      expect(k.modules.get(variant)?.state).toBe('failed');
    } else {
      expect(k.dead?.kind).toBe('panic');
    }
  });

  it.each(cases)('$variant: under Nooks, $trigger; the load fails cleanly and the domain is gone', ({ variant, trigger, reason }) => {
    const k = kernel();
    const nooks = new IsolationManager(k);
    const bytes = object(variant);
    nooks.isolate(variant, bytes, { ...defaultPolicy(variant), action: 'disable' });
    let error: unknown;
    try {
      k.loadModule(variant, bytes);
    } catch (e) {
      error = e;
    }
    // init_module's XPC was unwound and returned -EIO: insmod fails, nothing crashed.
    expect(error).toBeInstanceOf(ModuleLoadError);
    expect((error as Error).message).toBe(`${variant}: init_module failed with -5`);
    expect(k.dead).toBeUndefined();
    expect(k.modules.has(variant)).toBe(false);
    expect(k.log.text()).not.toMatch(/init_module survived/);
    const failures = nooks.failures;
    expect(failures.length).toBe(1);
    const f = failures[0]!;
    expect(f.extension).toBe(variant);
    expect(f.trigger).toBe(trigger);
    expect(f.reason).toMatch(reason);
    expect(f.site).toBe('init_module');
    expect(f.report.kind).toBe('oops');
    expect(k.log.text()).toMatch(new RegExp(`nooks: ${variant} failed in init_module`));
    // The recovery manager runs; the policy disables the extension: it stays unloaded.
    k.runUntil(k.cycles + 50e6);
    const ext = nooks.extension(variant);
    expect(ext.state).toBe('disabled');
    expect(f.action).toBe('disable');
    expect(f.timeline.map((e) => e.event)).toEqual(['detected', 'suspended', 'unwound', 'released', 'unloaded', 'agent', 'disabled']);
    expect(f.releaseErrors).toEqual([]);
    expect(ext.domain).toBeUndefined();
    expect(k.pages.pagesOwnedBy(`nooks:${variant}`)).toBe(0);
    expect(k.pages.pagesOwnedBy(`slab:nooks:${variant}:heap`)).toBe(0);
    expect(k.resourcesOf(variant)).toEqual({ pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
    expect(k.machine.cpu.cr3).toBe(k.mm.pgd);
    // The system goes on: another module (not isolated) loads and runs.
    k.loadModule('demo', object('demo'));
    expect(k.log.text()).toMatch(/demo: loaded \(1\)/);
    expect(k.dead).toBeUndefined();
  });
});
