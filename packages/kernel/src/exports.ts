// The kernel's export table: every function a module may import. Each export is a host-call
// stub in the kernel's text (0F 3F iw; ret), so an extension's `call printk` is a real call
// into kernel text that runs TypeScript and returns, with the cdecl stack as it would be.

import { Machine } from '@nooks/x86';
import { ModuleLoadError } from './errors.js';

/** A kernel function callable from extensions: reads its arguments with args(i), returns EAX. */
export type KernelFunction = (call: KernelCall) => number;

/** What a kernel function sees of its call. */
export interface KernelCall {
  /** The i-th cdecl argument (0-based). */
  arg(i: number): number;
  /** Address the guest will return to (identifies the calling module). */
  readonly returnAddress: number;
}

export interface ExportedSymbol {
  readonly name: string;
  readonly address: number;
  /** Host function, or undefined for exported data. */
  readonly fn?: KernelFunction;
}

const STUB_BYTES = 8;

export class ExportTable {
  private readonly symbols = new Map<string, ExportedSymbol>();
  private readonly byAddress = new Map<number, ExportedSymbol>();
  private next: number;

  constructor(
    private readonly machine: Machine,
    /** Physical and virtual base of the region holding the stubs. */
    private readonly textPhys: number,
    private readonly textVirt: number,
    private readonly textBytes: number,
  ) {
    this.next = 0;
  }

  /** Defines an exported function; returns its address. */
  defineFunction(name: string, fn: KernelFunction): number {
    if (this.symbols.has(name)) throw new Error(`kernel symbol ${name} defined twice`);
    if (this.next + STUB_BYTES > this.textBytes) throw new Error('kernel text for export stubs is full');
    const m = this.machine;
    const index = m.addHostCall(name, (mm) => {
      const sp = mm.cpu.regs[4]!;
      const call: KernelCall = {
        arg: (i) => mm.cpu.read32((sp + 4 + 4 * i) | 0),
        returnAddress: mm.cpu.read32(sp) >>> 0,
      };
      return fn(call);
    });
    const address = (this.textVirt + this.next) >>> 0;
    m.writePhys(this.textPhys + this.next, Machine.hostCallStub(index));
    this.next += STUB_BYTES;
    const sym: ExportedSymbol = { name, address, fn };
    this.symbols.set(name, sym);
    this.byAddress.set(address, sym);
    return address;
  }

  /** Exports a data object at a kernel address (e.g. jiffies). */
  defineData(name: string, address: number): void {
    if (this.symbols.has(name)) throw new Error(`kernel symbol ${name} defined twice`);
    const sym: ExportedSymbol = { name, address: address >>> 0 };
    this.symbols.set(name, sym);
    this.byAddress.set(address >>> 0, sym);
  }

  lookup(name: string): ExportedSymbol | undefined {
    return this.symbols.get(name);
  }

  /** Resolves an import for module `module`, or throws ModuleLoadError naming the symbol. */
  resolve(module: string, name: string): number {
    const s = this.symbols.get(name);
    if (!s) throw new ModuleLoadError(module, `unresolved symbol ${name}`);
    return s.address;
  }

  /** The exported function whose stub contains address, if any. */
  at(address: number): ExportedSymbol | undefined {
    const base = (address >>> 0) - (((address >>> 0) - this.textVirt) % STUB_BYTES);
    return this.byAddress.get(base >>> 0);
  }

  get names(): string[] {
    return [...this.symbols.keys()].sort();
  }

  /** True when address lies in the kernel's text (the stubs). */
  inText(address: number): boolean {
    const a = address >>> 0;
    return a >= this.textVirt && a < this.textVirt + this.textBytes;
  }
}
