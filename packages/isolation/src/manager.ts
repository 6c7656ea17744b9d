// The Nooks Isolation Manager. Installed on a kernel, it implements the kernel's isolation
// hooks: an isolated extension's imports bind to kernel wrappers, the kernel's calls into it go
// through extension wrappers, and every crossing is an XPC that switches page tables. It owns
// each extension's protection domain and object tracker, detects failures (processor
// exceptions in the domain, wrapper checks, the livelock limit, an explicit signal), and runs
// recovery: suspend, unwind, release, unload, then the user-mode agent's policy (restart,
// replace, disable) and the interface brought back up.

import { GuestCallAborted, PageFaultError, Cr4 } from '@nooks/x86';
import type { InterruptEvent } from '@nooks/x86';
import { HeapCorruption, KernelBug, kernelMemory, layouts } from '@nooks/kernel';
import type { CrashReport, ExecutionContext, IsolationHooks, Kernel, KernelCall, KernelModule, TaskProgram } from '@nooks/kernel';
import { ProtectionDomain } from './domain.js';
import { ExtensionFailure, IsolationUsageError } from './errors.js';
import type { FailureTrigger } from './errors.js';
import { EXTENSION_WRAPPERS, KERNEL_WRAPPERS } from './generated/wrappers.js';
import { defaultPolicy } from './policy.js';
import type { RecoveryPolicy } from './policy.js';
import { ObjectTracker } from './tracker.js';
import type { ReleaseFunction, TrackedObject } from './tracker.js';
import type { WrapperCall, WrapperRuntime } from './wrapper-runtime.js';

const { pci_dev, net_device, sk_buff, timer_list } = layouts;
const USER_TOP = 0xc000_0000;
const IFF_UP = 0x1;

/**
 * Kernel functions whose wrappers run in the extension's domain without switching page
 * tables: what Linux inlines or links into the caller (skb_put & co., spin locks, the string and
 * memory routines, predicates over objects the domain can read), and netif_rx, whose wrapper
 * only queues the packet on the domain's deferred-call queue for delivery at the end of the XPC.
 */
const LOCAL = new Set([
  'skb_put', 'skb_push', 'skb_pull', 'skb_reserve', 'netif_rx', 'netif_queue_stopped', 'netif_carrier_ok', 'timer_pending',
  // Macros in Linux (the lock word is the driver's, in its domain), never a crossing in Nooks.
  'spin_lock', 'spin_unlock', 'spin_lock_irqsave', 'spin_unlock_irqrestore', 'spin_lock_init',
  // Inline in 2.4's netdevice.h: the skb goes on the per-CPU completion queue, which Nooks
  // keeps as a shadow in the domain; here the lent buffer is freed in place.
  'dev_kfree_skb_irq', 'dev_kfree_skb_any',
  'memcpy', 'memmove', 'memset', 'memcmp', 'strlen', 'strcmp', 'strncmp', 'strcpy', 'strncpy', 'sprintf', 'snprintf',
]);

/** What a failed or refused call into an extension returns to the kernel, by callback site. */
function failureValue(site: string): number {
  switch (site) {
    case 'net_device.hard_start_xmit':
      return 0; // consumed: the skb is the tracker's to free
    case 'pci_driver.probe':
      return -19; // -ENODEV
    case 'net_device.get_stats':
      return 0; // NULL
    default:
      return -5; // -EIO (ignored by void callbacks)
  }
}

export interface XpcStats {
  /** Kernel -> extension calls (nooks_driver_call). */
  toExtension: number;
  /** Extension -> kernel calls that switched domains (nooks_kernel_call). */
  toKernel: number;
  /** Wrapped kernel functions run in the extension's domain (inline in Linux). */
  local: number;
  /** Calls queued on a deferred-call queue, and the batches they were delivered in. */
  deferred: number;
  deferredBatches: number;
  /** Calls refused because the extension had failed. */
  refused: number;
  /** XPCs by function or callback site. */
  readonly bySite: Map<string, number>;
}

export interface TimelineEvent {
  readonly event: 'detected' | 'suspended' | 'unwound' | 'released' | 'unloaded' | 'agent' | 'reloaded' | 'interface-up' | 'disabled' | 'recovery-failed';
  readonly cycles: number;
  readonly detail?: string;
}

export interface FailureRecord {
  readonly extension: string;
  readonly trigger: FailureTrigger;
  readonly reason: string;
  readonly report: CrashReport;
  /** Callback site of the outermost call that was unwound. */
  site: string;
  readonly detectedAt: number;
  readonly timeline: TimelineEvent[];
  /** Objects released, by type. */
  released: Record<string, number>;
  /** Errors met while releasing (none expected). */
  releaseErrors: string[];
  /** What the agent did, and when the extension was back (interface up) in cycles. */
  action?: 'restart' | 'replace' | 'disable';
  recoveredAt?: number;
}

export type ExtensionState = 'live' | 'failed' | 'recovering' | 'disabled' | 'unloaded';

export interface IsolatedExtension {
  readonly name: string;
  /** The object bytes loaded (and reloaded on restart). */
  bytes: Uint8Array;
  policy: RecoveryPolicy;
  state: ExtensionState;
  domain: ProtectionDomain | undefined;
  tracker: ObjectTracker;
  module: KernelModule | undefined;
  readonly failures: FailureRecord[];
  /** Network interfaces it had up, to bring back after a restart. */
  interfaces: string[];
  /** Packets the driver delivered (netif_rx), queued until the XPC ends. */
  readonly deferredRx: number[];
}

export interface IsolationOptions {
  /** Resolves an object name (for a policy's replaceWith) to its bytes. */
  objects?: (name: string) => Uint8Array;
  /** Longest an outermost call may run inside an extension before it is a livelock (simulated seconds; default 0.5). */
  livelockSeconds?: number;
  /** Most memory an extension's heap may hold (bytes; default 16 MiB). */
  heapLimitBytes?: number;
  /** Called with every failure as it is detected, and again when its recovery ends. */
  onFailure?: (f: FailureRecord) => void;
  onRecovered?: (f: FailureRecord) => void;
  /** Called at every XPC (for traces): direction, function or callback site, simulated cycle. */
  onXpc?: (direction: 'to-extension' | 'to-kernel', site: string, cycles: number) => void;
}

interface ExtensionFrame {
  readonly ext: IsolatedExtension;
  /** The page table loaded when the kernel called in (the kernel's or a task's). */
  readonly kernelCr3: number;
}

interface KernelFrame {
  readonly ext: IsolatedExtension;
  readonly domainCr3: number;
  local: boolean;
}


export class IsolationManager implements IsolationHooks {
  readonly extensions = new Map<string, IsolatedExtension>();
  readonly xpc: XpcStats = { toExtension: 0, toKernel: 0, local: 0, deferred: 0, deferredBatches: 0, refused: 0, bySite: new Map() };
  private readonly wrapperStubs = new Map<string, number>();
  private readonly frames: ExtensionFrame[] = [];
  private readonly kernelFrames: KernelFrame[] = [];
  private localDepth = 0;
  private readonly livelockCycles: number;
  private readonly heapLimit: number;
  /** The kernel's view of emulated memory, for the layout accessors. */
  readonly mem: ReturnType<typeof kernelMemory>;

  /** What the generated wrappers call (src/generated/wrappers.ts). */
  readonly runtime: WrapperRuntime = {
    enterKernel: (name) => this.wrapperEnter(name),
    leaveKernel: (name) => this.wrapperLeave(name),
    callKernel: (name, call) => this.wrapperCallKernel(name, call),
    objectToKernel: (type, ptr, nullable, where) => this.objectToKernel(type, ptr, nullable, where),
    objectToExtension: (type, ptr, where) => this.objectToExtension(type, ptr, where),
    checkUser: (ptr, len, where) => this.checkUser(ptr, len, where),
    checkReadable: (ptr, len, nullable, where) => this.checkReadable(ptr, len, nullable, where),
    checkWritable: (ptr, len, nullable, where) => this.checkWritable(ptr, len, nullable, where),
    checkCallback: (ptr, nullable, where) => this.checkCallback(ptr, nullable, where),
    acquired: (name, result, call, objectType) => this.acquired(name, result, call, objectType),
    released: (name, index, ptr) => this.released(name, index, ptr),
    callExtension: (site, target, args) => this.xpcToExtension(site, target, args),
  };

  constructor(
    readonly k: Kernel,
    private readonly options: IsolationOptions = {},
  ) {
    if (k.isolation) throw new IsolationUsageError('an isolation manager is already installed on this kernel');
    this.livelockCycles = Math.round((options.livelockSeconds ?? 0.5) * 1.7e9);
    this.heapLimit = options.heapLimitBytes ?? 16 << 20;
    this.mem = kernelMemory(k.machine);
    // Kernel translations must not survive a switch into a domain: no global pages (x86 then
    // flushes the whole TLB on every page-table switch, as Nooks paid for).
    const cpu = k.machine.cpu;
    cpu.setCr4(cpu.cr4 & ~Cr4.PGE);
    k.mm.pteListeners.push((virt, pte) => {
      for (const e of this.extensions.values()) e.domain?.kernelPteChanged(virt, pte);
    });
    // Network buffers are lent to every domain (Nooks' page tracker maps packets in).
    const previous = k.net.buffers.onNewSlab;
    k.net.buffers.onNewSlab = (virt, pages) => {
      previous?.(virt, pages);
      for (const e of this.extensions.values()) e.domain?.grant(virt, pages * 4096);
    };
    for (const name of Object.keys(KERNEL_WRAPPERS)) {
      const entry = k.exports.lookup(name);
      if (!entry?.fn) continue; // a declared function the kernel does not export is left unbound (the loader reports it)
      this.wrapperStubs.set(name, k.exports.defineFunction(`nooks_w_${name}`, (call) => this.kernelWrapperEntry(name, call)));
    }
    k.isolation = this;
  }

  // ---------------------------------------------------------------- the user's API

  /**
   * Marks an extension for isolation: when `k.loadModule(name, ...)` (or `load`) loads it, it
   * gets a protection domain and its imports bind to wrappers.
   */
  isolate(name: string, bytes: Uint8Array, policy: RecoveryPolicy = defaultPolicy(name)): IsolatedExtension {
    if (this.extensions.has(name)) throw new IsolationUsageError(`${name} is already isolated`);
    if (policy.extension !== name) throw new IsolationUsageError(`the policy is for ${policy.extension}, not ${name}`);
    const ext: IsolatedExtension = { name, bytes, policy, state: 'unloaded', domain: undefined, tracker: new ObjectTracker(), module: undefined, failures: [], interfaces: [], deferredRx: [] };
    this.extensions.set(name, ext);
    return ext;
  }

  /** Loads an isolated extension (insmod in a new domain). */
  load(name: string, params?: Readonly<Record<string, number>>): KernelModule {
    const ext = this.extension(name);
    return this.k.loadModule(name, ext.bytes, params ? { params } : {});
  }

  extension(name: string): IsolatedExtension {
    const ext = this.extensions.get(name);
    if (!ext) throw new IsolationUsageError(`${name} is not an isolated extension`);
    return ext;
  }

  /** The explicit recovery signal (an administrator's, or a test's): fails the extension now. */
  signal(name: string, reason = 'recovery requested'): FailureRecord | undefined {
    const ext = this.extension(name);
    if (ext.state !== 'live') return undefined;
    const report = this.k.describeFault('oops', reason, {});
    return this.fail(ext, new ExtensionFailure(name, 'signal', reason, report), 'signal');
  }

  /** Every failure so far, oldest first. */
  get failures(): FailureRecord[] {
    return [...this.extensions.values()].flatMap((e) => e.failures).sort((a, b) => a.detectedAt - b.detectedAt);
  }

  // ---------------------------------------------------------------- kernel hooks

  isolates(module: string): boolean {
    const e = this.extensions.get(module);
    return e !== undefined && e.state !== 'disabled';
  }

  bindImport(_module: string, symbol: string): number | undefined {
    return this.wrapperStubs.get(symbol);
  }

  moduleLoaded(mod: KernelModule): void {
    const ext = this.extension(mod.name);
    ext.tracker = new ObjectTracker();
    ext.domain = new ProtectionDomain(this.k, mod.name);
    ext.module = mod;
    ext.state = 'live';
    for (const s of mod.image.sections) if (s.writable && s.size > 0) ext.domain.grant(s.address, s.size);
    for (const [virt, pages] of this.k.net.buffers.slabList) ext.domain.grant(virt, pages * 4096);
  }

  moduleRemoved(mod: KernelModule): void {
    const ext = this.extensions.get(mod.name);
    if (!ext || ext.module !== mod) return;
    // Whatever the extension still holds after a clean unload is released too (its pci_dev
    // copies are the manager's own; anything else is a leak the extension would have left).
    const leaks = ext.tracker.releaseAll(this.releaseFunctions());
    leaks.delete('pci_dev');
    leaks.delete('kmalloc');
    if (leaks.size > 0) this.k.printk(`<4>nooks: ${mod.name} left ${[...leaks].map(([t, n]) => `${n} ${t}`).join(', ')} behind; released\n`);
    ext.domain?.destroy();
    ext.domain = undefined;
    ext.module = undefined;
    if (ext.state === 'live') ext.state = 'unloaded';
  }

  ownsCode(addr: number): boolean {
    return this.extensionAt(addr) !== undefined;
  }

  private extensionAt(addr: number): IsolatedExtension | undefined {
    const a = addr >>> 0;
    for (const e of this.extensions.values()) {
      const m = e.module;
      if (m && a >= m.image.base && a < m.image.base + m.image.size) return e;
    }
    return undefined;
  }

  private extensionOfPgd(cr3: number): IsolatedExtension | undefined {
    for (const e of this.extensions.values()) if (e.domain && e.domain.pgd === cr3) return e;
    return undefined;
  }

  enterKernel(): (() => void) | undefined {
    const cpu = this.k.machine.cpu;
    const ext = this.extensionOfPgd(cpu.cr3);
    if (!ext) return undefined;
    const domainCr3 = cpu.cr3;
    cpu.setCr3(this.kernelCr3Of(ext));
    return () => cpu.setCr3(domainCr3);
  }

  exception(ev: InterruptEvent): Error | undefined {
    const cpu = this.k.machine.cpu;
    const ext = this.extensionOfPgd(cpu.cr3) ?? this.extensionAt(ev.eip);
    if (!ext || ext.state !== 'live') return undefined;
    let reason: string;
    if (ev.vector === 14) {
      const addr = (ev.cr2 ?? cpu.cr2) >>> 0;
      const write = ((ev.errorCode ?? 0) & 2) !== 0;
      const present = ((ev.errorCode ?? 0) & 1) !== 0;
      const hex = addr.toString(16).padStart(8, '0');
      if (addr < 4096) reason = `NULL pointer dereference at virtual address ${hex}`;
      else if (present && write) reason = `write to read-only kernel memory at ${hex} (protection domain)`;
      else if (addr < USER_TOP) reason = `access to user address ${hex}, which the domain does not map`;
      else reason = `paging request at virtual address ${hex}`;
    } else reason = `${ev.message} (vector ${ev.vector})`;
    // The kernel's own view of the state (the domain's page table is still loaded).
    const report = this.k.describeFault('oops', reason, { eip: ev.eip, vector: ev.vector, ...(ev.errorCode !== undefined ? { errorCode: ev.errorCode } : {}) });
    return new ExtensionFailure(ext.name, 'exception', reason, report);
  }

  unwrappedKernelCall(name: string): Error | undefined {
    if (this.localDepth > 0) return undefined;
    const ext = this.extensionOfPgd(this.k.machine.cpu.cr3);
    if (!ext) return undefined;
    return this.failure(ext, 'wrapper-check', `called kernel function ${name} without its wrapper`);
  }

  kernelError(error: unknown, where: string): Error | undefined {
    const frame = this.kernelFrames[this.kernelFrames.length - 1];
    if (!frame || frame.ext.state !== 'live') return undefined;
    if (error instanceof HeapCorruption) return this.failure(frame.ext, 'wrapper-check', `${where}: ${error.message}`);
    if (error instanceof KernelBug) return this.failure(frame.ext, 'wrapper-check', `kernel check failed on the extension's call: ${error.message}`);
    if (error instanceof PageFaultError) return this.failure(frame.ext, 'wrapper-check', `${where}: bad pointer 0x${(error.address >>> 0).toString(16)} from the extension`);
    return undefined;
  }

  private failure(ext: IsolatedExtension, trigger: FailureTrigger, reason: string): ExtensionFailure {
    return new ExtensionFailure(ext.name, trigger, reason, this.k.describeFault('oops', reason, {}));
  }

  private kernelCr3Of(ext: IsolatedExtension): number {
    for (let i = this.frames.length - 1; i >= 0; i--) if (this.frames[i]!.ext === ext) return this.frames[i]!.kernelCr3;
    return this.k.mm.pgd;
  }

  // ---------------------------------------------------------------- kernel -> extension

  /** The kernel's hook: a call into extension code goes through the generated extension wrapper of its site. */
  callExtension(site: string, addr: number, args: readonly number[], context: ExecutionContext): number {
    const ext = this.extensionAt(addr);
    if (!ext || ext.state !== 'live' || !ext.domain) return this.refuse(site, args);
    this.pendingContext = context;
    this.extensionCalls.push(ext);
    try {
      const w = EXTENSION_WRAPPERS[site];
      return w ? w(this.runtime, addr, [...args]) : this.xpcToExtension(site, addr, [...args]);
    } finally {
      this.extensionCalls.pop();
    }
  }

  /** Extensions whose extension wrapper is running (converting arguments before the XPC). */
  private readonly extensionCalls: IsolatedExtension[] = [];

  private pendingContext: ExecutionContext = 'process';

  private refuse(site: string, args: readonly number[]): number {
    this.xpc.refused++;
    if (site === 'net_device.hard_start_xmit' && args[0]) this.k.net.kfreeSkb(args[0]);
    return failureValue(site);
  }

  /** nooks_driver_call: save the caller's context, take a stack in the domain, switch page tables, call, switch back. */
  private xpcToExtension(site: string, addr: number, args: number[]): number {
    const ext = this.extensionAt(addr);
    if (!ext || ext.state !== 'live' || !ext.domain) return this.refuse(site, args);
    const context = this.pendingContext;
    const d = ext.domain;
    const k = this.k;
    const cpu = k.machine.cpu;
    this.xpc.toExtension++;
    this.xpc.bySite.set(site, (this.xpc.bySite.get(site) ?? 0) + 1);
    this.options.onXpc?.('to-extension', site, k.cycles);
    k.charge('xpc');
    const savedCr3 = cpu.cr3;
    const savedEsp = cpu.regs[4]!;
    const stackTop = d.onStack(savedEsp) ? undefined : d.takeStack();
    if (stackTop !== undefined) cpu.regs[4] = stackTop;
    this.frames.push({ ext, kernelCr3: this.extensionOfPgd(savedCr3) ? this.kernelCr3Of(ext) : savedCr3 });
    d.depth++;
    ext.tracker.beginCall();
    cpu.setCr3(d.pgd);
    let result: number;
    try {
      result = k.runExtensionCode(addr, args, context, this.livelockCycles);
    } catch (e) {
      let failure: ExtensionFailure | undefined;
      if (e instanceof ExtensionFailure && e.extension === ext.name) failure = e;
      else if (e instanceof GuestCallAborted && e.reason === 'cycles') {
        failure = new ExtensionFailure(ext.name, 'livelock', `no return from ${site} after ${(this.livelockCycles / 1.7e9).toPrecision(2)} s (livelock)`, k.describeFault('oops', 'livelock', e.eip !== undefined ? { eip: e.eip } : {}));
      } else if (e instanceof GuestCallAborted) {
        failure = new ExtensionFailure(ext.name, 'exception', `call ended abnormally: ${e.message}`, k.describeFault('oops', e.message, e.eip !== undefined ? { eip: e.eip } : {}));
      }
      if (!failure) throw e;
      if (d.depth > 1) throw failure; // unwind to the outermost call into the domain
      cpu.setCr3(savedCr3);
      this.fail(ext, failure, site);
      result = failureValue(site);
    } finally {
      ext.tracker.endCall();
      d.depth--;
      this.frames.pop();
      if (cpu.cr3 !== savedCr3) cpu.setCr3(savedCr3);
      cpu.regs[4] = savedEsp;
      if (stackTop !== undefined) d.giveBackStack(stackTop);
    }
    if (d.depth === 0 && ext.state === 'live') {
      const broken = this.verifyShadows(ext);
      if (broken) {
        this.fail(ext, broken, site);
        return failureValue(site);
      }
      if (ext.deferredRx.length > 0) this.deliverDeferred(ext);
    }
    return result;
  }

  /**
   * After an XPC: the kernel-owned fields of the extension's versions of shadowed objects must
   * be as the kernel left them (a timer's list links are the kernel's). Returns the failure.
   */
  private verifyShadows(ext: IsolatedExtension): ExtensionFailure | undefined {
    const m = this.k.machine;
    for (const o of ext.tracker.ofType('timer')) {
      const next = m.readVirt32(o.extension) >>> 0, prev = m.readVirt32(o.extension + 4) >>> 0;
      if (next !== o.kernel || prev !== o.kernel) {
        return this.failure(ext, 'wrapper-check', `the extension wrote the kernel's list links of its timer_list at 0x${o.extension.toString(16)} (now ${next.toString(16)}/${prev.toString(16)})`);
      }
    }
    return undefined;
  }

  /**
   * The kernel's version of an extension's timer_list (Nooks shadows timers: the kernel links
   * its own copy into the timer list, so the extension cannot corrupt the list). The extension's
   * links are set to the shadow's address, a value the extension must leave alone.
   */
  timerShadow(ext: IsolatedExtension, t: number): number {
    const k = this.k;
    const m = k.machine;
    let o = ext.tracker.fromExtension('timer', t);
    if (o) {
      if ((m.readVirt32(t) >>> 0) !== o.kernel || (m.readVirt32(t + 4) >>> 0) !== o.kernel) {
        throw this.failure(ext, 'wrapper-check', `the extension wrote the kernel's list links of its timer_list at 0x${(t >>> 0).toString(16)}`);
      }
    } else {
      const shadow = k.slab.kmalloc(timer_list.size, ext.name);
      if (shadow === 0) throw this.failure(ext, 'resource-limit', 'out of memory for a timer shadow');
      m.writeVirt(shadow, new Uint8Array(timer_list.size));
      o = ext.tracker.track('timer', shadow, t);
      m.writeVirt32(t, shadow);
      m.writeVirt32(t + 4, shadow);
    }
    const fn = m.readVirt32(t + timer_list.fields.function.offset) >>> 0;
    this.checkCallback(fn, false, 'timer_list.function');
    m.writeVirt32(o.kernel + timer_list.fields.function.offset, fn);
    m.writeVirt32(o.kernel + timer_list.fields.data.offset, m.readVirt32(t + timer_list.fields.data.offset));
    m.writeVirt32(o.kernel + timer_list.fields.expires.offset, m.readVirt32(t + timer_list.fields.expires.offset));
    return o.kernel;
  }

  /** Runs the domain's deferred kernel calls (netif_rx of a batch of packets) in the kernel. */
  private deliverDeferred(ext: IsolatedExtension): void {
    this.xpc.deferredBatches++;
    for (const skb of ext.deferredRx.splice(0)) this.k.net.netifRx(skb);
  }

  // ---------------------------------------------------------------- extension -> kernel

  private kernelWrapperEntry(name: string, call: KernelCall): number {
    const cpu = this.k.machine.cpu;
    const ext = this.extensionOfPgd(cpu.cr3) ?? this.extensionAt(call.returnAddress);
    const entry = this.k.exports.lookup(name)!;
    if (!ext || ext.state !== 'live') return entry.fn!(call); // e.g. a recovered extension's stale caller: plain kernel call
    const sp = cpu.regs[4]!;
    const wcall: WrapperCall & KernelCall = {
      arg: call.arg,
      setArg: (i, v) => this.k.machine.writeVirt32((sp + 4 + 4 * i) >>> 0, v),
      returnAddress: call.returnAddress,
    };
    this.kernelFrames.push({ ext, domainCr3: cpu.cr3, local: false });
    try {
      this.k.charge('wrapperCheck');
      return KERNEL_WRAPPERS[name]!(this.runtime, wcall);
    } finally {
      this.kernelFrames.pop();
    }
  }

  private wrapperEnter(name: string): void {
    const frame = this.kernelFrames[this.kernelFrames.length - 1]!;
    const cpu = this.k.machine.cpu;
    if (LOCAL.has(name) || cpu.cr3 !== frame.domainCr3) {
      frame.local = true;
      this.xpc.local++;
      return;
    }
    this.xpc.toKernel++;
    this.xpc.bySite.set(name, (this.xpc.bySite.get(name) ?? 0) + 1);
    this.options.onXpc?.('to-kernel', name, this.k.cycles);
    this.k.charge('xpc');
    cpu.setCr3(this.kernelCr3Of(frame.ext));
  }

  private wrapperLeave(_name: string): void {
    const frame = this.kernelFrames[this.kernelFrames.length - 1];
    if (!frame || frame.local) return;
    const cpu = this.k.machine.cpu;
    if (cpu.cr3 !== frame.domainCr3 && frame.ext.state === 'live') cpu.setCr3(frame.domainCr3);
  }

  private wrapperCallKernel(name: string, call: WrapperCall): number {
    const frame = this.kernelFrames[this.kernelFrames.length - 1]!;
    const body = BODIES[name];
    const kcall = call as WrapperCall & KernelCall;
    if (frame.local) this.localDepth++;
    try {
      if (body) return body(this, frame.ext, kcall);
      return this.k.exports.lookup(name)!.fn!(kcall);
    } catch (e) {
      // A body meeting heap corruption in the domain's heap, or a bad pointer: the wrapper's check.
      throw this.kernelError(e, name) ?? e;
    } finally {
      if (frame.local) this.localDepth--;
    }
  }

  // ---------------------------------------------------------------- checks and objects

  objectToKernel(type: string, ptr: number, nullable: boolean, where: string): number {
    const ext = this.current();
    const p = ptr >>> 0;
    if (p === 0) {
      if (nullable) return 0;
      throw this.failure(ext, 'wrapper-check', `${where}: NULL ${type}`);
    }
    switch (type) {
      case 'sk_buff':
        if (!this.k.net.isSkb(p)) throw this.failure(ext, 'wrapper-check', `${where}: 0x${p.toString(16)} is not an sk_buff`);
        return p;
      case 'net_device': {
        const o = ext.tracker.fromExtension('net_device', p);
        if (!o) throw this.failure(ext, 'wrapper-check', `${where}: 0x${p.toString(16)} is not a net_device of ${ext.name}`);
        return o.kernel;
      }
      case 'pci_dev': {
        const o = ext.tracker.fromExtension('pci_dev', p);
        if (!o) throw this.failure(ext, 'wrapper-check', `${where}: 0x${p.toString(16)} is not a pci_dev lent to ${ext.name}`);
        this.syncPciDevToKernel(o);
        return o.kernel;
      }
      default:
        return p;
    }
  }

  objectToExtension(type: string, ptr: number, _where: string): number {
    const ext = this.current();
    const p = ptr >>> 0;
    if (p === 0) return 0;
    switch (type) {
      case 'pci_dev': {
        // pci_dev is the kernel's (kernel_private): the extension works on a copy in its domain,
        // refreshed at each call and written back (driver_data) when it crosses into the kernel.
        let o = ext.tracker.byKernel('pci_dev', p);
        if (!o) {
          const shadow = ext.domain!.heap.kmalloc(pci_dev.size, `${ext.name}`);
          if (shadow === 0) throw this.failure(ext, 'resource-limit', 'out of memory for a pci_dev shadow');
          o = ext.tracker.track('pci_dev', p, shadow);
        }
        this.k.machine.writeVirt(o.extension, this.k.machine.readVirt(p, pci_dev.size));
        return o.extension;
      }
      case 'sk_buff':
        if (!ext.tracker.byKernel('sk_buff', p)) ext.tracker.track('sk_buff', p);
        return p;
      case 'net_device':
        return ext.tracker.byKernel('net_device', p)?.extension ?? p;
      default:
        return p;
    }
  }

  /** Writes back the fields of a pci_dev shadow the driver may set (driver_data, dma_mask, current_state). */
  private syncPciDevToKernel(o: TrackedObject): void {
    const m = this.k.machine;
    for (const off of [pci_dev.fields.driver_data.offset, pci_dev.fields.current_state.offset]) m.writeVirt32(o.kernel + off, m.readVirt32(o.extension + off));
    const dm = pci_dev.fields.dma_mask.offset;
    m.writeVirt(o.kernel + dm, m.readVirt(o.extension + dm, 8));
  }

  checkUser(ptr: number, len: number, where: string): void {
    const p = ptr >>> 0;
    if (p >= USER_TOP || (len > 0 && p + len > USER_TOP)) throw this.failure(this.current(), 'wrapper-check', `${where}: 0x${p.toString(16)} is not a user address`);
  }

  checkReadable(ptr: number, len: number, nullable: boolean, where: string): void {
    const ext = this.current();
    const p = ptr >>> 0;
    if (p === 0) {
      if (nullable) return;
      throw this.failure(ext, 'wrapper-check', `${where}: NULL pointer`);
    }
    const last = len > 0 ? (p + len - 1) >>> 0 : p;
    if (!ext.domain!.canRead(p) || !ext.domain!.canRead(last)) throw this.failure(ext, 'wrapper-check', `${where}: the extension cannot read 0x${p.toString(16)}`);
  }

  checkWritable(ptr: number, len: number, nullable: boolean, where: string): void {
    const ext = this.current();
    const p = ptr >>> 0;
    if (p === 0) {
      if (nullable) return;
      throw this.failure(ext, 'wrapper-check', `${where}: NULL pointer`);
    }
    const n = Math.max(1, len);
    for (let page = p >>> 12; page <= ((p + n - 1) >>> 12); page++) {
      const a = page === p >>> 12 ? p : page << 12;
      if (!ext.domain!.canWrite(a >>> 0)) throw this.failure(ext, 'wrapper-check', `${where}: the extension may not write 0x${(a >>> 0).toString(16)}`);
    }
  }

  checkCallback(ptr: number, nullable: boolean, where: string): void {
    const ext = this.current();
    const p = ptr >>> 0;
    if (p === 0) {
      if (nullable) return;
      throw this.failure(ext, 'wrapper-check', `${where}: NULL function pointer`);
    }
    const inText = ext.module?.image.sections.some((s) => s.executable && p >= s.address && p < s.address + s.size);
    if (!inText) throw this.failure(ext, 'wrapper-check', `${where}: function pointer 0x${p.toString(16)} is not in ${ext.name}'s code`);
  }

  acquired(name: string, result: number, call: WrapperCall, objectType: string | undefined): void {
    const ext = this.current();
    const r = result >>> 0;
    if (r === 0) return;
    const d = ext.domain!;
    switch (name) {
      case 'kmalloc':
        ext.tracker.track('kmalloc', r);
        if (d.heap.pageCount * 4096 > this.heapLimit) throw this.failure(ext, 'resource-limit', `heap over its limit of ${this.heapLimit} bytes`);
        return;
      case 'vmalloc': {
        const area = this.k.mm.areaAt(r);
        const size = area ? area.frames.length * 4096 : call.arg(0) >>> 0;
        ext.tracker.track('vmalloc', r, r, { size });
        d.grant(r, size);
        return;
      }
      case 'ioremap': {
        const size = call.arg(1) >>> 0;
        ext.tracker.track('ioremap', r, r, { size });
        d.grant(r, size);
        return;
      }
      case 'pci_alloc_consistent': {
        const size = call.arg(1) >>> 0;
        ext.tracker.track('dma', r, r, { size });
        d.grant(r, size);
        return;
      }
      default:
        ext.tracker.track(objectType ?? name, r);
    }
  }

  released(name: string, index: number, ptr: number): void {
    const ext = this.current();
    const p = ptr >>> 0;
    if (p === 0) return;
    const d = ext.domain!;
    switch (name) {
      case 'kfree':
        if (ext.tracker.untrack('kmalloc', p) || ext.tracker.untrack('net_device', p) || ext.tracker.untrack('pci_dev_shadow', p)) return;
        throw this.failure(ext, 'wrapper-check', `kfree(0x${p.toString(16)}): not memory the extension allocated (or freed twice)`);
      case 'vfree':
      case 'iounmap': {
        const o = ext.tracker.untrack(name === 'vfree' ? 'vmalloc' : 'ioremap', p);
        if (!o) throw this.failure(ext, 'wrapper-check', `${name}(0x${p.toString(16)}): not a mapping of the extension`);
        d.revoke(p, o.extra?.size ?? 4096);
        return;
      }
      case 'pci_free_consistent': {
        const o = ext.tracker.untrack('dma', p);
        if (!o) throw this.failure(ext, 'wrapper-check', `pci_free_consistent(0x${p.toString(16)}): not DMA memory of the extension`);
        d.revoke(p, o.extra?.size ?? 4096);
        return;
      }
      case 'kfree_skb':
      case 'dev_kfree_skb':
      case 'dev_kfree_skb_irq':
      case 'dev_kfree_skb_any':
      case 'netif_rx':
        if (!ext.tracker.untrack('sk_buff', p)) throw this.failure(ext, 'wrapper-check', `${name}(0x${p.toString(16)}): an sk_buff the extension does not hold (freed twice?)`);
        return;
      default:
        if (index >= 0) ext.tracker.untrack(name, p);
    }
  }

  private current(): IsolatedExtension {
    const f = this.kernelFrames[this.kernelFrames.length - 1];
    if (f) return f.ext;
    const c = this.extensionCalls[this.extensionCalls.length - 1];
    if (c) return c;
    const e = this.frames[this.frames.length - 1];
    if (e) return e.ext;
    throw new IsolationUsageError('no isolated extension is running');
  }

  // ---------------------------------------------------------------- failure and recovery

  private fail(ext: IsolatedExtension, failure: ExtensionFailure, site: string): FailureRecord {
    const k = this.k;
    const record: FailureRecord = {
      extension: ext.name,
      trigger: failure.trigger,
      reason: failure.reason,
      report: failure.report,
      site,
      detectedAt: k.cycles,
      timeline: [{ event: 'detected', cycles: k.cycles, detail: `${failure.trigger}: ${failure.reason}` }],
      released: {},
      releaseErrors: [],
    };
    ext.failures.push(record);
    ext.state = 'failed';
    if (ext.domain) ext.domain.state = 'failed';
    k.printk(`<3>nooks: ${ext.name} failed in ${site}: ${failure.reason} (${failure.trigger})\n`);
    // Suspend: no more calls in (refused while failed), its interrupts off, its interfaces quiet.
    for (const o of ext.tracker.ofType('irq')) k.irq.disableIrq(o.kernel);
    ext.interfaces = [];
    for (const o of ext.tracker.ofType('net_device')) {
      const info = k.net.devices.find((x) => x.dev === o.kernel);
      if (info?.registered) {
        if (net_device.get_flags(this.mem, o.kernel) & IFF_UP) ext.interfaces.push(info.name);
        k.net.stopQueue(o.kernel);
        if (k.netStack?.dev === o.kernel) k.netStack.attachDevice(0);
      }
    }
    ext.deferredRx.splice(0).forEach((skb) => k.net.kfreeSkb(skb));
    record.timeline.push({ event: 'suspended', cycles: k.cycles }, { event: 'unwound', cycles: k.cycles, detail: `call ${site} returned ${failureValue(site)}` });
    this.options.onFailure?.(record);
    k.spawn(`nooks-recovery:${ext.name}`, this.recover(ext, record));
    return record;
  }

  /** The recovery manager (kernel task), then the user-mode agent. */
  private *recover(ext: IsolatedExtension, record: FailureRecord): TaskProgram {
    const k = this.k;
    ext.state = 'recovering';
    const releaseErrors: string[] = [];
    const released = ext.tracker.releaseAll(this.releaseFunctions(), releaseErrors);
    record.released = Object.fromEntries(released);
    record.releaseErrors = releaseErrors;
    record.timeline.push({ event: 'released', cycles: k.cycles, detail: [...released].map(([t, n]) => `${n} ${t}`).join(', ') });
    if (ext.module) k.removeModule(ext.module);
    record.timeline.push({ event: 'unloaded', cycles: k.cycles });
    // The user-mode recovery agent starts and reads the extension's policy.
    yield { type: 'sleep', cycles: Math.round(ext.policy.agentDelayMs * 1.7e6) };
    const p = ext.policy;
    const window = (p.disableAfter?.withinSeconds ?? 0) * 1.7e9;
    const recent = ext.failures.filter((f) => k.cycles - f.detectedAt <= window).length;
    const disable = p.action === 'disable' || (p.disableAfter !== undefined && recent >= p.disableAfter.failures);
    record.timeline.push({ event: 'agent', cycles: k.cycles, detail: disable ? `disable (${recent} failures)` : p.action });
    if (p.notify) k.printk(`<4>nooks-agent: ${ext.name} failed (${record.reason}); policy: ${disable ? 'disable' : p.action}\n`);
    if (disable) {
      ext.state = 'disabled';
      record.action = 'disable';
      record.timeline.push({ event: 'disabled', cycles: k.cycles });
      this.options.onRecovered?.(record);
      return 0;
    }
    record.action = p.action === 'replace' ? 'replace' : 'restart';
    if (p.action === 'replace' && p.replaceWith) {
      if (!this.options.objects) throw new IsolationUsageError(`policy of ${ext.name} replaces it with ${p.replaceWith}, but no object resolver was given`);
      ext.bytes = this.options.objects(p.replaceWith);
    }
    try {
      k.loadModule(ext.name, ext.bytes, p.parameters ? { params: p.parameters } : {});
    } catch (e) {
      record.timeline.push({ event: 'recovery-failed', cycles: k.cycles, detail: e instanceof Error ? e.message : String(e) });
      ext.state = 'disabled';
      this.options.onRecovered?.(record);
      return 1;
    }
    record.timeline.push({ event: 'reloaded', cycles: k.cycles });
    for (const name of ext.interfaces) {
      let dev: number;
      try {
        dev = k.net.byName(name);
      } catch {
        continue;
      }
      k.net.open(dev);
      if (k.netStack && k.netStack.dev === 0) k.netStack.attachDevice(dev);
    }
    record.timeline.push({ event: 'interface-up', cycles: k.cycles, detail: ext.interfaces.join(', ') });
    record.recoveredAt = k.cycles;
    this.options.onRecovered?.(record);
    return 0;
  }

  /** How each tracked object type is released on recovery (the kernel's own functions, in the kernel's domain). */
  private releaseFunctions(): Record<string, ReleaseFunction> {
    const k = this.k;
    return {
      sk_buff: (o) => {
        if (k.net.isSkb(o.kernel)) k.net.kfreeSkb(o.kernel);
      },
      net_device: (o) => {
        const info = k.net.devices.find((x) => x.dev === o.kernel);
        if (info?.registered) k.net.unregisterNetdev(o.kernel);
        k.net.forget(o.kernel);
      },
      irq: (o) => {
        k.irq.freeIrq(o.kernel, o.extra?.devId ?? 0);
        k.irq.enableIrq(o.kernel);
      },
      timer: (o) => {
        if (k.irq.timerPending(o.kernel)) k.irq.delTimer(o.kernel);
        k.slab.kfree(o.kernel);
      },
      tasklet: (o) => k.irq.taskletKill(o.kernel),
      vmalloc: (o) => void k.mm.release(o.kernel),
      ioremap: (o) => void k.mm.release(o.kernel),
      dma: (o) => k.pci.freeConsistent(o.kernel),
      region: (o) => k.pci.releaseRegion(o.kernel, o.extra?.size ?? 0),
      mem_region: (o) => k.pci.releaseMemRegion(o.kernel, o.extra?.size ?? 0),
      pci_driver: (o) => k.pci.unregisterDriver(o.kernel),
      pci_enabled: (o) => {
        // Bus mastering and decoding off: the card stops its DMA into memory being freed.
        const d = k.pci.deviceOf(o.kernel);
        if (d) k.pci.writeConfig(d.bus, d.devfn, 4, 2, k.pci.readConfig(d.bus, d.devfn, 4, 2) & ~0x7);
      },
      pci_dev: (o) => {
        k.machine.writeVirt32(o.kernel + pci_dev.fields.driver_data.offset, 0);
      },
      kmalloc: () => {
        // Freed with the domain's heap, all at once.
      },
    };
  }
}

// ---------------------------------------------------------------- hand-written wrapper bodies

type Body = (nooks: IsolationManager, ext: IsolatedExtension, call: WrapperCall & KernelCall) => number;

const original = (nooks: IsolationManager, name: string, call: KernelCall): number => nooks.k.exports.lookup(name)!.fn!(call);

/** del_timer on an extension's timer: the kernel's shadow leaves the list and is freed. */
function delTimerShadow(n: IsolationManager, ext: IsolatedExtension, t: number): number {
  const o = ext.tracker.fromExtension('timer', t);
  if (!o) return 0;
  ext.tracker.untrack('timer', o.kernel);
  const pending = n.k.irq.timerPending(o.kernel) ? n.k.irq.delTimer(o.kernel) : false;
  n.k.slab.kfree(o.kernel);
  n.k.machine.writeVirt32(t, 0);
  n.k.machine.writeVirt32(t + 4, 0);
  return pending ? 1 : 0;
}

/**
 * Bodies shared by every driver: what must differ from the kernel's own function under Nooks.
 * Memory comes from the domain's heap; resources are recorded in the object tracker with what
 * releases them; netif_rx is deferred.
 */
export const BODIES: Readonly<Record<string, Body>> = {
  kmalloc: (_n, ext, call) => ext.domain!.heap.kmalloc(call.arg(0) >>> 0, ext.name),
  kfree: (n, ext, call) => {
    const p = call.arg(0) >>> 0;
    if (p === 0) return 0;
    if (!ext.domain!.heap.contains(p)) return original(n, 'kfree', call);
    n.k.net.forget(p);
    try {
      ext.domain!.heap.kfree(p);
    } catch (e) {
      if (e instanceof HeapCorruption) throw new ExtensionFailure(ext.name, 'wrapper-check', `kfree: ${e.message}`, n.k.describeFault('oops', e.message, {}));
      throw e;
    }
    return 0;
  },
  alloc_etherdev: (n, ext, call) => n.k.net.allocEtherdev(call.arg(0) | 0, ext.name, ext.domain!.heap),
  netif_rx: (n, ext, call) => {
    // The kernel will trust what the packet says: it must be a received frame of this
    // extension's device (eth_type_trans ran: dev and the MAC header set, data inside the buffer).
    const skb = call.arg(0) >>> 0;
    const mem = n.mem;
    const dev = sk_buff.get_dev(mem, skb) >>> 0, head = sk_buff.get_head(mem, skb) >>> 0, end = sk_buff.get_end(mem, skb) >>> 0;
    const mac = sk_buff.get_mac_raw(mem, skb) >>> 0, data = sk_buff.get_data(mem, skb) >>> 0, len = sk_buff.get_len(mem, skb) >>> 0;
    let bad: string | undefined;
    if (!ext.tracker.fromExtension('net_device', dev)) bad = `its dev (0x${dev.toString(16)}) is not a net_device of ${ext.name}`;
    else if (mac < head || mac >= end || data < mac || data + len > end) bad = 'its MAC header and data are not inside its buffer';
    if (bad) {
      ext.tracker.track('sk_buff', skb); // still the extension's: released on recovery
      throw new ExtensionFailure(ext.name, 'wrapper-check', `netif_rx(0x${skb.toString(16)}): ${bad}`, n.k.describeFault('oops', bad, {}));
    }
    ext.deferredRx.push(skb);
    n.xpc.deferred++;
    return 0; // NET_RX_SUCCESS
  },
  request_irq: (n, ext, call) => {
    const rc = original(n, 'request_irq', call);
    if (rc === 0) ext.tracker.track('irq', call.arg(0) >>> 0, call.arg(0) >>> 0, { devId: call.arg(4) >>> 0 });
    return rc;
  },
  free_irq: (n, ext, call) => {
    ext.tracker.untrack('irq', call.arg(0) >>> 0);
    return original(n, 'free_irq', call);
  },
  request_region: (n, ext, call) => {
    const r = original(n, 'request_region', call);
    if (r) ext.tracker.track('region', call.arg(0) >>> 0, call.arg(0) >>> 0, { size: call.arg(1) >>> 0 });
    return r;
  },
  release_region: (n, ext, call) => {
    ext.tracker.untrack('region', call.arg(0) >>> 0);
    return original(n, 'release_region', call);
  },
  request_mem_region: (n, ext, call) => {
    const r = original(n, 'request_mem_region', call);
    if (r) ext.tracker.track('mem_region', call.arg(0) >>> 0, call.arg(0) >>> 0, { size: call.arg(1) >>> 0 });
    return r;
  },
  release_mem_region: (n, ext, call) => {
    ext.tracker.untrack('mem_region', call.arg(0) >>> 0);
    return original(n, 'release_mem_region', call);
  },
  add_timer: (n, ext, call) => {
    n.k.irq.addTimer(n.timerShadow(ext, call.arg(0) >>> 0));
    return 0;
  },
  mod_timer: (n, ext, call) => {
    const t = call.arg(0) >>> 0;
    n.k.machine.writeVirt32(t + timer_list.fields.expires.offset, call.arg(1));
    return n.k.irq.modTimer(n.timerShadow(ext, t), call.arg(1) >>> 0) ? 1 : 0;
  },
  del_timer: (n, ext, call) => delTimerShadow(n, ext, call.arg(0) >>> 0),
  del_timer_sync: (n, ext, call) => delTimerShadow(n, ext, call.arg(0) >>> 0),
  timer_pending: (n, ext, call) => {
    const o = ext.tracker.fromExtension('timer', call.arg(0) >>> 0);
    return o && n.k.irq.timerPending(o.kernel) ? 1 : 0;
  },
  tasklet_init: (n, ext, call) => {
    ext.tracker.track('tasklet', call.arg(0) >>> 0);
    return original(n, 'tasklet_init', call);
  },
  tasklet_kill: (n, ext, call) => {
    ext.tracker.untrack('tasklet', call.arg(0) >>> 0);
    return original(n, 'tasklet_kill', call);
  },
  pci_register_driver: (n, ext, call) => {
    ext.tracker.track('pci_driver', call.arg(0) >>> 0);
    return original(n, 'pci_register_driver', call);
  },
  pci_unregister_driver: (n, ext, call) => {
    ext.tracker.untrack('pci_driver', call.arg(0) >>> 0);
    return original(n, 'pci_unregister_driver', call);
  },
  pci_enable_device: (n, ext, call) => {
    const rc = original(n, 'pci_enable_device', call);
    if (rc === 0) ext.tracker.track('pci_enabled', call.arg(0) >>> 0);
    return rc;
  },
  pci_disable_device: (n, ext, call) => {
    ext.tracker.untrack('pci_enabled', call.arg(0) >>> 0);
    return original(n, 'pci_disable_device', call);
  },
  register_netdev: (n, _ext, call) => original(n, 'register_netdev', call),
};
