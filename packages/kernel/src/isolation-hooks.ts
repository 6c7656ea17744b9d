// The places where Nooks changes the kernel (the paper's "kernel changes", 924 lines in
// Linux): the module loader's binding of imports, calls from the kernel into extension code,
// kernel entry from an interrupt or exception while a protection domain's page table is
// loaded, and exceptions raised by extension code. @nooks/isolation implements this
// interface; without it the kernel runs every extension natively, unchanged.

import type { InterruptEvent } from '@nooks/x86';
import type { ExecutionContext } from './crash.js';
import type { KernelModule } from './kernel.js';

export interface IsolationHooks {
  /** Whether the module is (to be) isolated: its imports bind to wrappers and its code runs in a domain. */
  isolates(module: string): boolean;
  /**
   * Binds one import of an isolated module while it is loaded: the address to bind instead of
   * the kernel's own symbol (a kernel wrapper), or undefined to bind the kernel's (variables
   * such as jiffies are linked directly, read-only).
   */
  bindImport(module: string, symbol: string): number | undefined;
  /** The module's image is laid out and relocated; its init_module has not run. */
  moduleLoaded(mod: KernelModule): void;
  /** The module's image is being freed (after cleanup_module, or after a failed init). */
  moduleRemoved(mod: KernelModule): void;
  /**
   * Whether `addr` is code of an isolated module: the kernel's calls to it go through
   * callExtension (an extension wrapper) instead of running it in the kernel's domain.
   */
  ownsCode(addr: number): boolean;
  /** Kernel -> extension: the call of extension code at `addr` through the callback `site`. Returns EAX. */
  callExtension(site: string, addr: number, args: readonly number[], context: ExecutionContext): number;
  /**
   * The kernel is entered by an interrupt (vector >= 32). If a domain's page table is loaded,
   * switch to the kernel's and return the function that switches back; else undefined.
   */
  enterKernel(): (() => void) | undefined;
  /**
   * A processor exception (vector < 32) in guest code. Return the error to throw when it
   * belongs to an isolated extension (to unwind to the domain's entry); undefined lets the
   * kernel handle it (oops/panic).
   */
  exception(ev: InterruptEvent): Error | undefined;
  /**
   * A kernel function is entered while a protection domain's page table is loaded, i.e. called
   * by extension code without its wrapper. Return the error to throw, or undefined to go on.
   */
  unwrappedKernelCall(name: string): Error | undefined;
  /**
   * A kernel function serving an isolated extension's call met an error (a bad pointer it
   * followed, heap corruption it found). Return the error to throw instead of the kernel's
   * oops/panic (the wrapper's check caught it), or undefined to let the kernel crash.
   */
  kernelError(error: unknown, where: string): Error | undefined;
}
