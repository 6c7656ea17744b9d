// The simulated kernel: boots a Machine into Linux 2.4's memory map, owns the allocators, the
// log, the export table and the loaded modules, runs extension code in a context (boot,
// process, interrupt, softirq), and turns what goes wrong into Linux's crash semantics:
// a fault in process context is an oops (the calling task dies, the system goes on), a fault
// in interrupt context or a failed integrity check is a panic, no progress is a hang.

import { GuestCallAborted, Machine, PageFaultError, disassembleBytes } from '@nooks/x86';
import type { InterruptEvent } from '@nooks/x86';
import { registerCoreExports } from './core-exports.js';
import { Interrupts, registerIrqExports } from './irq.js';
import { NetCore, registerNetExports } from './net-core.js';
import { KernelNetStack } from './net-stack.js';
import type { NetClock } from '@nooks/net';
import { PciSubsystem, registerPciExports } from './pci.js';
import { registerSyncExports } from './sync.js';
import { formatCrashReport } from './crash.js';
import type { CrashKind, CrashReport, ExecutionContext } from './crash.js';
import { KernelBug, KernelPanic, KernelUsageError, ModuleLoadError } from './errors.js';
import { ExportTable } from './exports.js';
import type { KernelCall, KernelFunction } from './exports.js';
import { KernelMemory } from './kernel-mm.js';
import type { AddressSpace, VmArea } from './kernel-mm.js';
import { net_device } from './generated/layouts.js';
import { KERNEL_COSTS } from './kernel-costs.js';
import type { KernelCostName } from './kernel-costs.js';
import { KERNEL_IMAGE_BYTES, KERNEL_IMAGE_PHYS, PAGE_SIZE, physToVirt } from './memory-map.js';
import { loadModuleImage, symbolize } from './module-loader.js';
import type { LoadedImage } from './module-loader.js';
import { PageAllocator } from './page-alloc.js';
import { KernelLog } from './printk.js';
import { Scheduler, TaskSuspend } from './sched.js';
import type { Task, TaskProgram, WaitQueue } from './sched.js';
import { HeapCorruption, SlabAllocator } from './slab.js';
import type { IsolationHooks } from './isolation-hooks.js';

/**
 * The machine's sense of time beyond the CPU: device events (the PIT's tick, a NIC's frame
 * arriving). @nooks/devices' Clock implements it; without one, time only moves with the CPU
 * and the idle loop.
 */
export interface TimeSource {
  /** Cycle of the next pending event, or Infinity. */
  nextEvent(): number;
  /** Moves the clock of an idle CPU forward to `cycles` (counting idle time) and runs what falls due. */
  advanceIdle(cycles: number): void;
}

/** Clock ticks per second (HZ) and cycles per tick at 1.7 GHz. */
export const HZ = 100;
export const CYCLES_PER_TICK = 17_000_000;

export interface KernelOptions {
  /** Device time (e.g. @nooks/devices' Clock). */
  time?: TimeSource;
  /**
   * The machine has the PC platform devices on its I/O ports (8259 PIC pair, 8254 PIT, as
   * @nooks/devices' Platform provides): the kernel programs them at boot, takes the timer
   * interrupt at HZ, and idles the CPU in a hlt loop so that interrupts wake it.
   */
  pcPlatform?: boolean;
  /**
   * Builds the machine's devices on the new Machine before the kernel boots (the firmware's
   * job, resource assignment included) and returns the device time. Implies pcPlatform.
   */
  platform?: (machine: Machine) => TimeSource & Partial<NetClock>;
  /** Physical memory in bytes (default 64 MiB). */
  memoryBytes?: number;
  /** Called with every console line. */
  console?: (line: string) => void;
  /** Simulated seconds an extension may run without returning before the watchdog calls it a hang (default 2). */
  watchdogSeconds?: number;
}

/** Raised to unwind a process-context guest call after an oops; carries the report. */
export class Oops extends Error {
  readonly code = 'OOPS';
  override readonly name = 'Oops';
  constructor(readonly report: CrashReport) {
    super(report.reason);
  }
}

/** A hang detected by the watchdog (the system is considered dead). */
export class KernelHang extends Error {
  readonly code = 'KERNEL_HANG';
  override readonly name = 'KernelHang';
  constructor(readonly report: CrashReport) {
    super(report.reason);
  }
}

export type ModuleState = 'loading' | 'live' | 'failed' | 'unloading';

export interface KernelModule {
  readonly name: string;
  readonly image: LoadedImage;
  state: ModuleState;
  /** The vmalloc area holding its sections. */
  readonly area: VmArea;
}

/** What a module still holds (for leak checks after unload). */
export interface ModuleResources {
  pages: number;
  slabObjects: number;
  vmAreas: number;
  /** IRQ handlers registered. */
  irqs: number;
  /** sk_buffs allocated and not freed. */
  skbs: number;
  /** net_devices allocated (registered or not). */
  netDevices: number;
  /** I/O port and memory regions requested. */
  regions: number;
  /** Pending timers in the module's memory or calling its code. */
  timers: number;
}

const KERNEL_STACK_BYTES = 8192;
const EXCEPTION_NAMES: Record<number, string> = {
  0: 'divide error',
  1: 'debug',
  3: 'int3',
  4: 'overflow',
  5: 'bounds',
  6: 'invalid operand',
  8: 'double fault',
  10: 'invalid TSS',
  11: 'segment not present',
  12: 'stack segment',
  13: 'general protection fault',
  14: 'page fault',
  17: 'alignment check',
};

/** What the kernel charges the CPU for: an entry of KERNEL_COSTS, or a driver's busy wait (udelay). */
export type KernelWork = KernelCostName | 'busyWait';

/** Which entry of KERNEL_COSTS an export charges on entry. */
const EXPORT_COST: Record<string, KernelCostName> = {
  kmalloc: 'kmalloc',
  kfree: 'kfree',
  vmalloc: 'vmalloc',
  vfree: 'vmalloc',
  printk: 'printk',
  sprintf: 'printk',
  snprintf: 'printk',
  request_irq: 'resource',
  free_irq: 'resource',
  request_region: 'resource',
  release_region: 'resource',
  request_mem_region: 'resource',
  release_mem_region: 'resource',
  ioremap: 'resource',
  iounmap: 'resource',
  pci_register_driver: 'pciMatch',
  init_timer: 'timer',
  add_timer: 'timer',
  mod_timer: 'timer',
  del_timer: 'timer',
  del_timer_sync: 'timer',
  tasklet_schedule: 'softirq',
  tasklet_hi_schedule: 'softirq',
  down: 'sync',
  up: 'sync',
  down_trylock: 'sync',
  wake_up: 'sync',
  __wake_up: 'sync',
  wake_up_interruptible: 'sync',
  spin_lock: 'sync',
  spin_unlock: 'sync',
  spin_lock_irqsave: 'sync',
  spin_unlock_irqrestore: 'sync',
};


export class Kernel {
  readonly machine: Machine;
  readonly pages: PageAllocator;
  readonly mm: KernelMemory;
  readonly slab: SlabAllocator;
  readonly log = new KernelLog();
  readonly exports: ExportTable;
  readonly modules = new Map<string, KernelModule>();
  /** Top of the boot (init task) kernel stack. */
  readonly bootStackTop: number;
  /** Every crash seen (oopses; a panic or hang is also thrown). */
  readonly crashes: CrashReport[] = [];
  /** Set once the kernel has panicked or hung: it runs nothing more. */
  dead: CrashReport | undefined;
  private contexts: ExecutionContext[] = ['boot'];
  readonly watchdogCycles: number;
  readonly scheduler: Scheduler;
  private readonly time: TimeSource;
  /** Cycles the CPU spent idle (halted, nothing to run). */
  idleCycles = 0;
  /** Calls in progress that a blocking kernel function must not suspend (isolated task calls). */
  private noSuspend = 0;
    /** Depth of extension calls in progress (1: a task's top-level call). */
  private guestDepth = 0;
  /** Interrupts, softirqs, tasklets, timers and jiffies. */
  readonly irq: Interrupts;
  /** PCI devices, drivers, I/O and memory regions, DMA memory. */
  readonly pci: PciSubsystem;
  /** sk_buffs, net_devices, the transmit and receive paths. */
  readonly net: NetCore;
  private readonly pcPlatform: boolean;
  /** Nooks, when installed (setIsolation): the kernel's hooks into the isolation manager. */
  isolation: IsolationHooks | undefined;
  /** Allocators besides the kernel's kmalloc whose objects count as their owners' (domain heaps). */
  readonly extraHeaps = new Set<SlabAllocator>();
  /** Address of the idle loop (sti; hlt; jmp) in kernel text. */
  private readonly idleLoop: number;

  constructor(options: KernelOptions = {}) {
    const memoryBytes = options.memoryBytes ?? 64 << 20;
    this.machine = new Machine({ memoryBytes });
    const deviceTime = options.platform?.(this.machine);
    const imageEnd = KERNEL_IMAGE_PHYS + KERNEL_IMAGE_BYTES;
    this.pages = new PageAllocator(memoryBytes / PAGE_SIZE, imageEnd / PAGE_SIZE);
    this.mm = new KernelMemory(this.machine, this.pages);
    this.mm.enablePaging();
    this.slab = new SlabAllocator(this.machine, this.pages);
    if (options.console) {
      const out = options.console;
      this.log.onLine = (l) => out(l.text);
    }
    this.watchdogCycles = Math.round((options.watchdogSeconds ?? 2) * 1.7e9);

    // Kernel text: the return stub (first 8 bytes), then the export stubs.
    const textVirt = physToVirt(KERNEL_IMAGE_PHYS);
    this.machine.installReturnStub(KERNEL_IMAGE_PHYS, textVirt);
    this.exports = new ExportTable(this.machine, KERNEL_IMAGE_PHYS + 8, textVirt + 8, KERNEL_IMAGE_BYTES / 2 - 264);
    // The idle task's loop: sti; hlt; jmp back to sti.
    this.idleLoop = textVirt + KERNEL_IMAGE_BYTES / 2 - 256;
    this.machine.writePhys(KERNEL_IMAGE_PHYS + KERNEL_IMAGE_BYTES / 2 - 256, Uint8Array.of(0xfb, 0xf4, 0xeb, 0xfc));
    const stack = this.pages.alloc(KERNEL_STACK_BYTES / PAGE_SIZE, 'kernel');
    this.bootStackTop = physToVirt(stack) + KERNEL_STACK_BYTES;
    this.machine.cpu.regs[4] = this.bootStackTop;

    this.machine.hookInterrupt(-1, (_m, ev) => this.onException(ev));
    this.time = options.time ?? deviceTime ?? {
      nextEvent: () => Infinity,
      advanceIdle: (cycles: number) => {
        const cpu = this.machine.cpu;
        if (cycles > cpu.cycles) {
          this.idleCycles += cycles - cpu.cycles;
          cpu.cycles = cycles;
        }
      },
    };
    this.scheduler = new Scheduler({
      machine: this.machine,
      now: () => this.cycles,
      runGuest: (task) => this.runTaskGuest(task),
      onTaskKilled: (task, reason) => this.printk(`<4>process ${task.pid} (${task.name}) killed: ${reason}\n`),
      onContextSwitch: () => this.charge('contextSwitch'),
      callIsolated: (task, addr, args) => {
        if (!this.isolation?.ownsCode(addr)) return undefined;
        const cpu = this.machine.cpu;
        if (cpu.cr3 !== task.pgd) cpu.setCr3(task.pgd);
        cpu.regs[4] = task.stackTop;
        // Isolated calls cannot be suspended mid-way (the XPC's frames are host frames): a
        // blocking kernel function idles in place, as in a nested call.
        this.noSuspend++;
        try {
          return this.call(addr, args, 'process', 'task');
        } catch (e) {
          if (e instanceof Oops) {
            this.scheduler.kill(task, e.report.reason);
            return 0;
          }
          throw e;
        } finally {
          this.noSuspend--;
        }
      },
    });
    registerCoreExports(this);
    registerSyncExports(this);
    this.irq = new Interrupts(this, textVirt + KERNEL_IMAGE_BYTES / 2);
    registerIrqExports(this, this.irq);
    this.pcPlatform = options.pcPlatform ?? options.platform !== undefined;
    this.pci = new PciSubsystem(this);
    registerPciExports(this, this.pci);
    this.net = new NetCore(this);
    registerNetExports(this, this.net);
    if (this.pcPlatform) {
      this.irq.initPlatform();
      this.pci.scan();
    }
    this.printk(`<5>Linux version 2.4.18-nooks (simulated) on a Pentium 4 1.7 GHz, ${memoryBytes >>> 20} MB RAM\n`);
  }

  // ---------------------------------------------------------------- time and log

  /** The simulation clock (cycles). */
  get cycles(): number {
    return this.machine.cpu.now();
  }

  printk(text: string): void {
    this.log.write(text, this.cycles);
  }

  get context(): ExecutionContext {
    return this.contexts[this.contexts.length - 1]!;
  }

  pushContext(c: ExecutionContext): void {
    this.contexts.push(c);
  }

  popContext(): void {
    if (this.contexts.length > 1) this.contexts.pop();
  }

  /**
   * CPU accounting since boot: elapsed simulated cycles, the idle part (halted with nothing to
   * run), and utilisation = busy / elapsed, the figure the paper reports.
   */
  /**
   * Charges kernel work to the CPU: `cycles` (by default the table's cost for `kind`), counted in
   * the cost ledger under `kind` so a workload's kernel time can be broken down.
   */
  charge(kind: KernelWork, cycles: number = kind === 'busyWait' ? 0 : KERNEL_COSTS[kind]): void {
    const entry = (this.costLedger[kind] ??= { count: 0, cycles: 0 });
    entry.count++;
    entry.cycles += cycles;
    this.machine.cpu.charge(cycles);
  }

  /** Kernel work charged so far, by kind (see KERNEL_COSTS): how often and how many cycles. */
  readonly costLedger: Partial<Record<KernelWork, { count: number; cycles: number }>> = {};

  cpuStats(): { elapsed: number; idle: number; busy: number; utilisation: number; seconds: number } {
    const elapsed = this.cycles;
    const busy = elapsed - this.idleCycles;
    return { elapsed, idle: this.idleCycles, busy, utilisation: elapsed > 0 ? busy / elapsed : 0, seconds: elapsed / 1.7e9 };
  }

  /** The protocol stack, once networking is started on a device. */
  netStack: KernelNetStack | undefined;

  /**
   * ifconfig DEV IP up: opens the device and runs the kernel's protocol stack on it. Needs the
   * device clock (the platform's), whose timers drive TCP's retransmissions.
   */
  startNetworking(devName: string, ip: string): KernelNetStack {
    const t = this.time as TimeSource & Partial<NetClock>;
    if (!t.timer || !t.after || !t.now) throw new KernelUsageError('networking needs the platform clock (Kernel options.platform)');
    const clock: NetClock = { now: t.now.bind(t), timer: t.timer.bind(t), after: t.after.bind(t) };
    const dev = this.net.byName(devName);
    const rc = this.net.open(dev);
    if (rc !== 0) throw new KernelUsageError(`${devName}: open failed with ${rc}`);
    const mac = this.machine.readVirt(net_device.addr_dev_addr(dev), 6);
    this.netStack = new KernelNetStack(this, dev, clock, { ip, mac });
    return this.netStack;
  }

  /** Called on every timer tick (after jiffies moved). */
  onTick(): void {
    this.ticks++;
  }

  /** Timer interrupts taken. */
  ticks = 0;

  // ---------------------------------------------------------------- exports

  /**
   * Defines a kernel function modules can import. Kernel-side failures inside it become Linux
   * crash semantics: heap corruption is BUG() (panic); a bad pointer the kernel follows is a
   * kernel paging request (oops in process context, panic in interrupt context).
   */
  defineExport(name: string, fn: KernelFunction, cost: KernelCostName = EXPORT_COST[name] ?? 'default'): number {
    return this.exports.defineFunction(name, (call: KernelCall) => {
      if (this.isolation) {
        const bypass = this.isolation.unwrappedKernelCall(name);
        if (bypass) throw bypass;
      }
      this.charge(cost);
      try {
        return fn(call);
      } catch (e) {
        throw this.translateKernelError(e, name, call.returnAddress);
      }
    });
  }

  private translateKernelError(e: unknown, where: string, returnAddress: number): unknown {
    const isolated = this.isolation?.kernelError(e, where);
    if (isolated) return isolated;
    if (e instanceof HeapCorruption) {
      return this.crash('panic', `kernel BUG in ${where}: ${e.message}`, { caller: returnAddress });
    }
    if (e instanceof PageFaultError) {
      const kind: CrashKind = this.context === 'interrupt' || this.context === 'softirq' ? 'panic' : 'oops';
      return this.crash(kind, `Unable to handle kernel paging request at virtual address ${(e.address >>> 0).toString(16).padStart(8, '0')} (in ${where})`, { caller: returnAddress });
    }
    return e;
  }

  /** The module whose code contains address, if any. */
  moduleAt(address: number): KernelModule | undefined {
    const a = address >>> 0;
    for (const m of this.modules.values()) if (a >= m.image.base && a < m.image.base + m.image.size) return m;
    return undefined;
  }

  /** Owner tag for resources requested by code at returnAddress. */
  ownerOf(returnAddress: number): string {
    return this.moduleAt(returnAddress)?.name ?? 'kernel';
  }

  /** function+0xoff, module-qualified, for any address. */
  symbolize(address: number): string {
    const m = this.moduleAt(address);
    if (m) return `${m.name}:${symbolize(m.image, address) ?? '?'}`;
    const k = this.exports.at(address);
    if (k) return `kernel:${k.name}`;
    return `0x${(address >>> 0).toString(16)}`;
  }

  // ---------------------------------------------------------------- running extension code

  /**
   * Calls extension code at addr with cdecl arguments in the given context, on the current
   * kernel stack, and returns EAX. An oops in process or boot context throws Oops; a panic or
   * hang throws KernelPanic / KernelHang and leaves the kernel dead.
   */
  call(addr: number, args: readonly number[], context: ExecutionContext, site = 'call'): number {
    if (this.dead) throw new KernelUsageError(`the kernel is dead (${this.dead.reason}); it runs nothing more`);
    if (this.isolation?.ownsCode(addr)) return this.isolation.callExtension(site, addr, args, context);
    try {
      return this.runExtensionCode(addr, args, context, this.watchdogCycles);
    } catch (e) {
      if (e instanceof GuestCallAborted) {
        if (e.reason === 'cycles' || e.reason === 'halted') {
          const flags = e.eflags ?? this.machine.cpu.getEflags();
          throw this.crash('hang', `watchdog: ${this.symbolize(e.eip ?? this.machine.cpu.eip)} made no progress for ${(this.watchdogCycles / 1.7e9).toPrecision(2)} s (${context} context, interrupts ${flags & 0x200 ? 'on' : 'off'})`, { eip: e.eip });
        }
        throw this.crash('panic', `extension call ended abnormally: ${e.message}`, { eip: e.eip });
      }
      throw e;
    }
  }

  /**
   * Runs extension code at addr (cdecl, on the current stack and page table) in a context, at
   * most `maxCycles`; GuestCallAborted and processor-exception errors propagate as they are.
   * call() is this plus Linux's crash semantics; the isolation manager's XPC uses it directly.
   */
  runExtensionCode(addr: number, args: readonly number[], context: ExecutionContext, maxCycles: number): number {
    this.contexts.push(context);
    this.guestDepth++;
    try {
      return this.machine.callGuest(addr, args, { maxCycles });
    } finally {
      this.guestDepth--;
      this.contexts.pop();
    }
  }

  /** Calls extension code from a kernel function running in process context (a nested call, e.g. a driver's probe). */
  callProcess(addr: number, args: readonly number[], site = 'call'): number {
    return this.call(addr, args, this.context === 'boot' ? 'process' : this.context, site);
  }

  // ---------------------------------------------------------------- tasks and time

  /** Starts a task running a workload program (a generator making requests). */
  spawn(name: string, program: TaskProgram): Task {
    const owner = `task:${name}`;
    const stack = this.pages.alloc(KERNEL_STACK_BYTES / PAGE_SIZE, owner);
    const space = this.mm.createAddressSpace(owner);
    const task = this.scheduler.spawn(name, program, physToVirt(stack) + KERNEL_STACK_BYTES, space.pgd);
    this.spaces.set(task, space);
    return task;
  }

  private readonly spaces = new Map<Task, AddressSpace>();

  /** The task's user address space. */
  addressSpace(task: Task): AddressSpace {
    const s = this.spaces.get(task);
    if (!s) throw new KernelUsageError(`task ${task.pid} has no address space`);
    return s;
  }

  /** Maps user memory for a task (like brk/mmap of anonymous memory) and returns its address. */
  userAlloc(task: Task, bytes: number, at?: number): number {
    const space = this.addressSpace(task);
    const base = at ?? this.userNext.get(task) ?? 0x0804_8000;
    this.mm.mapUser(space, base, bytes);
    this.userNext.set(task, Math.max(this.userNext.get(task) ?? 0, ((base + bytes + 0xfff) & ~0xfff) + 0x1000));
    return base;
  }

  private readonly userNext = new Map<Task, number>();

  writeUser(task: Task, addr: number, bytes: Uint8Array): void {
    this.mm.writeUser(this.addressSpace(task), addr, bytes);
  }

  readUser(task: Task, addr: number, length: number): Uint8Array {
    return this.mm.readUser(this.addressSpace(task), addr, length);
  }

  /** True when the caller may block: extension code running for a task at its top-level call. */
  canSleep(): boolean {
    return this.context === 'process' && this.guestDepth === 1 && this.noSuspend === 0 && this.scheduler.current !== null;
  }

  /**
   * Blocks the current task inside a kernel function called by extension code (schedule(),
   * down(), sleep_on...). In a task's top-level extension call the task is suspended and the
   * function returns `result()` when it is resumed. Where a task cannot be suspended (a nested
   * call), the CPU idles in place until ready, as a busy kernel would; in interrupt context it
   * is a bug ("scheduling in interrupt"), which panics.
   */
  sleep(where: string, ready: () => boolean, result: () => number, deadline = Infinity, queue?: WaitQueue): number {
    if (this.context === 'interrupt' || this.context === 'softirq') {
      throw this.crash('panic', `Scheduling in interrupt (${where})`, {});
    }
    if (this.canSleep()) throw new TaskSuspend(ready, result, queue, deadline);
    const limit = this.cycles + this.watchdogCycles;
    while (!ready() && this.cycles < deadline) {
      const next = Math.min(this.time.nextEvent(), deadline, limit);
      if (next === Infinity || this.cycles >= limit) throw this.crash('hang', `deadlock: ${where} waits for something that cannot happen`, {});
      this.time.advanceIdle(next);
    }
    return result();
  }

  /** Runs a task's extension call at the top level (the scheduler's runGuest). */
  private runTaskGuest(task: Task): 'return' | 'suspended' | 'killed' {
    if (this.dead) return 'killed';
    this.contexts.push('process');
    this.guestDepth++;
    try {
      this.machine.cpu.halted = false; // the idle loop may have left the CPU halted
      const r = this.machine.run({ maxCycles: this.watchdogCycles });
      if (r.reason === 'return') return 'return';
      if (r.reason === 'cycles') {
        throw this.crash('hang', `watchdog: ${this.symbolize(this.machine.cpu.eip)} made no progress (task ${task.pid} ${task.name})`, {});
      }
      throw this.crash('panic', `task ${task.pid} (${task.name}): extension call stopped: ${r.reason}`, {});
    } catch (e) {
      if (e instanceof TaskSuspend) {
        this.scheduler.suspendInGuest(task, e);
        return 'suspended';
      }
      if (e instanceof Oops) {
        this.scheduler.kill(task, e.report.reason);
        return 'killed';
      }
      throw e;
    } finally {
      this.guestDepth--;
      this.contexts.pop();
    }
  }

  /**
   * The main loop: runs tasks until simulated time `untilCycles`, idling (halted CPU, device
   * time moving on) when nothing is runnable. Stops early when no task is alive and nothing is
   * scheduled, or when the kernel dies (panic or hang: see `dead`). Returns the cycle it stopped at.
   */
  runUntil(untilCycles: number): number {
    while (!this.dead && this.cycles < untilCycles) {
      try {
          if (this.irq.softirqPending) {
          this.irq.doSoftirq();
          continue;
        }
        if (this.scheduler.step()) continue;
        const next = Math.min(this.time.nextEvent(), this.scheduler.nextDeadline(), untilCycles);
        if (next === Infinity || (this.scheduler.alive.length === 0 && this.time.nextEvent() === Infinity)) break;
        this.idle(Math.max(next, this.cycles));
        this.scheduler.poll();
      } catch (e) {
        // A panic or hang ends the system: the report is in this.dead.
        if ((e instanceof KernelPanic || e instanceof KernelHang) && this.dead) break;
        throw e;
      }
    }
    return this.cycles;
  }

  /**
   * Nothing to run until `next`. With the PC platform the CPU runs the idle loop (sti; hlt): it
   * halts, the clock jumps to the next device event, and the interrupt that event raises wakes
   * the CPU, which runs the handler and halts again. Without devices, time just moves on.
   */
  private idle(next: number): void {
    const before = this.cycles;
    if (!this.pcPlatform) {
      this.time.advanceIdle(next);
      this.idleCycles += Math.max(0, this.cycles - before);
      return;
    }
    const cpu = this.machine.cpu;
    if (cpu.cr3 !== this.mm.pgd) cpu.setCr3(this.mm.pgd);
    cpu.regs[4] = this.bootStackTop;
    cpu.eip = this.idleLoop;
    cpu.halted = false;
    this.contexts.push('boot');
    try {
      // Runs to the hlt (taking any interrupt already pending on the way).
      this.machine.run({ maxCycles: this.watchdogCycles });
      if (this.cycles < next) {
        const t = this.cycles;
        this.time.advanceIdle(next);
        this.idleCycles += Math.max(0, this.cycles - t);
        // Take the interrupt(s) the events raised; the loop halts again.
        cpu.halted = false;
        this.machine.run({ maxCycles: this.watchdogCycles });
      }
    } finally {
      this.contexts.pop();
    }
  }

  /** Processor exceptions raised by guest code: the kernel's trap handlers. */
  private onException(ev: InterruptEvent): boolean {
    if (ev.vector >= 32) {
      if (ev.software) return false;
      const leave = this.isolation?.enterKernel();
      try {
        return this.irq.handleVector(ev.vector);
      } finally {
        leave?.();
      }
    }
    const isolated = this.isolation?.exception(ev);
    if (isolated) throw isolated;
    const cpu = this.machine.cpu;
    const what = EXCEPTION_NAMES[ev.vector] ?? `exception ${ev.vector}`;
    let reason: string;
    if (ev.vector === 14) {
      const addr = ev.cr2 ?? cpu.cr2;
      reason = (addr >>> 0) < PAGE_SIZE
        ? `Unable to handle kernel NULL pointer dereference at virtual address ${(addr >>> 0).toString(16).padStart(8, '0')}`
        : `Unable to handle kernel paging request at virtual address ${(addr >>> 0).toString(16).padStart(8, '0')}`;
    } else if (ev.vector === 6) {
      reason = `invalid operand: ${ev.message}`;
    } else {
      reason = `${what}: ${ev.message}`;
    }
    const kind: CrashKind = this.context === 'interrupt' || this.context === 'softirq' ? 'panic' : 'oops';
    throw this.crash(kind, reason, { eip: ev.eip, vector: ev.vector, errorCode: ev.errorCode });
  }

  /** Builds a crash report, records it, and returns the error to throw. */
  crash(kind: CrashKind, reason: string, at: { eip?: number; vector?: number; errorCode?: number; caller?: number }): Error {
    if (kind !== 'hang' && this.isolation) {
      // The kernel found its data or its arguments broken while serving an isolated extension's
      // call: Nooks' wrapper catches it as that extension's failure.
      const isolated = this.isolation.kernelError(new KernelBug(reason), reason);
      if (isolated) return isolated;
    }
    const report = this.describeFault(kind, reason, at);
    for (const line of formatCrashReport(report).split('\n')) this.printk(`<0>${line}\n`);
    report.log = this.log.tail(40);
    this.crashes.push(report);
    if (kind === 'panic') {
      this.dead = report;
      return new KernelPanic(report);
    }
    if (kind === 'hang') {
      this.dead = report;
      return new KernelHang(report);
    }
    return new Oops(report);
  }

  /**
   * The report of a fault at the current CPU state (registers, EIP symbolised, the faulting
   * instruction, the call trace) without acting on it: crash() records it and applies Linux's
   * semantics; the isolation manager uses it for an extension's failure.
   */
  describeFault(kind: CrashKind, reason: string, at: { eip?: number; vector?: number; errorCode?: number; caller?: number }): CrashReport {
    const cpu = this.machine.cpu;
    const eip = at.eip ?? at.caller ?? cpu.eip;
    const report: CrashReport = {
      kind,
      context: this.context,
      reason,
      eip: eip >>> 0,
      location: this.symbolize(eip),
      module: this.moduleAt(eip)?.name ?? (at.caller !== undefined ? this.moduleAt(at.caller)?.name : undefined),
      registers: {
        eax: cpu.regs[0]! >>> 0,
        ecx: cpu.regs[1]! >>> 0,
        edx: cpu.regs[2]! >>> 0,
        ebx: cpu.regs[3]! >>> 0,
        esp: cpu.regs[4]! >>> 0,
        ebp: cpu.regs[5]! >>> 0,
        esi: cpu.regs[6]! >>> 0,
        edi: cpu.regs[7]! >>> 0,
        eip: eip >>> 0,
        eflags: cpu.getEflags(),
        cr2: cpu.cr2 >>> 0,
      },
      stack: this.stackTrace(cpu.regs[4]! >>> 0),
      log: [],
      cycles: this.cycles,
    };
    if (at.vector !== undefined) report.vector = at.vector;
    if (at.errorCode !== undefined) report.errorCode = at.errorCode;
    try {
      const bytes = this.machine.readVirt(eip >>> 0, 16);
      report.instruction = disassembleBytes(bytes, eip >>> 0)[0]?.text;
    } catch {
      // EIP itself is unmapped (a jump into nowhere): nothing to disassemble.
    }
    report.log = this.log.tail(40);
    return report;
  }

  /**
   * The call trace as Linux 2.4's show_trace found it: the words on the stack, from ESP up,
   * that are addresses in module or kernel text, symbolised (innermost first). Frame pointers
   * would miss the caller of a function that faults before building its frame.
   */
  stackTrace(esp: number, maxWords = 512): string[] {
    const out: string[] = [];
    const stub = this.machine.cpu.returnStub >>> 0;
    for (let i = 0; i < maxWords; i++) {
      let w: number;
      try {
        w = this.machine.readVirt32((esp + 4 * i) >>> 0);
      } catch {
        break;
      }
      if (w === stub) break; // the bottom of this extension call
      const m = this.moduleAt(w);
      const inText = m ? m.image.sections.some((s) => s.executable && w >= s.address && w < s.address + s.size) : this.exports.inText(w);
      if (inText) out.push(`[<${w.toString(16).padStart(8, '0')}>] ${this.symbolize(w)}`);
    }
    return out;
  }

  // ---------------------------------------------------------------- modules

  /**
   * insmod: loads a module object and runs its init_module (boot/process context). Returns the
   * module, live. An init_module that fails (non-zero) is unloaded again and throws
   * ModuleLoadError; one that oopses leaves the module 'failed' (as Linux leaves it
   * "initializing") and throws the Oops.
   */
  loadModule(name: string, bytes: Uint8Array, opts: { init?: boolean; params?: Readonly<Record<string, number>> } = {}): KernelModule {
    if (this.modules.has(name)) throw new ModuleLoadError(name, 'a module of that name is already loaded');
    let area: VmArea | undefined;
    let image: LoadedImage;
    try {
      const iso = this.isolation?.isolates(name) ? this.isolation : undefined;
      image = loadModuleImage(name, bytes, {
        resolve: (mod, sym) => iso?.bindImport(mod, sym) ?? this.exports.resolve(mod, sym),
        allocate: (mod, n) => {
          area = this.mm.vmalloc(n, mod, 'module');
          return area.start;
        },
        write: (virt, data) => this.machine.writeVirt(virt, data),
        read32: (virt) => this.machine.readVirt32(virt),
        write32: (virt, v) => this.machine.writeVirt32(virt, v),
      });
    } catch (e) {
      if (area) this.mm.release(area.start);
      throw e;
    }
    // Module parameters (insmod name=value): 32-bit globals of the module set before init.
    for (const [param, value] of Object.entries(opts.params ?? {})) {
      const sym = image.symbols.find((s) => s.name === param && s.kind === 'object');
      if (!sym || sym.size < 4) {
        this.mm.release(area!.start);
        throw new ModuleLoadError(name, `has no parameter ${param} (a 32-bit global variable)`);
      }
      this.machine.writeVirt32(sym.address, value);
    }
    const mod: KernelModule = { name, image, state: 'loading', area: area! };
    this.modules.set(name, mod);
    if (this.isolation?.isolates(name)) this.isolation.moduleLoaded(mod);
    if (opts.init === false) {
      mod.state = 'live';
      return mod;
    }
    const init = image.symbols.find((s) => s.name === 'init_module' && s.global && s.kind === 'function');
    if (!init) {
      this.removeModule(mod);
      throw new ModuleLoadError(name, 'has no init_module function');
    }
    let rc: number;
    try {
      rc = this.call(init.address, [], 'process', 'init_module');
    } catch (e) {
      mod.state = 'failed';
      throw e;
    }
    if (rc !== 0) {
      this.printk(`<3>${name}: init_module: returned ${rc}\n`);
      this.removeModule(mod);
      throw new ModuleLoadError(name, `init_module failed with ${rc}`);
    }
    mod.state = 'live';
    this.printk(`<6>${name}: loaded at 0x${image.base.toString(16)} (${image.size} bytes)\n`);
    return mod;
  }

  /** rmmod: runs cleanup_module (if any) and frees the module's memory. */
  unloadModule(name: string): void {
    const mod = this.modules.get(name);
    if (!mod) throw new KernelUsageError(`no module named ${name} is loaded`);
    if (mod.state === 'failed') throw new KernelUsageError(`${name} failed to initialise and cannot be unloaded (as in Linux: it stays "initializing")`);
    const cleanup = mod.image.symbols.find((s) => s.name === 'cleanup_module' && s.global && s.kind === 'function');
    mod.state = 'unloading';
    if (cleanup) this.call(cleanup.address, [], 'process', 'cleanup_module');
    this.removeModule(mod);
    this.printk(`<6>${name}: unloaded\n`);
  }

  /** Frees a module's image and forgets it (rmmod's last step; the recovery manager's unload). */
  removeModule(mod: KernelModule): void {
    if (this.isolation?.isolates(mod.name)) this.isolation.moduleRemoved(mod);
    this.mm.release(mod.area.start);
    this.modules.delete(mod.name);
  }

  /** What an owner (module name) still holds: memory pages, slab objects, vmalloc areas. */
  resourcesOf(owner: string): ModuleResources {
    const mod = this.modules.get(owner);
    return {
      pages: this.pages.pagesOwnedBy(owner),
      slabObjects: this.slab.liveObjectsOf(owner).length + [...this.extraHeaps].reduce((n, h) => n + h.liveObjectsOf(owner).length, 0),
      vmAreas: this.mm.areasOf(owner).length,
      irqs: this.irq.irqsOf(owner).length,
      skbs: this.net.skbsOf(owner).length,
      netDevices: this.net.devicesOf(owner).length,
      regions: this.pci.regionsOf(owner).length,
      timers: mod ? this.irq.timersIn(mod.image.base, mod.image.base + mod.image.size).length : 0,
    };
  }
}
