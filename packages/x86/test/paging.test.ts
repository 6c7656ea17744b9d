// Paging as the guest sees it (Intel SDM vol. 3A ch. 4 "Paging"; 4.7 "Page-Fault Exceptions";
// 4.8 "Accessed and Dirty Flags"; 4.10 "Caching Translation Information"): #PF error codes,
// CR2, restartable faults, A/D bits, the TLB model (stale entries, global pages, invlpg,
// counters, page-walk cycles), 4 MiB pages, self-modifying and aliased code.
import { describe, expect, it } from 'vitest';

import { CYCLES, Cr0, Cr4, Flag, Pte, Vector } from '../src/index.js';
import type { InterruptEvent } from '../src/index.js';

import { EAX, EBX, ECX, EDI, ESI, ESP, Guest, LAYOUT } from './asm.js';

/** A linear address with its own page directory entry (index 2), free for each test to map. */
const L = 0x800000;
/** Physical pages the tests map there. */
const P0 = 0x50000, P1 = 0x51000, P2 = 0x60000, P3 = 0x61000;
const RW = Pte.P | Pte.RW;
const URW = Pte.P | Pte.RW | Pte.US;

/** Ring-0 guest with the low 1 MiB identity-mapped (user-accessible too when `user`). */
function kernel(user = false): Guest {
  const g = new Guest();
  g.identity(0, 0x100000, user ? URW : RW);
  g.enablePaging();
  return g;
}

/** Records page faults in a host hook and ends the run at the faulting instruction. */
function catchFaults(g: Guest): InterruptEvent[] {
  const events: InterruptEvent[] = [];
  g.m.hookInterrupt(Vector.PF, (m, ev) => {
    events.push(ev);
    m.stop();
    return true;
  });
  return events;
}

describe('page-fault error codes (SDM 4.7)', () => {
  type Case = { name: string; pde: number; pte: number; cpl: 0 | 3; wp: boolean; write: boolean; error: number | null };
  const cases: Case[] = [
    { name: 'PTE not present, supervisor read', pde: URW, pte: 0, cpl: 0, wp: true, write: false, error: 0 },
    { name: 'PTE not present, supervisor write', pde: URW, pte: 0, cpl: 0, wp: true, write: true, error: 2 },
    { name: 'PTE not present, user read', pde: URW, pte: 0, cpl: 3, wp: true, write: false, error: 4 },
    { name: 'PTE not present, user write', pde: URW, pte: 0, cpl: 3, wp: true, write: true, error: 6 },
    { name: 'PDE not present, supervisor read', pde: Pte.RW | Pte.US, pte: URW, cpl: 0, wp: true, write: false, error: 0 },
    { name: 'PDE not present, user write', pde: Pte.RW | Pte.US, pte: URW, cpl: 3, wp: true, write: true, error: 6 },
    { name: 'read-only page, supervisor write, WP=1', pde: URW, pte: Pte.P, cpl: 0, wp: true, write: true, error: 3 },
    { name: 'read-only page, supervisor write, WP=0 (allowed)', pde: URW, pte: Pte.P, cpl: 0, wp: false, write: true, error: null },
    { name: 'read-only page, supervisor read', pde: URW, pte: Pte.P, cpl: 0, wp: true, write: false, error: null },
    { name: 'supervisor page, user read', pde: URW, pte: RW, cpl: 3, wp: true, write: false, error: 5 },
    { name: 'supervisor page, user write', pde: URW, pte: RW, cpl: 3, wp: false, write: true, error: 7 },
    { name: 'read-only user page, user write, WP=1', pde: URW, pte: Pte.P | Pte.US, cpl: 3, wp: true, write: true, error: 7 },
    { name: 'read-only user page, user write, WP=0', pde: URW, pte: Pte.P | Pte.US, cpl: 3, wp: false, write: true, error: 7 },
    { name: 'read-only user page, user read', pde: URW, pte: Pte.P | Pte.US, cpl: 3, wp: true, write: false, error: null },
    { name: 'read-only user page, supervisor write, WP=1', pde: URW, pte: Pte.P | Pte.US, cpl: 0, wp: true, write: true, error: 3 },
    { name: 'read-only user page, supervisor write, WP=0', pde: URW, pte: Pte.P | Pte.US, cpl: 0, wp: false, write: true, error: null },
    { name: 'user page, user write', pde: URW, pte: URW, cpl: 3, wp: true, write: true, error: null },
    { name: 'user page, supervisor write', pde: URW, pte: URW, cpl: 0, wp: true, write: true, error: null },
    { name: 'PDE R/W=0 over a writable PTE, user write', pde: Pte.P | Pte.US, pte: URW, cpl: 3, wp: true, write: true, error: 7 },
    { name: 'PDE R/W=0 over a writable PTE, user read', pde: Pte.P | Pte.US, pte: URW, cpl: 3, wp: true, write: false, error: null },
    { name: 'PDE R/W=0 over a writable PTE, supervisor write, WP=1', pde: Pte.P | Pte.US, pte: URW, cpl: 0, wp: true, write: true, error: 3 },
    { name: 'PDE R/W=0 over a writable PTE, supervisor write, WP=0', pde: Pte.P | Pte.US, pte: URW, cpl: 0, wp: false, write: true, error: null },
    { name: 'PDE U/S=0 over a user PTE, user read', pde: RW, pte: URW, cpl: 3, wp: true, write: false, error: 5 },
    { name: 'PDE U/S=0 over a user PTE, supervisor read', pde: RW, pte: URW, cpl: 0, wp: true, write: false, error: null },
    { name: 'PDE U/S=0 and R/W=0, user write', pde: Pte.P, pte: URW, cpl: 3, wp: true, write: true, error: 7 },
    { name: 'PDE U/S=0 and R/W=0, supervisor read', pde: Pte.P, pte: URW, cpl: 0, wp: true, write: false, error: null },
  ];

  it.each(cases)('$name -> $error', (c) => {
    const g = kernel(true);
    g.map(L + 0x123, P0, c.pte, c.pde);
    g.m.writePhys32(P0 + 0x120, 0x5eed1234);
    const p = g.code(c.write ? 'op: movl %ebx, 0x800120\ndone: nop' : 'op: movl 0x800120, %eax\ndone: nop');
    g.cpu.setCr0(c.wp ? g.cpu.cr0 | Cr0.WP : g.cpu.cr0 & ~Cr0.WP);
    g.cpu.setCpl(c.cpl);
    g.cpu.regs[EBX] = 0x0badf00d;
    const faults = catchFaults(g);
    const r = g.m.run({ until: p.sym('done'), maxInstructions: 100 });
    if (c.error === null) {
      expect(r.reason).toBe('until');
      expect(faults).toEqual([]);
      if (c.write) expect(g.read32(P0 + 0x120)).toBe(0x0badf00d);
      else expect(g.reg(EAX)).toBe(0x5eed1234);
      return;
    }
    expect(r.reason).toBe('stopped');
    expect(faults).toHaveLength(1);
    const f = faults[0]!;
    expect(f.vector).toBe(Vector.PF);
    expect(f.errorCode).toBe(c.error);
    expect(f.cr2).toBe(0x800120);
    expect(g.cpu.cr2 >>> 0).toBe(0x800120);
    expect(f.eip).toBe(p.sym('op'));
    expect(g.cpu.eip).toBe(p.sym('op'));
    expect(g.read32(P0 + 0x120)).toBe(0x5eed1234);
    expect(g.reg(EAX)).toBe(0);
  });

  it('the guest handler receives the error code on its stack, the faulting EIP, and reads CR2', () => {
    const g = kernel();
    g.map(L, P0, 0);
    const p = g.code(`
      movl $0x77, %esi
    op: movl %esi, 0x800abc
      hlt
    pf: popl err
      movl %cr2, %eax
      movl %eax, cr2
      movl (%esp), %eax
      movl %eax, eip
      movl %esp, esp
      hlt
    err: .long -1
    cr2: .long -1
    eip: .long -1
    esp: .long -1`);
    g.gate(Vector.PF, p.sym('pf'));
    g.useIdt();
    expect(g.m.run({ maxInstructions: 100 }).reason).toBe('halted');
    expect(g.read32(p.sym('err'))).toBe(2);
    expect(g.read32(p.sym('cr2'))).toBe(0x800abc);
    expect(g.read32(p.sym('eip'))).toBe(p.sym('op'));
    // EIP, CS, EFLAGS remain after popping the error code.
    expect(g.read32(p.sym('esp'))).toBe(LAYOUT.stack - 12);
  });

  it('an instruction fetch from a not-present page faults with CR2 = EIP = the target', () => {
    const g = kernel();
    g.map(L, P0, 0);
    const faults = catchFaults(g);
    g.code('jmp 0x800010');
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[0, 0x800010, 0x800010]]);
  });

  it('a user-mode instruction fetch from a supervisor page faults with P|U', () => {
    const g = kernel(true);
    g.map(L, P0, RW);
    g.m.writePhys(P0, new Uint8Array([0x90, 0xf4]));
    const faults = catchFaults(g);
    g.code('jmp 0x800000');
    g.cpu.setCpl(3);
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[5, 0x800000, 0x800000]]);
  });

  it('an instruction that straddles into a not-present page faults on the second page with EIP at its first byte', () => {
    const g = kernel();
    g.map(L, P0, RW);
    g.map(L + 0x1000, P1, 0);
    // b8 xx xx xx xx: mov $imm32, %eax with the last two immediate bytes on the next page.
    g.m.writePhys(P0 + 0xffd, new Uint8Array([0xb8, 0x11, 0x22]));
    const faults = catchFaults(g);
    g.code('jmp 0x800ffd');
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[0, 0x801000, 0x800ffd]]);
  });
});

describe('faults leave no partial state and restart', () => {
  it('push and call into a not-present stack page leave ESP and EIP unchanged', () => {
    const g = kernel();
    g.map(L, P0, 0);
    const faults = catchFaults(g);
    const p = g.code(`
      movl $0x801000, %esp
    op1: pushl %ebx
    op2: call f
    f: hlt`);
    g.cpu.regs[EBX] = 0x1234;
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[2, 0x800ffc, p.sym('op1')]]);
    expect(g.reg(ESP)).toBe(0x801000);
    g.cpu.eip = p.sym('op2');
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults[1]!.eip).toBe(p.sym('op2'));
    expect(g.reg(ESP)).toBe(0x801000);
    expect(g.cpu.eip).toBe(p.sym('op2'));
  });

  it.each([
    { what: 'read-only page (WP=1)', pte: Pte.P, error: 3 },
    { what: 'not-present page (reported as a write: read-modify-write)', pte: 0, error: 2 },
  ])('add %ebx, (mem) faulting on a $what changes no register, flag or memory', ({ pte, error }) => {
    const g = kernel();
    g.cpu.setCr0(g.cpu.cr0 | Cr0.WP);
    g.map(L, P0, pte);
    g.m.writePhys32(P0 + 0x40, 100);
    const faults = catchFaults(g);
    const p = g.code(`
      movl $5, %ebx
      movl $0x800040, %edi
      xorl %eax, %eax     # ZF=1 PF=1 CF=0
    op: addl %ebx, (%edi)
      hlt`);
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[error, 0x800040, p.sym('op')]]);
    expect(g.cpu.getEflags() & (Flag.ZF | Flag.PF | Flag.CF | Flag.SF | Flag.OF)).toBe(Flag.ZF | Flag.PF);
    expect([g.reg(EAX), g.reg(EBX), g.reg(EDI)]).toEqual([0, 5, 0x800040]);
    expect(g.read32(P0 + 0x40)).toBe(100);
  });

  it('a dword write straddling into a not-present page writes nothing and reports the second page in CR2', () => {
    const g = kernel();
    g.map(L, P0, RW);
    g.map(L + 0x1000, P1, 0);
    g.m.writePhys32(P0 + 0xffc, 0x11111111);
    const faults = catchFaults(g);
    const p = g.code('op: movl $0xaabbccdd, 0x800ffe\nhlt');
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[2, 0x801000, p.sym('op')]]);
    expect(g.read32(P0 + 0xffc)).toBe(0x11111111);
  });

  it('rep movsd faulting mid-way stops at the completed iteration and restarts after the handler maps the page', () => {
    const g = kernel();
    g.map(L, P0, RW);
    g.map(L + 0x1000, P1, 0);
    const src = new Uint8Array(0x2000);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7 + (i >> 8)) & 0xff;
    g.m.writePhys(LAYOUT.data, src);
    const p = g.code(`
      cld
      movl $${LAYOUT.data}, %esi
      movl $0x800000, %edi
      movl $0x800, %ecx
    op: rep movsl
      hlt
    pf: movl %ecx, f_ecx
      movl %esi, f_esi
      movl %edi, f_edi
      pushl %eax
      pushl %ecx
      movl fix_pte, %eax
      movl fix_val, %ecx
      movl %ecx, (%eax)
      movl %cr2, %eax
      movl %eax, f_cr2
      invlpg (%eax)
      movl 12(%esp), %eax
      movl %eax, f_eip
      incl f_count
      popl %ecx
      popl %eax
      addl $4, %esp
      iret
    fix_pte: .long 0
    fix_val: .long 0
    f_count: .long 0
    f_ecx: .long 0
    f_esi: .long 0
    f_edi: .long 0
    f_cr2: .long 0
    f_eip: .long 0`);
    g.m.writePhys32(p.sym('fix_pte'), g.pteAddr(L + 0x1000));
    g.m.writePhys32(p.sym('fix_val'), P1 | RW);
    g.gate(Vector.PF, p.sym('pf'));
    g.useIdt();
    expect(g.m.run({ maxInstructions: 1000 }).reason).toBe('halted');
    expect(g.read32(p.sym('f_count'))).toBe(1);
    expect(g.read32(p.sym('f_ecx'))).toBe(0x400);
    expect(g.read32(p.sym('f_esi'))).toBe(LAYOUT.data + 0x1000);
    expect(g.read32(p.sym('f_edi'))).toBe(0x801000);
    expect(g.read32(p.sym('f_cr2'))).toBe(0x801000);
    expect(g.read32(p.sym('f_eip'))).toBe(p.sym('op'));
    expect([g.reg(ECX), g.reg(ESI), g.reg(EDI)]).toEqual([0, LAYOUT.data + 0x2000, 0x802000]);
    expect(g.m.readPhys(P0, 0x1000)).toEqual(src.subarray(0, 0x1000));
    expect(g.m.readPhys(P1, 0x1000)).toEqual(src.subarray(0x1000));
  });
});

describe('accessed and dirty flags (SDM 4.8)', () => {
  it('a read sets A in the PDE and the PTE and leaves D clear', () => {
    const g = kernel();
    g.map(L, P0, RW, RW);
    g.code('movl 0x800000, %eax\nhlt');
    expect(g.pde(L) & (Pte.A | Pte.D)).toBe(0);
    expect(g.pte(L) & (Pte.A | Pte.D)).toBe(0);
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    expect(g.pde(L) & (Pte.A | Pte.D)).toBe(Pte.A);
    expect(g.pte(L) & (Pte.A | Pte.D)).toBe(Pte.A);
  });

  it('D is set by the first write through a TLB entry only, and again after invlpg', () => {
    const g = kernel();
    g.map(L, P0, RW, RW);
    const p = g.code(`
      movl 0x800000, %eax      # A, clean TLB entry
    w1: movl %eax, 0x800004     # first write: sets D
    w2: movl %eax, 0x800008     # D cleared by the host before this: the entry is dirty, D stays clear
      invlpg 0x800000
    w3: movl %eax, 0x80000c     # a new walk sets D again
      hlt`);
    expect(g.m.run({ until: p.sym('w1') }).reason).toBe('until');
    expect(g.pte(L) & (Pte.A | Pte.D)).toBe(Pte.A);
    const misses = g.cpu.dtlb.counters.misses;
    expect(g.m.run({ until: p.sym('w2') }).reason).toBe('until');
    expect(g.pte(L) & (Pte.A | Pte.D)).toBe(Pte.A | Pte.D);
    expect(g.pde(L) & Pte.D).toBe(0);
    // Setting D re-walks the tables, but it is not a TLB miss.
    expect(g.cpu.dtlb.counters.misses).toBe(misses);
    g.setPte(L, g.pte(L) & ~Pte.D);
    expect(g.m.run({ until: p.sym('w3') }).reason).toBe('until');
    expect(g.pte(L) & Pte.D).toBe(0);
    expect(g.m.run().reason).toBe('halted');
    expect(g.pte(L) & Pte.D).toBe(Pte.D);
  });

  it('a write that faults sets no D bit', () => {
    const g = kernel();
    g.cpu.setCr0(g.cpu.cr0 | Cr0.WP);
    g.map(L, P0, Pte.P, RW);
    catchFaults(g);
    g.code('movl %eax, 0x800000\nhlt');
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(g.pte(L) & Pte.D).toBe(0);
  });
});

describe('the TLB model (SDM 4.10)', () => {
  it('a PTE change is not seen through a cached translation until invlpg drops it (and only it)', () => {
    const g = kernel();
    g.map(L, P0, RW);
    g.map(L + 0x1000, P1, RW);
    for (const [a, v] of [[P0, 0xa0], [P1, 0xa1], [P2, 0xb0], [P3, 0xb1]] as const) g.m.writePhys32(a, v);
    const p = g.code(`
      movl 0x800000, %eax
      movl 0x801000, %ebx
    remap:
      movl 0x800000, %eax
      movl 0x801000, %ebx
      movl %eax, %esi
      movl %ebx, %edi
      invlpg 0x800000
      movl 0x800000, %eax
      movl 0x801000, %ebx
      hlt`);
    expect(g.m.run({ until: p.sym('remap') }).reason).toBe('until');
    g.setPte(L, P2 | RW);
    g.setPte(L + 0x1000, P3 | RW);
    const inv = g.cpu.dtlb.counters.invalidations;
    expect(g.m.run().reason).toBe('halted');
    // Stale before invlpg (both), fresh after it for the invalidated page only.
    expect([g.reg(ESI), g.reg(EDI)]).toEqual([0xa0, 0xa1]);
    expect([g.reg(EAX), g.reg(EBX)]).toEqual([0xb0, 0xa1]);
    expect(g.cpu.dtlb.counters.invalidations).toBe(inv + 1);
  });

  it('code keeps running from a stale ITLB entry after its PTE changes, until invlpg', () => {
    const g = kernel();
    g.map(L, P0, RW);
    // f at 0x800000: mov $imm, %eax; ret -- returning 1 from P0 and 2 from P2.
    g.m.writePhys(P0, new Uint8Array([0xb8, 1, 0, 0, 0, 0xc3]));
    g.m.writePhys(P2, new Uint8Array([0xb8, 2, 0, 0, 0, 0xc3]));
    const p = g.code(`
      call 0x800000
      movl %eax, %ebx
    remap:
      call 0x800000
      movl %eax, %ecx
      invlpg 0x800000
      call 0x800000
      hlt`);
    expect(g.m.run({ until: p.sym('remap') }).reason).toBe('until');
    g.setPte(L, P2 | RW);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect([g.reg(EBX), g.reg(ECX), g.reg(EAX)]).toEqual([1, 1, 2]);
  });

  function globalScenario(pge: boolean, global: boolean): [number, number] {
    const g = kernel();
    if (pge) g.cpu.setCr4(g.cpu.cr4 | Cr4.PGE);
    g.map(L, P0, RW | (global ? Pte.G : 0));
    g.map(L + 0x1000, P1, RW);
    for (const [a, v] of [[P0, 0xa0], [P1, 0xa1], [P2, 0xb0], [P3, 0xb1]] as const) g.m.writePhys32(a, v);
    const p = g.code(`
      movl 0x800000, %eax
      movl 0x801000, %ebx
    remap:
      movl %cr3, %ecx
      movl %ecx, %cr3
      movl 0x800000, %eax
      movl 0x801000, %ebx
      hlt`);
    expect(g.m.run({ until: p.sym('remap') }).reason).toBe('until');
    g.setPte(L, P2 | RW | (global ? Pte.G : 0));
    g.setPte(L + 0x1000, P3 | RW);
    expect(g.m.run().reason).toBe('halted');
    return [g.reg(EAX), g.reg(EBX)];
  }

  it('a global page survives a CR3 write when CR4.PGE is set', () => {
    expect(globalScenario(true, true)).toEqual([0xa0, 0xb1]);
  });

  it('without CR4.PGE the G bit is ignored and a CR3 write flushes everything', () => {
    expect(globalScenario(false, true)).toEqual([0xb0, 0xb1]);
  });

  it('with CR4.PGE a non-global page is flushed by a CR3 write', () => {
    expect(globalScenario(true, false)).toEqual([0xb0, 0xb1]);
  });

  it('invlpg drops a global page', () => {
    const g = kernel();
    g.cpu.setCr4(g.cpu.cr4 | Cr4.PGE);
    g.map(L, P0, RW | Pte.G);
    g.m.writePhys32(P0, 0xa0);
    g.m.writePhys32(P2, 0xb0);
    const p = g.code(`
      movl 0x800000, %eax
    remap:
      invlpg 0x800000
      movl 0x800000, %eax
      hlt`);
    expect(g.m.run({ until: p.sym('remap') }).reason).toBe('until');
    g.setPte(L, P2 | RW | Pte.G);
    expect(g.m.run().reason).toBe('halted');
    expect(g.reg(EAX)).toBe(0xb0);
  });

  it('counts DTLB and ITLB misses, hits and flushes separately', () => {
    const g = kernel();
    for (let i = 0; i < 3; i++) g.map(L + i * 0x1000, P0, RW);
    const p = g.code(`
      movl 0x800000, %eax
      movl 0x801000, %eax
      movl 0x802000, %eax
      movl 0x800004, %eax
      movl 0x801004, %eax
      jmp far
    back:
      hlt
    flush:
      movl %cr3, %eax
      movl %eax, %cr3
      movl 0x800008, %eax
      hlt
      .org 0x1000
    far:
      movl 0x802004, %eax
      jmp back`);
    const before = g.m.stats.tlb;
    expect(g.m.run().reason).toBe('halted');
    const after = g.m.stats.tlb;
    expect(after.dtlb.misses - before.dtlb.misses).toBe(3);
    expect(after.dtlb.accesses - before.dtlb.accesses).toBe(6);
    // Hits are the accesses that did not miss (the fast path does not count them one by one).
    expect(after.dtlb.accesses - after.dtlb.misses - (before.dtlb.accesses - before.dtlb.misses)).toBe(3);
    // Two code pages fetched: two ITLB misses, then a hit when jumping back to the first.
    expect(after.itlb.misses - before.itlb.misses).toBe(2);
    expect(after.itlb.hits - before.itlb.hits).toBe(1);
    expect(after.dtlb.flushes).toBe(before.dtlb.flushes);
    expect(g.cpu.dtlb.occupancy()).toBe(3);
    expect(g.cpu.itlb.occupancy()).toBe(2);

    g.cpu.eip = p.sym('flush');
    g.cpu.halted = false;
    expect(g.m.run().reason).toBe('halted');
    const flushed = g.m.stats.tlb;
    expect(flushed.dtlb.flushes - after.dtlb.flushes).toBe(1);
    expect(flushed.itlb.flushes - after.itlb.flushes).toBe(1);
    // The data page misses again, and so does the code page (fetched again after the flush).
    expect(flushed.dtlb.misses - after.dtlb.misses).toBe(1);
    expect(flushed.itlb.misses - after.itlb.misses).toBe(1);
  });

  it('holds 64 entries and evicts the oldest (FIFO) when full', () => {
    const g = kernel();
    for (let i = 0; i < 65; i++) g.map(L + i * 0x1000, P0, RW);
    g.code(`
      movl $0x800000, %esi
      movl $65, %ecx
    1: movl (%esi), %eax
      addl $0x1000, %esi
      loop 1b
      movl 0x800000, %eax     # evicted by the 65th page: misses again
      movl 0x840000, %eax     # the 65th page: still there
      hlt`);
    const before = { ...g.cpu.dtlb.counters };
    expect(g.m.run({ maxInstructions: 1000 }).reason).toBe('halted');
    expect(g.cpu.dtlb.counters.misses - before.misses).toBe(66);
    expect(g.cpu.dtlb.counters.evictions - before.evictions).toBe(2);
    expect(g.cpu.dtlb.occupancy()).toBe(64);
  });

  it('charges CYCLES.pageWalk for each TLB miss, data or instruction', () => {
    const g = kernel();
    g.map(L, P0, RW);
    g.map(L + 0x1000, P1, RW);
    g.map(L + 0x2000, P2, RW);
    const p = g.code(`
      nop
      movl 0x800000, %eax       # one DTLB miss
      movl 0x800000, %eax       # hit
      movl $0x801000, %esi
      movl $0x802000, %edi
      movsl                     # two misses
      movsl                     # two hits
      jmp next
      .org 0x1000
    next:
      nop                       # ITLB miss
      nop
      hlt`);
    const step = (): number => {
      const r = g.m.run({ maxInstructions: 1 });
      expect(r.instructions).toBe(1);
      return r.cycles;
    };
    step(); // nop: fetches the first code page
    const missMov = step(), hitMov = step();
    expect(missMov - hitMov).toBe(CYCLES.pageWalk);
    step();
    step();
    const c0 = g.cpu.cycles;
    const missMovs = step();
    expect(g.cpu.cycles - c0).toBe(missMovs);
    const hitMovs = step();
    expect(missMovs - hitMovs).toBe(2 * CYCLES.pageWalk);
    step(); // jmp
    const missNop = step(), hitNop = step();
    expect(missNop - hitNop).toBe(CYCLES.pageWalk);
    expect(g.cpu.eip).toBe(p.sym('next') + 2);
  });
});

describe('4 MiB pages (CR4.PSE)', () => {
  function bigPage(pse: boolean): Guest {
    const g = new Guest(8 << 20);
    g.identity(0, 0x100000, RW);
    // PDE 3 (0xc00000): with PSE a 4 MiB page at 0x400000; without PSE, PS is ignored and it
    // points to a page table at 0x400000, whose entry 0x12 maps 0xc12000 to P2.
    g.setPde(0xc00000, 0x400000 | Pte.PS | RW);
    g.m.writePhys32(0x400000 + 0x12 * 4, P2 | RW);
    g.m.writePhys32(0x412344, 0x4b4b4b4b);
    g.m.writePhys32(P2 + 0x344, 0x00f0f0f0);
    g.enablePaging();
    if (pse) g.cpu.setCr4(g.cpu.cr4 | Cr4.PSE);
    return g;
  }

  it('maps 4 MiB with one PDE, setting A and D in it', () => {
    const g = bigPage(true);
    g.code(`
      movl 0xc12344, %eax
      movl $0x99, 0xfffff0      # the last dword of the 4 MiB page
      hlt`);
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    expect(g.reg(EAX)).toBe(0x4b4b4b4b);
    expect(g.read32(0x7ffff0)).toBe(0x99);
    expect(g.pde(0xc00000) & (Pte.A | Pte.D)).toBe(Pte.A | Pte.D);
    expect(g.m.translate(0xc12344)).toBe(0x412344);
  });

  it('ignores PS without CR4.PSE (the PDE points to a page table)', () => {
    const g = bigPage(false);
    g.code('movl 0xc12344, %eax\nhlt');
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('halted');
    expect(g.reg(EAX)).toBe(0x00f0f0f0);
  });

  it('checks permissions of a 4 MiB page', () => {
    const g = bigPage(true);
    g.identity(0, 0x100000, URW);
    g.setPde(0xc00000, 0x400000 | Pte.PS | Pte.P | Pte.US);
    const faults = catchFaults(g);
    const p = g.code('movl 0xc12344, %eax\nop: movl %eax, 0xc12344\nhlt');
    g.cpu.setCpl(3);
    expect(g.m.run({ maxInstructions: 10 }).reason).toBe('stopped');
    expect(g.reg(EAX)).toBe(0x4b4b4b4b);
    expect(faults.map((f) => [f.errorCode, f.cr2, f.eip])).toEqual([[7, 0xc12344, p.sym('op')]]);
  });
});

describe('self-modifying and aliased code', () => {
  it('a write to a page holding decoded instructions is seen when they run again', () => {
    const g = kernel();
    g.code(`
      call f
      movl %eax, %ebx
      movl $2, f+1          # patch the immediate of f's mov
      call f
      hlt
      .org 0x1000
    f: movl $1, %eax
      ret`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect([g.reg(EBX), g.reg(EAX)]).toEqual([1, 2]);
  });

  it('a store that rewrites the very next instruction takes effect', () => {
    const g = kernel();
    g.code(`
      xorl %eax, %eax
      movb $0x40, next      # 0x40: inc %eax
    next: nop
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect(g.reg(EAX)).toBe(1);
  });

  it('a code loop patched by rep stosb on its own page runs the new code', () => {
    const g = kernel();
    g.code(`
      movl $3, %ecx
    again:
      call f
      addl %eax, %ebx
      movl $f, %edi
      movb $0xb8, %al
      stosb                 # rewrite f's first byte: b8 -> b8 (same), then the immediate
      movl $0x40, %eax
      movl $f+1, %edi
      pushl %ecx
      movl $1, %ecx
      rep stosb
      popl %ecx
      loop again
      hlt
    f: movl $1, %eax
      ret`);
    expect(g.m.run({ maxInstructions: 200 }).reason).toBe('halted');
    // 1 the first time, then 0x40 twice.
    expect(g.reg(EBX)).toBe(1 + 0x40 + 0x40);
  });

  it('one physical page at two linear addresses: write through one, read and execute through the other', () => {
    const g = kernel();
    g.map(L, P0, RW);
    g.map(0x900000, P0, RW);
    // f: mov $1, %eax; ret
    g.m.writePhys(P0, new Uint8Array([0xb8, 1, 0, 0, 0, 0xc3]));
    g.code(`
      call 0x900000
      movl %eax, %ebx
      movl $2, 0x800001
      call 0x900000
      movl $0x12345678, 0x800100
      movl 0x900100, %ecx
      hlt`);
    expect(g.m.run({ maxInstructions: 20 }).reason).toBe('halted');
    expect([g.reg(EBX), g.reg(EAX), g.reg(ECX)]).toEqual([1, 2, 0x12345678]);
    expect(g.m.readVirt32(0x900100)).toBe(0x12345678);
  });
});
