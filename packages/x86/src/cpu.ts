// The processor: registers, lazy flags, physical memory and MMIO, the MMU (two-level paging
// with the TLB model), exceptions and interrupts through the IDT, and the interpreter loop.
// Instruction semantics live in exec.ts; decoding in decoder.ts.
//
// Speed (see README): decoded instructions are cached per physical page and looked up by EIP;
// memory accesses go through a software translation cache (one Int32Array slot per virtual
// page) that mirrors the TLB model exactly; the hot loop has no try/catch (faults are thrown as
// one preallocated sentinel and caught one level up), no allocation, and int32 arithmetic.

import { compileBlock } from './block-compiler.js';
import type { CompiledBlock } from './block-compiler.js';
import { CYCLES, baseCycles } from './cycles.js';
import { decode, lockAllowed, OPS, OP_FWAIT, OP_HOSTCALL, OP_INVALID, OP_X87 } from './decoder.js';
import type { Instr, OpInfo } from './decoder.js';
import { EXEC, type Handler } from './exec.js';
import { TLB_DIRTY, TLB_GLOBAL, TLB_USER, TLB_WRITABLE, TlbModel } from './tlb.js';

import { ARITH, Cr0, Cr4, Flag, HAS_ERROR_CODE, L_ADC, L_ADD, L_DEC, L_EXPL, L_INC, L_LOGIC, L_NONE, L_SBB, L_SUB, Pte, Vector, WRITABLE_FLAGS } from './constants.js';

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p;
}

/** Thrown (one shared object) to leave the interpreter loop when an exception is raised. */
const FAULT = { fault: true };

/** Software TLB entry bit: translation usable on the fast path (RAM, permission granted). */
const SW_OK = 1;

export type StopReason = 'until' | 'halted' | 'instructions' | 'cycles' | 'stopped' | 'invalid-opcode' | 'triple-fault' | 'unhandled-exception' | 'return';

export interface ExceptionInfo {
  vector: number;
  errorCode: number;
  /** EIP pushed for the exception: the faulting instruction (faults) or the next one (traps, int n). */
  eip: number;
  /** CR2 for page faults. */
  cr2?: number;
  /** True for int n / int3 / into. */
  software: boolean;
  message: string;
}

export interface MmioHandler {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

export interface PortHandler {
  in(port: number, size: 1 | 2 | 4): number;
  out(port: number, size: 1 | 2 | 4, value: number): void;
}

interface MmioRegion {
  base: number;
  size: number;
  handler: MmioHandler;
}

/** Raised by the CPU when a host function's nested guest call does not return normally. */
export class GuestCallAborted extends Error {
  readonly code = 'GUEST_CALL_ABORTED';
  override readonly name = 'GuestCallAborted';
  constructor(
    readonly reason: StopReason,
    readonly exception?: ExceptionInfo,
    /** EIP where the guest stopped. */
    readonly eip?: number,
    /** EFLAGS when it stopped (the caller's are restored). */
    readonly eflags?: number,
  ) {
    super(`guest call ended without returning: ${reason}${exception ? ` (${exception.message})` : ''}`);
  }
}

export interface CpuHooks {
  /** Any exception or interrupt about to be delivered; return true if the host handled it. */
  interrupt(vector: number, info: ExceptionInfo): boolean;
  /**
   * An invalid or unsupported opcode: 'raise' delivers #UD (hooks, then the IDT), 'handled'
   * continues at the EIP the host set, 'stop' ends the run with reason 'invalid-opcode'.
   */
  invalidOpcode(eip: number, bytes: Uint8Array, message: string): 'raise' | 'handled' | 'stop';
  /** The INTR line's vector when acknowledged (the PIC's INTA cycle), or -1 if none is pending. */
  acknowledgeInterrupt(): number;
  /** A host call by index (0F 3F iw); returns EAX. */
  hostCall(index: number): number;
}

export interface CpuOptions {
  /** RAM size in bytes, a multiple of 4096, at physical address 0. */
  memoryBytes: number;
}

export class Cpu {
  // --- registers ---
  readonly regs = new Int32Array(8);
  eip = 0;
  /** EFLAGS bits; the arithmetic bits are valid only when lop === L_NONE. */
  flagsBase = 0x2;
  lop = L_NONE;
  lres = 0;
  la = 0;
  lb = 0;
  lbits = 32;
  lcf = 0;
  lof = 0;
  laf = 0;
  cr0 = Cr0.PE | Cr0.ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  /** Current privilege level (0 or 3). Segments are flat; only paging checks use it. */
  cpl = 0;
  /** Ring-0 stack pointer loaded on an interrupt from ring 3 (the TSS's ESP0). */
  tssEsp0 = 0;
  gdtrBase = 0;
  gdtrLimit = 0;
  idtrBase = 0;
  idtrLimit = 0;
  halted = false;

  // --- memory ---
  readonly memoryBytes: number;
  readonly mem8: Uint8Array;
  readonly mem16: Uint16Array;
  readonly mem32: Int32Array;
  private readonly ramPages: number;
  private readonly mmio: MmioRegion[] = [];
  /** Physical page -> MMIO region index + 1 (0: RAM or nothing). */
  private readonly mmioPage = new Uint16Array(1 << 20);
  /** Physical page holds cached decoded instructions. */
  private readonly codePage: Uint8Array;
  private readonly codeCache: (Block[] | undefined)[];
  /** Per code page: which bytes belong to cached decoded instructions. */
  private readonly codeBytes: (Uint8Array | undefined)[] = [];

  // --- MMU ---
  readonly dtlb = new TlbModel(64);
  readonly itlb = new TlbModel(64);
  /** Software translation cache for data: vpn -> physical page | SW_OK (0: take the slow path). */
  private tlbR: Int32Array;
  private tlbW: Int32Array;
  private readonly tlbRk = new Int32Array(1 << 20);
  private readonly tlbWk = new Int32Array(1 << 20);
  private readonly tlbRu = new Int32Array(1 << 20);
  private readonly tlbWu = new Int32Array(1 << 20);
  private curCodeVPage = -1;
  private curCodePhys = 0;
  private curCodeCache: Block[] = [];

  // --- execution ---
  /** Total instructions retired. */
  icount = 0;
  /** Total cycles (the simulation clock). */
  cycles = 0;
  /** Data accesses made (for TLB hit counts). */
  dataAccesses = 0;
  /** Linear address of the instruction being executed. */
  insStart = 0;
  /** The block being executed (null while a block is being decoded). */
  private block: Block | null = null;
  private untilAddr = -1;
  private icountLimit = Infinity;
  private cycleLimit = Infinity;
  /** Nonzero when the loop must look at interrupts, stop requests or halts before the next instruction. */
  attention = 0;
  private stopRequested = false;
  private stopReason: StopReason | null = null;
  /** INTR line level (a device's interrupt is pending at the PIC). */
  private intrLine = false;
  /** One-instruction interrupt shadow after sti. */
  private intShadow = false;
  private pendingVector = 0;
  private pendingError = 0;
  private pendingHasError = false;
  private pendingSoftware = false;
  private pendingMessage = '';
  /** Exception nesting while delivering (for #DF / triple fault). */
  private delivering = 0;
  lastException: ExceptionInfo | undefined;
  private runDepth = 0;
  /** Linear address of the guest's "return to host" stub (0F 3F FF FF), used by callGuest. */
  returnStub = -1;

  /**
   * The next time (in cycles) at which the host wants control back, e.g. the next device event.
   * When the clock passes it, `onDeadline` runs at the next block boundary (at any nesting of
   * runs), with the deadline reset to Infinity: the hook sets the next one.
   */
  deadline = Infinity;
  onDeadline: (() => void) | null = null;

  /**
   * Executions after which a block is compiled to a JavaScript function (block-compiler.ts).
   * 1 compiles every block on first use, Infinity never compiles (the plain interpreter).
   */
  compileThreshold = 24;

  ports: PortHandler | null = null;
  hooks: CpuHooks;
  /** Cycles to add for the current instruction beyond its base cost (I/O, page walks...). */
  extraCycles = 0;

  constructor(options: CpuOptions, hooks: CpuHooks) {
    const bytes = options.memoryBytes;
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes % 4096 !== 0 || bytes > 0x80000000) {
      throw new RangeError(`memoryBytes must be a positive multiple of 4096 up to 2 GiB, got ${bytes}`);
    }
    this.memoryBytes = bytes;
    const buf = new ArrayBuffer(bytes);
    this.mem8 = new Uint8Array(buf);
    this.mem16 = new Uint16Array(buf);
    this.mem32 = new Int32Array(buf);
    this.ramPages = bytes >>> 12;
    this.codePage = new Uint8Array(this.ramPages);
    this.codeCache = new Array<Block[] | undefined>(this.ramPages).fill(undefined);
    this.tlbR = this.tlbRk;
    this.tlbW = this.tlbWk;
    this.hooks = hooks;
    this.dtlb.onDrop = (vpn) => {
      this.tlbRk[vpn] = 0;
      this.tlbWk[vpn] = 0;
      this.tlbRu[vpn] = 0;
      this.tlbWu[vpn] = 0;
    };
    this.itlb.onDrop = (vpn) => {
      if (vpn === this.curCodeVPage) this.curCodeVPage = -1;
    };
  }

  // ===================================================================== flags

  cf(): number {
    switch (this.lop) {
      case L_NONE: return this.flagsBase & 1;
      case L_ADD: return (this.lres >>> 0) < (this.la >>> 0) ? 1 : 0;
      case L_ADC: return this.lcf ? ((this.lres >>> 0) <= (this.la >>> 0) ? 1 : 0) : (this.lres >>> 0) < (this.la >>> 0) ? 1 : 0;
      case L_SUB: return (this.la >>> 0) < (this.lb >>> 0) ? 1 : 0;
      case L_SBB: return this.lcf ? ((this.la >>> 0) <= (this.lb >>> 0) ? 1 : 0) : (this.la >>> 0) < (this.lb >>> 0) ? 1 : 0;
      case L_LOGIC: return 0;
      default: return this.lcf;
    }
  }

  of(): number {
    const sh = this.lbits - 1;
    switch (this.lop) {
      case L_NONE: return (this.flagsBase >> 11) & 1;
      case L_ADD: case L_ADC: case L_INC:
        return (((this.la ^ this.lres) & (this.lb ^ this.lres)) >>> sh) & 1;
      case L_SUB: case L_SBB: case L_DEC:
        return (((this.la ^ this.lb) & (this.la ^ this.lres)) >>> sh) & 1;
      case L_LOGIC: return 0;
      default: return this.lof;
    }
  }

  af(): number {
    switch (this.lop) {
      case L_NONE: return (this.flagsBase >> 4) & 1;
      case L_LOGIC: return 0;
      case L_EXPL: return this.laf;
      default: return ((this.la ^ this.lb ^ this.lres) >> 4) & 1;
    }
  }

  zf(): number {
    if (this.lop === L_NONE) return (this.flagsBase >> 6) & 1;
    return this.lres === 0 ? 1 : 0;
  }

  sf(): number {
    if (this.lop === L_NONE) return (this.flagsBase >> 7) & 1;
    return (this.lres >>> (this.lbits - 1)) & 1;
  }

  pf(): number {
    if (this.lop === L_NONE) return (this.flagsBase >> 2) & 1;
    return PARITY[this.lres & 0xff]!;
  }

  /** Evaluates condition code cc (0..15, Intel order). */
  cond(cc: number): boolean {
    const lop = this.lop;
    if (lop === L_SUB && this.lbits === 32) {
      // cmp/sub on 32-bit operands: compare the operands directly.
      const a = this.la, b = this.lb;
      switch (cc) {
        case 2: return (a >>> 0) < (b >>> 0);
        case 3: return (a >>> 0) >= (b >>> 0);
        case 4: return a === b;
        case 5: return a !== b;
        case 6: return (a >>> 0) <= (b >>> 0);
        case 7: return (a >>> 0) > (b >>> 0);
        case 12: return a < b;
        case 13: return a >= b;
        case 14: return a <= b;
        case 15: return a > b;
        default: break;
      }
    } else if (cc === 4 || cc === 5) {
      // ZF after any arithmetic: the result is zero.
      if (lop !== L_NONE) return (this.lres === 0) === (cc === 4);
    } else if (lop === L_LOGIC) {
      const r = this.lres;
      switch (cc) {
        case 4: return r === 0;
        case 5: return r !== 0;
        case 8: case 12: return ((r >>> (this.lbits - 1)) & 1) === 1;
        case 9: case 13: return ((r >>> (this.lbits - 1)) & 1) === 0;
        case 14: return r === 0 || ((r >>> (this.lbits - 1)) & 1) === 1;
        case 15: return r !== 0 && ((r >>> (this.lbits - 1)) & 1) === 0;
        default: break;
      }
    }
    let v: boolean;
    switch (cc >> 1) {
      case 0: v = this.of() === 1; break;
      case 1: v = this.cf() === 1; break;
      case 2: v = this.zf() === 1; break;
      case 3: v = this.cf() === 1 || this.zf() === 1; break;
      case 4: v = this.sf() === 1; break;
      case 5: v = this.pf() === 1; break;
      case 6: v = this.sf() !== this.of(); break;
      default: v = this.zf() === 1 || this.sf() !== this.of(); break;
    }
    return (cc & 1) === 0 ? v : !v;
  }

  /** Folds the lazy arithmetic flags into flagsBase. */
  materializeFlags(): void {
    if (this.lop === L_NONE) return;
    const f = this.cf() | (this.pf() << 2) | (this.af() << 4) | (this.zf() << 6) | (this.sf() << 7) | (this.of() << 11);
    this.flagsBase = (this.flagsBase & ~ARITH) | f;
    this.lop = L_NONE;
  }

  getEflags(): number {
    this.materializeFlags();
    return (this.flagsBase | 2) >>> 0;
  }

  setEflags(v: number): void {
    const oldIf = this.flagsBase & Flag.IF;
    this.lop = L_NONE;
    this.flagsBase = (v & WRITABLE_FLAGS) | 2;
    if (!oldIf && (this.flagsBase & Flag.IF)) this.attention = 1;
  }

  /** Sets one arithmetic flag (after materializing). */
  setFlag(mask: number, on: boolean): void {
    this.materializeFlags();
    if (on) this.flagsBase |= mask;
    else this.flagsBase &= ~mask;
  }

  // ===================================================================== registers by size

  getReg8(r: number): number {
    return r < 4 ? this.regs[r]! & 0xff : (this.regs[r - 4]! >> 8) & 0xff;
  }

  setReg8(r: number, v: number): void {
    if (r < 4) this.regs[r] = (this.regs[r]! & ~0xff) | (v & 0xff);
    else this.regs[r - 4] = (this.regs[r - 4]! & ~0xff00) | ((v & 0xff) << 8);
  }

  getReg(size: number, r: number): number {
    if (size === 4) return this.regs[r]!;
    if (size === 2) return this.regs[r]! & 0xffff;
    return this.getReg8(r);
  }

  setReg(size: number, r: number, v: number): void {
    if (size === 4) this.regs[r] = v;
    else if (size === 2) this.regs[r] = (this.regs[r]! & ~0xffff) | (v & 0xffff);
    else this.setReg8(r, v);
  }

  // ===================================================================== physical memory

  /** Maps an MMIO region (page-aligned) to a handler. */
  mapMmio(base: number, size: number, handler: MmioHandler): void {
    if ((base & 0xfff) !== 0 || (size & 0xfff) !== 0 || size <= 0) throw new RangeError('MMIO regions must be page-aligned and a whole number of pages');
    const first = base >>> 12;
    const last = (base + size - 1) >>> 12;
    for (let p = first; p <= last; p++) {
      if (p < this.ramPages) throw new RangeError(`MMIO region 0x${(base >>> 0).toString(16)} overlaps RAM`);
      if (this.mmioPage[p] !== 0) throw new RangeError(`MMIO region 0x${(base >>> 0).toString(16)} overlaps another region`);
    }
    // Reuse a slot freed by unmapMmio, so that devices remapping their BARs forever do not
    // run the 16-bit page index out.
    let slot = this.mmio.findIndex((r) => r.size === 0);
    if (slot < 0) {
      if (this.mmio.length >= 0xffff) throw new RangeError('too many MMIO regions');
      slot = this.mmio.length;
      this.mmio.push({ base: base >>> 0, size, handler });
    } else {
      this.mmio[slot] = { base: base >>> 0, size, handler };
    }
    for (let p = first; p <= last; p++) this.mmioPage[p] = slot + 1;
  }

  /** Removes the MMIO region at base. */
  unmapMmio(base: number): void {
    const i = this.mmio.findIndex((r) => r.base === base >>> 0);
    if (i < 0) return;
    const r = this.mmio[i]!;
    for (let p = r.base >>> 12; p <= (r.base + r.size - 1) >>> 12; p++) this.mmioPage[p] = 0;
    this.mmio[i] = { base: 0, size: 0, handler: { read: () => 0xffffffff, write: () => {} } };
  }

  physRead(addr: number, size: 1 | 2 | 4): number {
    addr >>>= 0;
    if (addr + size <= this.memoryBytes) {
      if (size === 4) return this.mem8[addr]! | (this.mem8[addr + 1]! << 8) | (this.mem8[addr + 2]! << 16) | (this.mem8[addr + 3]! << 24);
      if (size === 2) return this.mem8[addr]! | (this.mem8[addr + 1]! << 8);
      return this.mem8[addr]!;
    }
    const region = this.mmioPage[addr >>> 12]!;
    if (region !== 0) {
      const r = this.mmio[region - 1]!;
      this.extraCycles += CYCLES.mmioRead;
      return r.handler.read(addr - r.base, size);
    }
    // Nothing decodes the address: the bus floats high.
    return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
  }

  physWrite(addr: number, size: 1 | 2 | 4, v: number): void {
    addr >>>= 0;
    if (addr + size <= this.memoryBytes) {
      if (this.codePage[addr >>> 12] !== 0) this.codeWrite(addr, size);
      if (size !== 1 && this.codePage[(addr + size - 1) >>> 12] !== 0) this.codeWrite(addr + size - 1, 1);
      this.mem8[addr] = v;
      if (size >= 2) this.mem8[addr + 1] = v >> 8;
      if (size === 4) {
        this.mem8[addr + 2] = v >> 16;
        this.mem8[addr + 3] = v >> 24;
      }
      return;
    }
    const region = this.mmioPage[addr >>> 12]!;
    if (region !== 0) {
      const r = this.mmio[region - 1]!;
      this.extraCycles += CYCLES.mmioWrite;
      r.handler.write(addr - r.base, size, v);
    }
  }

  /** Copies bytes into physical memory (RAM only), invalidating cached code. */
  writePhysBytes(addr: number, bytes: Uint8Array): void {
    addr >>>= 0;
    if (addr + bytes.length > this.memoryBytes) throw new RangeError(`physical write 0x${addr.toString(16)}+${bytes.length} is outside RAM (${this.memoryBytes} bytes)`);
    this.mem8.set(bytes, addr);
    this.invalidateCodeRange(addr, bytes.length);
  }

  readPhysBytes(addr: number, length: number): Uint8Array {
    addr >>>= 0;
    if (addr + length > this.memoryBytes) throw new RangeError(`physical read 0x${addr.toString(16)}+${length} is outside RAM (${this.memoryBytes} bytes)`);
    return this.mem8.slice(addr, addr + length);
  }

  /** Tells the CPU that RAM in [addr, addr+length) changed behind its back (device DMA). */
  invalidateCodeRange(addr: number, length: number): void {
    if (length <= 0) return;
    for (let p = addr >>> 12; p <= (addr + length - 1) >>> 12 && p < this.ramPages; p++) {
      if (this.codePage[p] !== 0) this.invalidateCode(p);
    }
  }

  /**
   * A store to a page holding decoded code: drop the page's blocks only if the bytes written
   * belong to a decoded instruction (data sharing a page with code, as a module's .bss may,
   * costs nothing).
   */
  private codeWrite(p: number, size: number): void {
    const ppn = p >>> 12;
    const map = this.codeBytes[ppn];
    if (map === undefined) {
      this.invalidateCode(ppn);
      return;
    }
    const off = p & 0xfff;
    const end = Math.min(0x1000, off + size);
    for (let i = off; i < end; i++) {
      if (map[i] !== 0) {
        this.invalidateCode(ppn);
        return;
      }
    }
  }

  private invalidateCode(ppn: number): void {
    this.codePage[ppn] = 0;
    this.codeCache[ppn] = undefined;
    this.codeBytes[ppn] = undefined;
    if ((this.curCodePhys >>> 12) === ppn) {
      this.curCodeVPage = -1;
      this.attention = 1; // the running block may hold the old code: end it after this instruction
    }
  }

  // ===================================================================== MMU

  get pagingEnabled(): boolean {
    return (this.cr0 & Cr0.PG) !== 0;
  }

  setCr0(v: number): void {
    const old = this.cr0;
    this.cr0 = v | Cr0.ET;
    if (((old ^ this.cr0) & (Cr0.PG | Cr0.WP | Cr0.PE)) !== 0) this.flushAllTranslations();
  }

  setCr3(v: number): void {
    this.cr3 = v;
    this.extraCycles += CYCLES.cr3Write;
    const keepGlobal = (this.cr4 & Cr4.PGE) !== 0;
    this.dtlb.flush(keepGlobal);
    this.itlb.flush(keepGlobal);
    this.curCodeVPage = -1;
  }

  setCr4(v: number): void {
    const old = this.cr4;
    this.cr4 = v;
    if (((old ^ v) & (Cr4.PGE | Cr4.PSE)) !== 0) {
      this.dtlb.flush(false);
      this.itlb.flush(false);
      this.curCodeVPage = -1;
    }
  }

  /** invlpg */
  invalidatePage(linear: number): void {
    const vpn = linear >>> 12;
    this.dtlb.invalidate(vpn);
    this.itlb.invalidate(vpn);
    this.tlbRk[vpn] = this.tlbWk[vpn] = this.tlbRu[vpn] = this.tlbWu[vpn] = 0;
    if (vpn === this.curCodeVPage) this.curCodeVPage = -1;
  }

  /** Drops every translation (paging mode changes). */
  flushAllTranslations(): void {
    this.dtlb.flush(false);
    this.itlb.flush(false);
    this.tlbRk.fill(0);
    this.tlbWk.fill(0);
    this.tlbRu.fill(0);
    this.tlbWu.fill(0);
    this.curCodeVPage = -1;
  }

  setCpl(cpl: number): void {
    if (cpl === this.cpl) return;
    this.cpl = cpl;
    this.tlbR = cpl === 3 ? this.tlbRu : this.tlbRk;
    this.tlbW = cpl === 3 ? this.tlbWu : this.tlbWk;
    this.curCodeVPage = -1;
  }

  /** Raises #PF for linear address `linear`. */
  private pageFault(linear: number, present: boolean, write: boolean, user: boolean, fetch: boolean): never {
    this.cr2 = linear | 0;
    const code = (present ? 1 : 0) | (write ? 2 : 0) | (user ? 4 : 0);
    void fetch;
    return this.raise(Vector.PF, code, `page fault at 0x${(linear >>> 0).toString(16)} (${present ? 'protection' : 'not present'}, ${write ? 'write' : 'read'}${user ? ', user' : ''})`);
  }

  /**
   * Translates a linear address for an access (0 read, 1 write, 2 fetch), walking the page tables
   * on a TLB miss, setting A/D bits, raising #PF. Returns the physical address.
   */
  translate(linear: number, access: 0 | 1 | 2): number {
    if ((this.cr0 & Cr0.PG) === 0) return linear >>> 0;
    const vpn = linear >>> 12;
    const tlb = access === 2 ? this.itlb : this.dtlb;
    const user = this.cpl === 3;
    const write = access === 1;
    const slot = tlb.find(vpn);
    if (slot >= 0) {
      const e = tlb.entry[slot]!;
      const okUser = !user || (e & TLB_USER) !== 0;
      const okWrite = !write || (e & TLB_WRITABLE) !== 0 || (!user && (this.cr0 & Cr0.WP) === 0);
      if (okUser && okWrite) {
        tlb.counters.hits++;
        if (write && (e & TLB_DIRTY) === 0) {
          // First write through a clean entry: the processor re-walks to set D (no TLB miss).
          this.walk(linear, access, true);
          tlb.entry[slot] = e | TLB_DIRTY;
        }
        return ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
      }
      // A permission failure re-walks the tables before faulting (the entry may be stale).
      tlb.invalidate(vpn);
    }
    tlb.counters.misses++;
    this.extraCycles += CYCLES.pageWalk;
    const e = this.walk(linear, access, false);
    tlb.insert(vpn, e);
    return ((e & ~0xfff) | (linear & 0xfff)) >>> 0;
  }

  /** The page walk: returns a TLB entry (physical page | TLB_* bits); raises #PF. */
  private walk(linear: number, access: 0 | 1 | 2, dirtyOnly: boolean): number {
    const user = this.cpl === 3;
    const write = access === 1;
    const pdeAddr = ((this.cr3 & ~0xfff) + ((linear >>> 22) << 2)) >>> 0;
    const pde = this.physRead(pdeAddr, 4);
    if ((pde & Pte.P) === 0) return this.pageFault(linear, false, write, user, access === 2);
    if ((pde & Pte.PS) !== 0 && (this.cr4 & Cr4.PSE) !== 0) {
      // 4 MiB page.
      const rw = (pde & Pte.RW) !== 0, us = (pde & Pte.US) !== 0;
      this.checkAccess(linear, rw, us, write, user, access === 2);
      let npde = pde | Pte.A;
      if (write) npde |= Pte.D;
      if (npde !== pde) this.physWrite(pdeAddr, 4, npde);
      const phys = (pde & 0xffc00000) | (linear & 0x3ff000);
      return phys | (rw ? TLB_WRITABLE : 0) | (us ? TLB_USER : 0) | ((npde & Pte.D) ? TLB_DIRTY : 0) | ((pde & Pte.G) && (this.cr4 & Cr4.PGE) ? TLB_GLOBAL : 0);
    }
    const pteAddr = ((pde & ~0xfff) + (((linear >>> 12) & 0x3ff) << 2)) >>> 0;
    const pte = this.physRead(pteAddr, 4);
    if ((pte & Pte.P) === 0) return this.pageFault(linear, false, write, user, access === 2);
    const rw = (pde & Pte.RW) !== 0 && (pte & Pte.RW) !== 0;
    const us = (pde & Pte.US) !== 0 && (pte & Pte.US) !== 0;
    this.checkAccess(linear, rw, us, write, user, access === 2);
    if (!dirtyOnly && (pde & Pte.A) === 0) this.physWrite(pdeAddr, 4, pde | Pte.A);
    let npte = pte | Pte.A;
    if (write) npte |= Pte.D;
    if (npte !== pte) this.physWrite(pteAddr, 4, npte);
    return (pte & ~0xfff) | (rw ? TLB_WRITABLE : 0) | (us ? TLB_USER : 0) | ((npte & Pte.D) ? TLB_DIRTY : 0) | ((pte & Pte.G) && (this.cr4 & Cr4.PGE) ? TLB_GLOBAL : 0);
  }

  private checkAccess(linear: number, rw: boolean, us: boolean, write: boolean, user: boolean, fetch: boolean): void {
    if (user && !us) this.pageFault(linear, true, write, user, fetch);
    if (write && !rw && (user || (this.cr0 & Cr0.WP) !== 0)) this.pageFault(linear, true, write, user, fetch);
  }

  /** Slow path of a data access: translate, then fill the software cache when the page is plain RAM. */
  private slowTranslate(linear: number, write: boolean): number {
    const phys = this.translate(linear, write ? 1 : 0);
    const ppn = phys >>> 12;
    if (ppn < this.ramPages) {
      const vpn = linear >>> 12;
      const page = (ppn << 12) | SW_OK;
      if ((this.cr0 & Cr0.PG) === 0) {
        this.tlbRk[vpn] = this.tlbWk[vpn] = this.tlbRu[vpn] = this.tlbWu[vpn] = page;
      } else {
        const slot = this.dtlb.find(vpn);
        if (slot >= 0) {
          const e = this.dtlb.entry[slot]!;
          const kw = (e & TLB_WRITABLE) !== 0 || (this.cr0 & Cr0.WP) === 0;
          this.tlbRk[vpn] = page;
          this.tlbWk[vpn] = kw && (e & TLB_DIRTY) !== 0 ? page : 0;
          if (e & TLB_USER) {
            this.tlbRu[vpn] = page;
            this.tlbWu[vpn] = (e & TLB_WRITABLE) !== 0 && (e & TLB_DIRTY) !== 0 ? page : 0;
          }
        }
      }
    }
    return phys;
  }

  // ===================================================================== virtual memory (data)

  read8(a: number): number {
    this.dataAccesses++;
    const e = this.tlbR[a >>> 12]!;
    if ((e & SW_OK) !== 0) return this.mem8[(e & ~0xfff) | (a & 0xfff)]!;
    return this.physRead(this.slowTranslate(a, false), 1);
  }

  read16(a: number): number {
    this.dataAccesses++;
    const e = this.tlbR[a >>> 12]!;
    const off = a & 0xfff;
    if ((e & SW_OK) !== 0 && off <= 0xffe) {
      const p = (e & ~0xfff) | off;
      return (p & 1) === 0 ? this.mem16[p >>> 1]! : this.mem8[p]! | (this.mem8[p + 1]! << 8);
    }
    return this.readSlow(a, 2);
  }

  read32(a: number): number {
    this.dataAccesses++;
    const e = this.tlbR[a >>> 12]!;
    const off = a & 0xfff;
    if ((e & SW_OK) !== 0 && off <= 0xffc) {
      const p = (e & ~0xfff) | off;
      return (p & 3) === 0 ? this.mem32[p >>> 2]! : this.mem8[p]! | (this.mem8[p + 1]! << 8) | (this.mem8[p + 2]! << 16) | (this.mem8[p + 3]! << 24);
    }
    return this.readSlow(a, 4);
  }

  read(size: number, a: number): number {
    return size === 4 ? this.read32(a) : size === 2 ? this.read16(a) : this.read8(a);
  }

  private readSlow(a: number, size: 2 | 4): number {
    if (((a & 0xfff) + size) > 0x1000) {
      // Crosses a page: translate both pages before reading anything.
      const p0 = this.slowTranslate(a, false);
      // The second page is translated at its first byte: that is the address CR2 reports.
      const p1 = this.slowTranslate((a + size - 1) & ~0xfff, false);
      let v = 0;
      for (let i = 0; i < size; i++) {
        const la = (a + i) | 0;
        const p = (la >>> 12) === (a >>> 12) ? p0 + i : ((p1 & ~0xfff) | (la & 0xfff)) >>> 0;
        v |= this.physRead(p, 1) << (8 * i);
      }
      return v;
    }
    return this.physRead(this.slowTranslate(a, false), size);
  }

  write8(a: number, v: number): void {
    this.dataAccesses++;
    const e = this.tlbW[a >>> 12]!;
    if ((e & SW_OK) !== 0) {
      const p = (e & ~0xfff) | (a & 0xfff);
      if (this.codePage[p >>> 12] !== 0) this.codeWrite(p, 1);
      this.mem8[p] = v;
      return;
    }
    this.physWrite(this.slowTranslate(a, true), 1, v);
  }

  write16(a: number, v: number): void {
    this.dataAccesses++;
    const e = this.tlbW[a >>> 12]!;
    const off = a & 0xfff;
    if ((e & SW_OK) !== 0 && off <= 0xffe) {
      const p = (e & ~0xfff) | off;
      if (this.codePage[p >>> 12] !== 0) this.codeWrite(p, 2);
      if ((p & 1) === 0) this.mem16[p >>> 1] = v;
      else {
        this.mem8[p] = v;
        this.mem8[p + 1] = v >> 8;
      }
      return;
    }
    this.writeSlow(a, 2, v);
  }

  write32(a: number, v: number): void {
    this.dataAccesses++;
    const e = this.tlbW[a >>> 12]!;
    const off = a & 0xfff;
    if ((e & SW_OK) !== 0 && off <= 0xffc) {
      const p = (e & ~0xfff) | off;
      if (this.codePage[p >>> 12] !== 0) this.codeWrite(p, 4);
      if ((p & 3) === 0) this.mem32[p >>> 2] = v;
      else {
        this.mem8[p] = v;
        this.mem8[p + 1] = v >> 8;
        this.mem8[p + 2] = v >> 16;
        this.mem8[p + 3] = v >> 24;
      }
      return;
    }
    this.writeSlow(a, 4, v);
  }

  write(size: number, a: number, v: number): void {
    if (size === 4) this.write32(a, v);
    else if (size === 2) this.write16(a, v);
    else this.write8(a, v);
  }

  private writeSlow(a: number, size: 2 | 4, v: number): void {
    if (((a & 0xfff) + size) > 0x1000) {
      const p0 = this.slowTranslate(a, true);
      const p1 = this.slowTranslate((a + size - 1) & ~0xfff, true);
      for (let i = 0; i < size; i++) {
        const la = (a + i) | 0;
        const p = (la >>> 12) === (a >>> 12) ? p0 + i : ((p1 & ~0xfff) | (la & 0xfff)) >>> 0;
        this.physWrite(p, 1, v >> (8 * i));
      }
      return;
    }
    this.physWrite(this.slowTranslate(a, true), size, v);
  }

  /** Checks that a write to [a, a+size) would succeed (for read-modify-write and multi-write instructions), without writing. */
  probeWrite(a: number, size: number): void {
    const e = this.tlbW[a >>> 12]!;
    if ((e & SW_OK) !== 0 && (a & 0xfff) + size <= 0x1000) return;
    this.slowTranslate(a, true);
    if (((a & 0xfff) + size) > 0x1000) this.slowTranslate((a + size - 1) & ~0xfff, true);
  }

  // ===================================================================== stack

  push32(v: number): void {
    const sp = (this.regs[4]! - 4) | 0;
    this.write32(sp, v);
    this.regs[4] = sp;
  }

  push16(v: number): void {
    const sp = (this.regs[4]! - 2) | 0;
    this.write16(sp, v);
    this.regs[4] = sp;
  }

  pop32(): number {
    const sp = this.regs[4]!;
    const v = this.read32(sp);
    this.regs[4] = (sp + 4) | 0;
    return v;
  }

  pop16(): number {
    const sp = this.regs[4]!;
    const v = this.read16(sp);
    this.regs[4] = (sp + 2) | 0;
    return v;
  }

  // ===================================================================== I/O

  portIn(port: number, size: 1 | 2 | 4): number {
    this.extraCycles += CYCLES.io;
    if (this.ports === null) return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    return this.ports.in(port & 0xffff, size);
  }

  portOut(port: number, size: 1 | 2 | 4, v: number): void {
    this.extraCycles += CYCLES.io;
    if (this.ports !== null) this.ports.out(port & 0xffff, size, size === 4 ? v : v & (size === 2 ? 0xffff : 0xff));
  }

  // ===================================================================== exceptions and interrupts

  /** Raises an exception: records it and leaves the current instruction (never returns). */
  raise(vector: number, errorCode: number, message: string): never {
    this.pendingVector = vector;
    this.pendingError = errorCode;
    this.pendingHasError = ((HAS_ERROR_CODE >> vector) & 1) === 1;
    this.pendingSoftware = false;
    this.pendingMessage = message;
    throw FAULT;
  }

  /** int n / int3 / into: a software interrupt delivered after the instruction (EIP is already past it). */
  softwareInterrupt(vector: number): never {
    this.pendingVector = vector;
    this.pendingError = 0;
    this.pendingHasError = false;
    this.pendingSoftware = true;
    this.pendingMessage = `int $0x${vector.toString(16)}`;
    throw FAULT;
  }

  /** Sets the INTR line (level): the CPU acknowledges it at the next instruction boundary with IF=1. */
  setIntrLine(level: boolean): void {
    this.intrLine = level;
    if (level) this.attention = 1;
  }

  get intrPending(): boolean {
    return this.intrLine;
  }

  /** Delivers the pending exception (called outside the hot loop). */
  private deliverPending(): void {
    const vector = this.pendingVector;
    const software = this.pendingSoftware;
    const eip = software ? this.eip : this.insStart;
    const info: ExceptionInfo = {
      vector,
      errorCode: this.pendingError,
      eip: eip >>> 0,
      software,
      message: this.pendingMessage,
    };
    if (vector === Vector.PF) info.cr2 = this.cr2 >>> 0;
    this.eip = eip;
    this.lastException = info;
    this.deliver(vector, this.pendingHasError, this.pendingError, info);
  }

  /** Delivers vector through the hooks, then the IDT. */
  private deliver(vector: number, hasError: boolean, errorCode: number, info: ExceptionInfo): void {
    if (this.hooks.interrupt(vector, info)) return;
    if (this.idtrLimit === 0) {
      this.stop('unhandled-exception');
      return;
    }
    if (this.delivering >= 4) {
      // int n -> #GP -> #PF -> #DF is the longest chain table 6-5 allows; never recurse further.
      this.stop('triple-fault');
      return;
    }
    const esp = this.regs[4]!, cpl = this.cpl;
    this.delivering++;
    try {
      this.deliverThroughIdt(vector, hasError, errorCode, info.software);
    } catch (e) {
      if (e !== FAULT) throw e;
      // A fault while delivering (SDM vol. 3A 6.15, table 6-5): after #DF it is a triple fault;
      // a contributory fault after a contributory one or #PF, or #PF after #PF, is a double
      // fault; any other pair is handled serially (the second exception is delivered).
      this.regs[4] = esp;
      this.setCpl(cpl);
      const second = this.pendingVector;
      const contributory = (v: number): boolean => v === Vector.DE || (v >= Vector.TS && v <= Vector.GP);
      const first = info.software ? -1 : vector;
      if (vector === Vector.DF) {
        this.lastException = { vector: Vector.DF, errorCode: 0, eip: this.eip >>> 0, software: false, message: `triple fault: ${this.pendingMessage} while delivering a double fault` };
        this.stop('triple-fault');
      } else if ((contributory(first) && contributory(second)) || (first === Vector.PF && (second === Vector.PF || contributory(second)))) {
        const nested: ExceptionInfo = { vector: Vector.DF, errorCode: 0, eip: this.eip >>> 0, software: false, message: `double fault while delivering vector ${vector} (${this.pendingMessage})` };
        this.lastException = nested;
        this.deliver(Vector.DF, true, 0, nested);
      } else {
        this.eip = this.insStart;
        const serial: ExceptionInfo = { vector: second, errorCode: this.pendingError, eip: this.insStart >>> 0, software: false, message: this.pendingMessage };
        if (second === Vector.PF) serial.cr2 = this.cr2 >>> 0;
        this.lastException = serial;
        this.deliver(second, this.pendingHasError, this.pendingError, serial);
      }
    } finally {
      this.delivering--;
    }
  }

  private deliverThroughIdt(vector: number, hasError: boolean, errorCode: number, software: boolean): void {
    if (vector * 8 + 7 > this.idtrLimit) this.raise(Vector.GP, vector * 8 + 2, `vector ${vector} beyond IDT limit`);
    const lo = this.readSystem32((this.idtrBase + vector * 8) | 0);
    const hi = this.readSystem32((this.idtrBase + vector * 8 + 4) | 0);
    const type = (hi >> 8) & 0x1f;
    const present = (hi >> 15) & 1;
    const dpl = (hi >> 13) & 3;
    if (!present) this.raise(Vector.NP, vector * 8 + 2, `IDT gate ${vector} not present`);
    if (type !== 0x0e && type !== 0x0f) this.raise(Vector.GP, vector * 8 + 2, `IDT gate ${vector} has unsupported type ${type}`);
    if (software && dpl < this.cpl) this.raise(Vector.GP, vector * 8 + 2, `int ${vector} from ring ${this.cpl} to a DPL ${dpl} gate`);
    const target = (hi & 0xffff0000) | (lo & 0xffff);
    const flags = this.getEflags();
    const oldCs = this.cpl === 3 ? 0x1b : 0x08;
    if (this.cpl === 3) {
      const oldEsp = this.regs[4]!;
      this.setCpl(0);
      this.regs[4] = this.tssEsp0;
      try {
        this.push32(0x23);
        this.push32(oldEsp);
      } catch (e) {
        this.setCpl(3);
        this.regs[4] = oldEsp;
        throw e;
      }
    }
    this.push32(flags);
    this.push32(oldCs);
    this.push32(this.eip);
    if (hasError) this.push32(errorCode);
    if (type === 0x0e) this.flagsBase &= ~Flag.IF;
    this.flagsBase &= ~(Flag.TF | Flag.NT | Flag.RF);
    this.eip = target;
    this.halted = false;
    this.extraCycles += CYCLES.interrupt;
  }

  /** A read of a descriptor table: an implicit supervisor access (SDM vol. 3A 4.6) at any CPL. */
  private readSystem32(a: number): number {
    const cpl = this.cpl;
    if (cpl === 0) return this.read32(a);
    this.setCpl(0);
    try {
      return this.read32(a);
    } finally {
      this.setCpl(cpl);
    }
  }

  /** iret (flat model: the CS image's RPL says whether to return to ring 3). */
  iret(): void {
    const fromCpl = this.cpl;
    const sp = this.regs[4]!;
    const eip = this.read32(sp);
    const cs = this.read32((sp + 4) | 0);
    const flags = this.read32((sp + 8) | 0);
    if ((cs & 3) === 3 && this.cpl === 0) {
      const esp = this.read32((sp + 12) | 0);
      this.regs[4] = esp;
      this.setCpl(3);
    } else {
      this.regs[4] = (sp + 12) | 0;
    }
    this.eip = eip;
    // IF and IOPL are loaded when iret runs at CPL 0 (also when it returns to ring 3).
    const keep = fromCpl === 3 ? (Flag.IOPL | Flag.IF) & this.flagsBase : 0;
    const mask = fromCpl === 3 ? ~(Flag.IOPL | Flag.IF) : -1;
    this.setEflags(((flags & mask) | keep) & WRITABLE_FLAGS);
  }

  // ===================================================================== instruction fetch and decode

  private switchCodePage(eip: number): void {
    const phys = this.translate(eip, 2);
    const ppn = phys >>> 12;
    this.curCodeVPage = eip >>> 12;
    this.curCodePhys = (ppn << 12) >>> 0;
    if (ppn < this.ramPages) {
      let cache = this.codeCache[ppn];
      if (cache === undefined) {
        cache = new Array<Block>(4096);
        this.codeCache[ppn] = cache;
        this.codePage[ppn] = 1;
      }
      this.curCodeCache = cache;
    } else {
      this.curCodeCache = NO_CACHE;
    }
  }

  private fetchByte = (i: number): number => {
    const la = (this.insStart + i) | 0;
    if ((la >>> 12) === this.curCodeVPage) return this.physRead(this.curCodePhys | (la & 0xfff), 1);
    return this.physRead(this.translate(la, 2), 1);
  };

  /**
   * Decodes the basic block starting at eip (in the current code page): instructions up to and
   * including the first that may transfer control or change the processor mode, never past the
   * page. An instruction that crosses a page boundary is a block of its own, never cached. Only
   * the first instruction's fetch can fault, so decoding ahead never raises a spurious #PF.
   */
  private buildBlock(eip: number): Block {
    const list: Instr[] = [];
    let at = eip;
    let cycles = 0;
    for (;;) {
      this.insStart = at;
      const first = list.length === 0;
      if (!first && (at & 0xfff) > 0x1000 - 15) {
        // Might cross the page: only decode it if its bytes stay within the page.
        let crosses = false;
        const from = at;
        decode((i) => {
          if ((from & 0xfff) + i >= 0x1000) {
            crosses = true;
            return 0x90;
          }
          return this.physRead(this.curCodePhys | ((from + i) & 0xfff), 1);
        }, at);
        if (crosses) break;
      }
      const ins = decode(this.fetchByte, at);
      const crosses = (at & 0xfff) + ins.len > 0x1000;
      if (crosses && !first) break;
      this.prepare(ins);
      ins.cycBefore = cycles;
      cycles += ins.cycles;
      list.push(ins);
      at = ins.next;
      if (crosses || endsBlock(ins) || list.length >= MAX_BLOCK || (at & 0xfff) === 0) break;
    }
    const block = new Block(eip, list, cycles);
    const cacheable = (eip & 0xfff) + (list[0] as Instr).len <= 0x1000 && this.curCodeCache !== NO_CACHE && this.curCodeVPage === eip >>> 12;
    if (cacheable) {
      this.curCodeCache[eip & 0xfff] = block;
      const ppn = this.curCodePhys >>> 12;
      let map = this.codeBytes[ppn];
      if (map === undefined) {
        map = new Uint8Array(0x1000);
        this.codeBytes[ppn] = map;
      }
      for (const ins of list) map.fill(1, ins.eip & 0xfff, Math.min(0x1000, (ins.eip & 0xfff) + ins.len));
    }
    this.insStart = eip;
    return block;
  }

  /** Attaches the handler and the base cycle cost. */
  private prepare(ins: Instr): void {
    const info = OPS[ins.op] as OpInfo;
    const handler = EXEC[ins.op];
    ins.exec = handler === undefined || (ins.lock && !lockAllowed(ins)) ? unsupported : handler;
    const mem = ins.rm === -1 ? 1 : 0;
    const writesDest = mem === 1 && info.operands.length > 0 && (info.operands[0]![0] === 'E' || info.operands[0]![0] === 'O' || info.operands[0] === 'M');
    const readsMem = mem === 1 && !(info.name === 'mov' || info.name === 'lea' || info.name === 'setcc' || info.name === 'pop' || info.name === 'nop' || info.name.startsWith('s') && info.name.endsWith('dt') || info.name === 'invlpg') || (mem === 1 && info.operands[0]![0] === 'G');
    let cycles = baseCycles(info.klass, info.name, readsMem ? 1 : 0, writesDest && info.name !== 'cmp' && info.name !== 'test' && info.name !== 'bt' ? 1 : 0);
    if (ins.lock) cycles += CYCLES.locked;
    ins.cycles = cycles;
  }

  // ===================================================================== running

  /** True while run() is executing (the host is called from inside guest execution). */
  get running(): boolean {
    return this.runDepth > 0;
  }

  /**
   * Charges cycles of work the host does for the guest (a kernel function, an interrupt entry):
   * added to the current instruction when called from inside a run, to the clock otherwise.
   */
  charge(cycles: number): void {
    if (this.runDepth > 0) this.extraCycles += cycles;
    else this.cycles += cycles;
  }

  /** Requests the run to end after the current instruction with reason 'stopped'. */
  requestStop(): void {
    this.stopRequested = true;
    this.attention = 1;
  }

  /** Ends the innermost run with a reason (from handlers). */
  stop(reason: StopReason): void {
    if (this.stopReason === null) this.stopReason = reason;
    this.attention = 1;
  }

  /**
   * Runs until an address, a number of instructions or cycles, a stop, a halt with nothing to
   * wake it, or an unhandled exception. Runs nest: a host call may call back into the guest
   * (callGuest), which runs an inner loop.
   */
  run(opts: { until?: number; maxInstructions?: number; maxCycles?: number } = {}): StopReason {
    const savedUntil = this.untilAddr, savedI = this.icountLimit, savedC = this.cycleLimit, savedReason = this.stopReason;
    this.untilAddr = opts.until === undefined ? -1 : opts.until | 0;
    if (opts.maxInstructions !== undefined) this.icountLimit = Math.min(this.icountLimit, this.icount + opts.maxInstructions);
    if (opts.maxCycles !== undefined) this.cycleLimit = Math.min(this.cycleLimit, this.cycles + opts.maxCycles);
    this.stopReason = null;
    this.attention = 1;
    if (this.runDepth === 0) this.stopRequested = false; // a stop() between runs ends no run
    this.runDepth++;
    try {
      for (;;) {
        try {
          this.loop();
        } catch (e) {
          if (e !== FAULT) {
            // A host function or hook threw (a kernel panic, an aborted guest call): retire
            // what ran of the block, then let it propagate.
            this.pendingSoftware = false;
            this.accountFault();
            throw e;
          }
          this.accountFault();
          this.deliverPending();
        }
        if (this.stopReason !== null) break;
      }
      return this.stopReason as StopReason;
    } finally {
      this.runDepth--;
      this.untilAddr = savedUntil;
      if (this.runDepth === 0) {
        this.icountLimit = Infinity;
        this.cycleLimit = Infinity;
      } else {
        this.icountLimit = savedI;
        this.cycleLimit = savedC;
      }
      this.stopReason = savedReason;
      this.stopRequested = false;
      this.attention = 1;
    }
  }

  /** Handles interrupts, halts and stop requests at an instruction boundary. True: leave the loop. */
  private checkAttention(): boolean {
    this.attention = 0;
    if (this.stopReason !== null) return true;
    if (this.stopRequested) {
      this.stopRequested = false;
      this.stopReason = 'stopped';
      return true;
    }
    if (this.cycles >= this.deadline) {
      this.deadline = Infinity;
      if (this.onDeadline !== null) this.onDeadline();
      if (this.stopReason !== null) return true;
    }
    if (this.intShadow) {
      this.intShadow = false;
      this.attention = 1;
    } else if (this.intrLine && (this.flagsBase & Flag.IF) !== 0) {
      const vector = this.hooks.acknowledgeInterrupt();
      if (vector >= 0) {
        this.halted = false;
        const info: ExceptionInfo = { vector, errorCode: 0, eip: this.eip >>> 0, software: false, message: `hardware interrupt ${vector}` };
        this.insStart = this.eip;
        this.deliver(vector, false, 0, info);
        if (this.stopReason !== null) return true;
      }
      if (this.intrLine) this.attention = 1;
    }
    if (this.halted) {
      this.stopReason = 'halted';
      return true;
    }
    if (this.icount >= this.icountLimit) {
      this.stopReason = 'instructions';
      return true;
    }
    if (this.cycles >= this.cycleLimit) {
      this.stopReason = 'cycles';
      return true;
    }
    return false;
  }

  /** Sets the one-instruction interrupt shadow (sti, mov ss). */
  shadowInterrupts(): void {
    this.intShadow = true;
    this.attention = 1;
  }

  /**
   * The interpreter loop, a block at a time. No try/catch here: exceptions leave through FAULT
   * to run(), which finds the faulting instruction with accountFault(). Handlers that need the
   * loop's attention (interrupt line, stop, halt, code invalidated under the running block) set
   * `attention`, which ends the block after the current instruction.
   */
  private loop(): void {
    for (;;) {
      if (this.attention !== 0 && this.checkAttention()) return;
      const eip = this.eip;
      if ((eip >>> 12) !== this.curCodeVPage) {
        this.insStart = eip;
        this.block = null;
        this.switchCodePage(eip);
      }
      let block = this.curCodeCache[eip & 0xfff];
      if (block === undefined || block.eip !== eip) {
        this.block = null;
        block = this.buildBlock(eip);
      }
      const list = block.list;
      let n = list.length;
      if (this.untilAddr !== -1 || this.icount + n > this.icountLimit) {
        n = this.boundedLength(block);
        if (n === 0) return;
      }
      this.block = block;
      let i = 0;
      const fn = block.fn;
      if (fn !== null && n === list.length) {
        i = fn(this);
      } else {
        if (++block.runs === this.compileThreshold && n === list.length) block.fn = compileBlock(block.list, block.eip);
        while (i < n) {
          const ins = list[i++]!;
          this.eip = ins.next;
          (ins.exec as Handler)(this, ins);
          if (this.attention !== 0) break;
        }
      }
      this.icount += i;
      const last = list[i - 1]!;
      this.cycles += last.cycBefore + last.cycles + this.extraCycles;
      this.extraCycles = 0;
      this.block = null; // between blocks: now() is exactly `cycles`
      if (this.icount >= this.icountLimit || this.cycles >= this.cycleLimit || this.cycles >= this.deadline) this.attention = 1;
    }
  }

  /** How many instructions of block may run before the until address or the instruction limit (0: stop now). */
  private boundedLength(block: Block): number {
    const list = block.list;
    let n = list.length;
    if (this.untilAddr !== -1) {
      for (let k = 0; k < n; k++) {
        if (list[k]!.eip === this.untilAddr) {
          n = k;
          break;
        }
      }
      if (n === 0) this.stopReason = 'until';
    }
    const room = this.icountLimit - this.icount;
    if (room < n) {
      n = Math.max(0, room);
      if (n === 0) this.stopReason = 'instructions';
    }
    return n;
  }

  /**
   * After an exception left the loop: find the instruction that raised it (the one whose next
   * address is EIP: handlers never move EIP before they can fault), retire the instructions
   * before it, charge their cycles, and set insStart to it.
   */
  private accountFault(): void {
    const block = this.block;
    this.block = null;
    if (block === null) {
      // Raised while fetching or decoding the first instruction of a block.
      this.cycles += this.extraCycles;
      this.extraCycles = 0;
      return;
    }
    const list = block.list;
    let k = 0;
    while (k < list.length - 1 && list[k]!.next !== this.eip) k++;
    const ins = list[k]!;
    this.insStart = ins.eip;
    this.icount += this.pendingSoftware ? k + 1 : k;
    this.cycles += ins.cycBefore + ins.cycles + this.extraCycles;
    this.extraCycles = 0;
  }

  /**
   * Calls guest code at `addr` with cdecl arguments from a host function, and returns EAX. The
   * callee returns to the host stub at `returnStub`. Registers other than EAX/ECX/EDX and EIP
   * are the callee's to preserve (cdecl), as with a real call.
   */
  callGuest(addr: number, args: readonly number[], opts: { maxInstructions?: number; maxCycles?: number } = {}): number {
    if (this.returnStub < 0) throw new Error('callGuest needs a return stub: Machine.installHostStubs() first');
    const savedEip = this.eip, savedStart = this.insStart, savedBlock = this.block, savedExtra = this.extraCycles;
    const savedShadow = this.intShadow;
    // What an aborted call restores: the caller's stack and its callee-saved registers.
    const savedFlags = this.getEflags();
    // A call into the guest wakes a halted CPU for its duration (as an interrupt would).
    const savedHalted = this.halted;
    this.halted = false;
    const savedEsp = this.regs[4]!, savedEbx = this.regs[3]!, savedEbp = this.regs[5]!, savedEsi = this.regs[6]!, savedEdi = this.regs[7]!;
    this.extraCycles = 0;
    for (let i = args.length - 1; i >= 0; i--) this.push32(args[i]! | 0);
    const espAfterReturn = this.regs[4]!;
    this.push32(this.returnStub);
    this.eip = addr | 0;
    let reason: StopReason;
    try {
      reason = this.run(opts);
    } catch (e) {
      // Unwound by the host (an exception thrown by a hook or host function): give the caller
      // back its stack and callee-saved registers, as an aborted call does.
      this.extraCycles += savedExtra;
      this.intShadow = savedShadow;
      this.halted = savedHalted;
      this.setEflags(savedFlags);
      this.eip = savedEip;
      this.insStart = savedStart;
      this.block = savedBlock;
      this.regs[4] = savedEsp;
      this.regs[3] = savedEbx;
      this.regs[5] = savedEbp;
      this.regs[6] = savedEsi;
      this.regs[7] = savedEdi;
      throw e;
    }
    this.extraCycles += savedExtra;
    this.intShadow = savedShadow;
    this.halted = savedHalted;
    if (reason !== 'return') {
      const stoppedAt = this.eip >>> 0;
      const stoppedFlags = this.getEflags();
      this.setEflags(savedFlags);
      this.eip = savedEip;
      this.insStart = savedStart;
      this.block = savedBlock;
      this.regs[4] = savedEsp;
      this.regs[3] = savedEbx;
      this.regs[5] = savedEbp;
      this.regs[6] = savedEsi;
      this.regs[7] = savedEdi;
      throw new GuestCallAborted(reason, reason === 'unhandled-exception' ? this.lastException : undefined, stoppedAt, stoppedFlags);
    }
    // cdecl: the caller pops the arguments.
    this.regs[4] = (espAfterReturn + 4 * args.length) | 0;
    this.eip = savedEip;
    this.insStart = savedStart;
    this.block = savedBlock;
    return this.regs[0]!;
  }

  /** The host "return" stub was executed: end the innermost run. */
  returnToHost(): void {
    this.stop('return');
  }

  /**
   * The simulation clock as of the instruction being executed: cycles are added to `cycles` a
   * block at a time, so host code called from inside a block (port and MMIO handlers, host
   * calls, rdtsc) reads the clock here.
   */
  now(): number {
    const block = this.block;
    let t = this.cycles + this.extraCycles;
    if (block !== null) {
      const list = block.list;
      for (let k = 0; k < list.length; k++) {
        if (list[k]!.next === this.eip) {
          t += list[k]!.cycBefore;
          break;
        }
      }
    }
    return t;
  }

  /**
   * Stats of the MMU. DTLB hits are data accesses that needed no page walk (the fast path does
   * not count them one by one); ITLB lookups happen when execution enters a code page.
   */
  get tlbStats(): { dtlb: TlbModel['counters'] & { accesses: number }; itlb: TlbModel['counters'] } {
    const d = this.dtlb.counters;
    return { dtlb: { ...d, hits: Math.max(0, this.dataAccesses - d.misses), accesses: this.dataAccesses }, itlb: { ...this.itlb.counters } };
  }

  /** Bytes of the instruction at the current insStart (for diagnostics). */
  instructionBytes(eip: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      try {
        out[i] = this.physRead(this.translate((eip + i) | 0, 2), 1);
      } catch (e) {
        if (e !== FAULT) throw e;
        return out.subarray(0, i);
      }
    }
    return out;
  }

  /** Used by the #UD handler: describe and raise. */
  invalidOpcode(ins: Instr): void {
    const bytes = this.instructionBytes(ins.eip, Math.max(1, Math.min(ins.len, 15)));
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const name = (OPS[ins.op] as OpInfo).name;
    const what = ins.op === OP_X87.id || ins.op === OP_FWAIT.id ? 'x87 floating-point instruction (unsupported)' : ins.op === OP_INVALID.id ? 'invalid or unsupported opcode' : name === 'ud2' ? 'ud2 (undefined instruction)' : ins.lock && !lockAllowed(ins) ? `lock prefix not allowed on ${name}` : `unsupported instruction ${name}`;
    const message = `${what} at 0x${(ins.eip >>> 0).toString(16)}: ${hex}`;
    const what2 = this.hooks.invalidOpcode(ins.eip, bytes, message);
    if (what2 === 'handled') return;
    if (what2 === 'stop') {
      this.eip = ins.eip;
      this.lastException = { vector: Vector.UD, errorCode: 0, eip: ins.eip >>> 0, software: false, message };
      this.stop('invalid-opcode');
      return;
    }
    this.raise(Vector.UD, 0, message);
  }
}

const NO_CACHE: Block[] = [];

function unsupported(cpu: Cpu, ins: Instr): void {
  cpu.invalidOpcode(ins);
}

/** Longest block decoded at once. */
const MAX_BLOCK = 64;

/** Instructions after which a block ends: control transfers, mode and paging changes, host calls, rep strings (which may restart themselves). */
function endsBlock(ins: Instr): boolean {
  const info = OPS[ins.op] as OpInfo;
  switch (info.klass) {
    case 'branch':
    case 'call':
    case 'ret':
    case 'system':
    case 'hostcall':
    case 'invalid':
      return true;
    case 'string':
      return ins.rep !== 0;
    default:
      return info.name === 'popf' || (info.name === 'mov' && info.operands[0] === 'Sw') || EXEC[ins.op] === undefined;
  }
}


/** A decoded basic block: straight-line instructions, the last one possibly a control transfer. */
export class Block {
  /** Times executed (until compiled). */
  runs = 0;
  /** The compiled form, once hot. */
  fn: CompiledBlock | null = null;
  constructor(
    /** Linear address it was decoded at (a hit must match it: the same physical page may be mapped at several addresses). */
    readonly eip: number,
    readonly list: Instr[],
    /** Cycles of the whole block. */
    readonly cycles: number,
  ) {}
}

export { OP_HOSTCALL };
