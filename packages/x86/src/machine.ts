// The embedding API, in the spirit of Unicorn: a Machine owns a Cpu with its RAM, and lets a
// host map MMIO, hook ports, interrupts and invalid opcodes, register host calls (guest
// addresses whose execution runs a TypeScript function), read and write memory physically or
// through the page tables, and run until an address, a budget or a stop.

import { Pte } from './constants.js';
import { CLOCK_HZ } from './cycles.js';
import { Cpu, GuestCallAborted } from './cpu.js';
import type { CpuHooks, ExceptionInfo, MmioHandler, PortHandler, StopReason } from './cpu.js';

export interface MachineOptions {
  /** RAM size in bytes at physical address 0 (a multiple of 4096). Default 64 MiB. */
  memoryBytes?: number;
}

export interface RunOptions {
  /** Stop when EIP reaches this linear address (before executing it). */
  until?: number;
  maxInstructions?: number;
  maxCycles?: number;
}

export interface RunResult {
  reason: StopReason;
  /** Instructions and cycles of this run. */
  instructions: number;
  cycles: number;
  /** The exception that ended the run ('unhandled-exception', 'invalid-opcode', 'triple-fault'). */
  exception?: ExceptionInfo;
}

/** What an interrupt hook is told: the CPU's description of the exception or interrupt (a copy). */
export type InterruptEvent = ExceptionInfo;

export type InterruptHook = (m: Machine, event: InterruptEvent) => boolean;
export type InvalidOpcodeHook = (m: Machine, event: { eip: number; bytes: Uint8Array; message: string }) => boolean;
/** A host function: reads its cdecl arguments with m.arg(i) and returns EAX. */
export type HostFunction = (m: Machine) => number;

/** A translation failure seen by a host-side virtual access (no exception is delivered to the guest). */
export class PageFaultError extends Error {
  readonly code = 'PAGE_FAULT';
  override readonly name = 'PageFaultError';
  constructor(readonly address: number, readonly errorCode: number) {
    super(`page fault at 0x${(address >>> 0).toString(16)} (error code ${errorCode})`);
  }
}

/** Index of the host call that ends a nested guest call. */
export const RETURN_TO_HOST = 0xffff;

export class Machine {
  readonly cpu: Cpu;
  private readonly interruptHooks = new Map<number, InterruptHook[]>();
  private readonly anyInterruptHooks: InterruptHook[] = [];
  private invalidOpcodeHook: InvalidOpcodeHook | null = null;
  private readonly hostFns: HostFunction[] = [];
  readonly hostNames: string[] = [];
  private intrSource: (() => number) | null = null;

  constructor(options: MachineOptions = {}) {
    const hooks: CpuHooks = {
      interrupt: (vector, info) => this.onInterrupt(vector, info),
      invalidOpcode: (eip, bytes, message) => {
        if (!this.invalidOpcodeHook) return 'raise';
        return this.invalidOpcodeHook(this, { eip: eip >>> 0, bytes, message }) ? 'handled' : 'stop';
      },
      acknowledgeInterrupt: () => (this.intrSource ? this.intrSource() : -1),
      hostCall: (index) => {
        const fn = this.hostFns[index];
        if (!fn) return this.cpu.raise(6, 0, `host call ${index} is not registered`);
        return fn(this) | 0;
      },
    };
    this.cpu = new Cpu({ memoryBytes: options.memoryBytes ?? 64 << 20 }, hooks);
  }

  // ---------------------------------------------------------------- memory

  writePhys(addr: number, bytes: Uint8Array): void {
    this.cpu.writePhysBytes(addr, bytes);
  }

  readPhys(addr: number, length: number): Uint8Array {
    return this.cpu.readPhysBytes(addr, length);
  }

  readPhys32(addr: number): number {
    return this.cpu.physRead(addr, 4) >>> 0;
  }

  writePhys32(addr: number, value: number): void {
    this.cpu.physWrite(addr, 4, value);
  }

  /**
   * Translates a linear address as the CPU would for a supervisor access (without touching the
   * TLB model or A/D bits). Throws PageFaultError when unmapped.
   */
  translate(linear: number, write = false): number {
    const cpu = this.cpu;
    if (!cpu.pagingEnabled) return linear >>> 0;
    const pde = cpu.physRead(((cpu.cr3 & ~0xfff) + ((linear >>> 22) << 2)) >>> 0, 4);
    if ((pde & Pte.P) === 0) throw new PageFaultError(linear, write ? 2 : 0);
    if ((pde & Pte.PS) !== 0 && (cpu.cr4 & 0x10) !== 0) return ((pde & 0xffc00000) | (linear & 0x3fffff)) >>> 0;
    const pte = cpu.physRead(((pde & ~0xfff) + (((linear >>> 12) & 0x3ff) << 2)) >>> 0, 4);
    if ((pte & Pte.P) === 0) throw new PageFaultError(linear, write ? 2 : 0);
    if (write && (cpu.cr0 & 0x10000) !== 0 && ((pde & pte & Pte.RW) === 0)) throw new PageFaultError(linear, 3);
    return ((pte & ~0xfff) | (linear & 0xfff)) >>> 0;
  }

  readVirt(linear: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let i = 0;
    while (i < length) {
      const la = (linear + i) >>> 0;
      const chunk = Math.min(length - i, 0x1000 - (la & 0xfff));
      const pa = this.translate(la);
      for (let k = 0; k < chunk; k++) out[i + k] = this.cpu.physRead(pa + k, 1);
      i += chunk;
    }
    return out;
  }

  writeVirt(linear: number, bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      const la = (linear + i) >>> 0;
      const chunk = Math.min(bytes.length - i, 0x1000 - (la & 0xfff));
      const pa = this.translate(la, true);
      for (let k = 0; k < chunk; k++) this.cpu.physWrite(pa + k, 1, bytes[i + k]!);
      i += chunk;
    }
  }

  readVirt32(linear: number): number {
    const b = this.readVirt(linear, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  writeVirt32(linear: number, value: number): void {
    this.writeVirt(linear, new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff]));
  }

  /** Reads a NUL-terminated string through the page tables (at most max bytes). */
  readCString(linear: number, max = 4096): string {
    let s = '';
    for (let i = 0; i < max; i++) {
      const b = this.readVirt((linear + i) >>> 0, 1)[0]!;
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s;
  }

  mapMmio(base: number, size: number, handler: MmioHandler): void {
    this.cpu.mapMmio(base, size, handler);
  }

  unmapMmio(base: number): void {
    this.cpu.unmapMmio(base);
  }

  // ---------------------------------------------------------------- hooks

  setPortHandler(handler: PortHandler | null): void {
    this.cpu.ports = handler;
  }

  /** Hooks an interrupt vector (exceptions, int n, hardware interrupts); -1 hooks every vector. A hook returning true handles it. */
  hookInterrupt(vector: number, hook: InterruptHook): void {
    if (vector === -1) {
      this.anyInterruptHooks.push(hook);
      return;
    }
    const list = this.interruptHooks.get(vector) ?? [];
    list.push(hook);
    this.interruptHooks.set(vector, list);
  }

  /** Called for invalid or unsupported opcodes; true: handled (EIP set by the hook); false: the run stops with 'invalid-opcode'. */
  onInvalidOpcode(hook: InvalidOpcodeHook | null): void {
    this.invalidOpcodeHook = hook;
  }

  /** The interrupt controller: returns the vector of the highest pending interrupt on acknowledge, or -1. */
  setInterruptSource(source: (() => number) | null): void {
    this.intrSource = source;
  }

  /** Raises or lowers the CPU's INTR line. */
  setIntr(level: boolean): void {
    this.cpu.setIntrLine(level);
  }

  private onInterrupt(vector: number, info: ExceptionInfo): boolean {
    const event: InterruptEvent = { ...info };
    for (const h of this.anyInterruptHooks) if (h(this, event)) return true;
    const list = this.interruptHooks.get(vector);
    if (list) for (const h of list) if (h(this, event)) return true;
    return false;
  }

  // ---------------------------------------------------------------- host calls

  /** Registers a host function; returns its index. Place a stub for it with hostCallStub(index). */
  addHostCall(name: string, fn: HostFunction): number {
    if (this.hostFns.length >= RETURN_TO_HOST) throw new RangeError('too many host calls');
    this.hostFns.push(fn);
    this.hostNames.push(name);
    return this.hostFns.length - 1;
  }

  /** The bytes of a host-call stub: `0F 3F iw` (host call) followed by `ret` — 8 bytes, padded with int3. */
  static hostCallStub(index: number): Uint8Array {
    return new Uint8Array([0x0f, 0x3f, index & 0xff, (index >>> 8) & 0xff, 0xc3, 0xcc, 0xcc, 0xcc]);
  }

  /**
   * Writes the return-to-host stub at physical address `phys`, which the guest sees at linear
   * address `linear`, so that callGuest can be used.
   */
  installReturnStub(phys: number, linear: number): void {
    this.writePhys(phys, new Uint8Array([0x0f, 0x3f, 0xff, 0xff, 0xcc, 0xcc, 0xcc, 0xcc]));
    this.cpu.returnStub = linear >>> 0;
  }

  /** The i-th cdecl argument of the host call being executed (0-based; [ESP] is the return address). */
  arg(i: number): number {
    return this.cpu.read32((this.cpu.regs[4]! + 4 + 4 * i) | 0);
  }

  /** Calls guest code from a host function (or from outside a run); returns EAX. Throws GuestCallAborted. */
  callGuest(addr: number, args: readonly number[], opts: { maxInstructions?: number; maxCycles?: number } = {}): number {
    return this.cpu.callGuest(addr, args, opts);
  }

  // ---------------------------------------------------------------- running

  run(opts: RunOptions = {}): RunResult {
    const i0 = this.cpu.icount, c0 = this.cpu.cycles;
    this.cpu.lastException = undefined;
    const reason = this.cpu.run(opts);
    const result: RunResult = { reason, instructions: this.cpu.icount - i0, cycles: this.cpu.cycles - c0 };
    if ((reason === 'unhandled-exception' || reason === 'invalid-opcode' || reason === 'triple-fault') && this.cpu.lastException) {
      result.exception = this.cpu.lastException;
    }
    return result;
  }

  /** Ends the current run after the current instruction, with reason 'stopped'. */
  stop(): void {
    this.cpu.requestStop();
  }

  get stats(): { instructions: number; cycles: number; seconds: number; tlb: Cpu['tlbStats'] } {
    return { instructions: this.cpu.icount, cycles: this.cpu.cycles, seconds: this.cpu.cycles / CLOCK_HZ, tlb: this.cpu.tlbStats };
  }
}

export { GuestCallAborted };
