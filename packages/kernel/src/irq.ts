// Interrupts, bottom halves and time: the kernel's side of the 8259 PIC and 8254 PIT (which it
// programs through I/O ports, as Linux 2.4's init_8259A and time_init do), request_irq and the
// interrupt path (handlers run in interrupt context with interrupts off, then the PIC gets its
// EOI), softirqs with tasklets and the timer list, and jiffies.
//
// Pending timers are linked through their own `struct timer_list.list` in the extension's
// memory, on a list whose head is kernel memory, and the timer code walks that list in memory
// with Linux's list-debugging checks. A wild write that breaks a pending timer's links is
// therefore found when the kernel next walks the list (a panic), not silently.

import { PageFaultError } from '@nooks/x86';
import type { Machine } from '@nooks/x86';
import { timer_list } from './generated/layouts.js';
import type { MemoryAccess } from './generated/layouts.js';
import type { Kernel } from './kernel.js';

/** Vector of IRQ 0, as Linux programs the master PIC (FIRST_EXTERNAL_VECTOR). */
export const IRQ_VECTOR_BASE = 0x20;
export const NR_IRQS = 16;
/** The 8254's input clock and Linux 2.4's LATCH for HZ=100. */
export const PIT_HZ = 1_193_182;
export const LATCH = Math.round(PIT_HZ / 100);

/** request_irq flags (Linux 2.4). */
export const SA_INTERRUPT = 0x20000000;
export const SA_SHIRQ = 0x04000000;

interface IrqAction {
  handler: number;
  devId: number;
  flags: number;
  name: string;
  owner: string;
}

/** The MMU as the generated layout accessors want it (faults are PageFaultError). */
export function kernelMemory(machine: Machine): MemoryAccess {
  return {
    read8: (a) => machine.readVirt(a >>> 0, 1)[0]!,
    read16: (a) => {
      const b = machine.readVirt(a >>> 0, 2);
      return b[0]! | (b[1]! << 8);
    },
    read32: (a) => machine.readVirt32(a >>> 0),
    write8: (a, v) => machine.writeVirt(a >>> 0, Uint8Array.of(v & 0xff)),
    write16: (a, v) => machine.writeVirt(a >>> 0, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff)),
    write32: (a, v) => machine.writeVirt32(a >>> 0, v),
  };
}

export class Interrupts {
  private readonly actions: IrqAction[][] = Array.from({ length: NR_IRQS }, () => []);
  private readonly disableDepth = new Int32Array(NR_IRQS);
  /** Interrupts taken per IRQ (/proc/interrupts). */
  readonly counts = new Array<number>(NR_IRQS).fill(0);
  private picMask = 0xffff;
  /** Whether the platform has an 8259 the kernel programmed. */
  private pic = false;
  private inInterrupt = 0;
  private readonly tasklets: number[] = [];
  private readonly hiTasklets: number[] = [];
  private timerSoftirq = false;
  /** Kernel virtual address of jiffies and of the pending-timer list head. */
  readonly jiffiesAddr: number;
  readonly timerListHead: number;
  private readonly mem: MemoryAccess;

  constructor(
    private readonly k: Kernel,
    dataArea: number,
  ) {
    this.mem = kernelMemory(k.machine);
    this.jiffiesAddr = dataArea;
    this.timerListHead = dataArea + 8;
    this.mem.write32(this.jiffiesAddr, 0);
    this.mem.write32(this.timerListHead, this.timerListHead);
    this.mem.write32(this.timerListHead + 4, this.timerListHead);
  }

  get jiffies(): number {
    return this.mem.read32(this.jiffiesAddr) >>> 0;
  }

  /**
   * Programs the 8259 pair (ICW1-4: edge triggered, vectors 0x20/0x28, cascade on IRQ2, 8086
   * mode; everything masked but the cascade) and the 8254's channel 0 as a rate generator at
   * HZ, as Linux 2.4 boots. The timer IRQ is the kernel's own.
   */
  initPlatform(): void {
    const out = (port: number, v: number): void => this.k.machine.cpu.portOut(port, 1, v);
    out(0x21, 0xff);
    out(0xa1, 0xff);
    out(0x20, 0x11);
    out(0x21, IRQ_VECTOR_BASE);
    out(0x21, 0x04);
    out(0x21, 0x01);
    out(0xa0, 0x11);
    out(0xa1, IRQ_VECTOR_BASE + 8);
    out(0xa1, 0x02);
    out(0xa1, 0x01);
    this.pic = true;
    this.picMask = 0xffff;
    this.unmaskIrq(2);
    // PIT channel 0, lobyte/hibyte, mode 2 (rate generator), binary.
    out(0x43, 0x34);
    out(0x40, LATCH & 0xff);
    out(0x40, LATCH >>> 8);
    this.unmaskIrq(0);
  }

  private writeMask(): void {
    if (!this.pic) return;
    this.k.machine.cpu.portOut(0x21, 1, this.picMask & 0xff);
    this.k.machine.cpu.portOut(0xa1, 1, (this.picMask >>> 8) & 0xff);
  }

  private unmaskIrq(irq: number): void {
    this.picMask &= ~(1 << irq);
    if (irq >= 8) this.picMask &= ~(1 << 2);
    this.writeMask();
  }

  private maskIrq(irq: number): void {
    this.picMask |= 1 << irq;
    this.writeMask();
  }

  /** Spurious interrupts seen (IRQ7/IRQ15 with nothing in service). */
  spurious = 0;

  /** Reads the in-service bit of irq from its 8259 (OCW3 read ISR). */
  private inService(irq: number): boolean {
    const cpu = this.k.machine.cpu;
    const port = irq >= 8 ? 0xa0 : 0x20;
    cpu.portOut(port, 1, 0x0b);
    const isr = cpu.portIn(port, 1);
    cpu.portOut(port, 1, 0x0a);
    return (isr & (1 << (irq & 7))) !== 0;
  }

  private eoi(irq: number): void {
    if (!this.pic) return;
    if (irq >= 8) this.k.machine.cpu.portOut(0xa0, 1, 0x20);
    this.k.machine.cpu.portOut(0x20, 1, 0x20);
  }

  // ---------------------------------------------------------------- request_irq & co.

  requestIrq(irq: number, handler: number, flags: number, name: string, devId: number, owner: string): number {
    if (irq < 0 || irq >= NR_IRQS || irq === 0 || irq === 2) return -22; // -EINVAL
    if (handler === 0) return -22;
    const list = this.actions[irq]!;
    if (list.length > 0 && !(flags & SA_SHIRQ && list.every((a) => a.flags & SA_SHIRQ))) return -16; // -EBUSY
    list.push({ handler: handler >>> 0, devId: devId >>> 0, flags, name, owner });
    if (list.length === 1 && this.disableDepth[irq] === 0) this.unmaskIrq(irq);
    return 0;
  }

  freeIrq(irq: number, devId: number): boolean {
    const list = this.actions[irq];
    if (!list) return false;
    const i = list.findIndex((a) => a.devId === devId >>> 0);
    if (i < 0) {
      this.k.printk(`<4>Trying to free free IRQ${irq}\n`);
      return false;
    }
    list.splice(i, 1);
    if (list.length === 0) this.maskIrq(irq);
    return true;
  }

  disableIrq(irq: number): void {
    if (irq < 0 || irq >= NR_IRQS) return;
    if (this.disableDepth[irq]!++ === 0) this.maskIrq(irq);
  }

  enableIrq(irq: number): void {
    if (irq < 0 || irq >= NR_IRQS) return;
    if (this.disableDepth[irq] === 0) {
      this.k.printk(`<4>enable_irq(${irq}) unbalanced\n`);
      return;
    }
    if (--this.disableDepth[irq]! === 0 && this.actions[irq]!.length > 0) this.unmaskIrq(irq);
  }

  /** IRQ lines (and handlers) held by an owner. */
  irqsOf(owner: string): number[] {
    const out: number[] = [];
    this.actions.forEach((list, irq) => {
      for (const a of list) if (a.owner === owner) out.push(irq);
    });
    return out;
  }

  // ---------------------------------------------------------------- the interrupt path

  /** A hardware interrupt vector: true when it is one of the PIC's. */
  handleVector(vector: number): boolean {
    const irq = vector - IRQ_VECTOR_BASE;
    if (irq < 0 || irq >= NR_IRQS) return false;
    const cpu = this.k.machine.cpu;
    if ((irq === 7 || irq === 15) && this.pic && !this.inService(irq)) {
      // A spurious interrupt (the request went away before the acknowledge): no handler and,
      // for IRQ7, no EOI, which could end a real in-service interrupt (i8259A_irq_real).
      this.spurious++;
      if (irq === 15) cpu.portOut(0x20, 1, 0x20);
      return true;
    }
    const savedFlags = cpu.getEflags();
    this.k.charge('irqEntryExit');
    this.counts[irq]!++;
    this.inInterrupt++;
    try {
      this.k.pushContext('interrupt');
      try {
        cpu.setEflags(savedFlags & ~0x200);
        if (irq === 0) {
          this.doTimer();
        } else {
          const list = this.actions[irq]!;
          if (list.length === 0) this.k.printk(`<4>unexpected IRQ trap at vector ${vector.toString(16)}\n`);
          for (const a of [...list]) this.k.call(a.handler, [irq, a.devId, 0], 'interrupt', 'irq_handler_t');
        }
        this.eoi(irq);
      } finally {
        this.k.popContext();
      }
      if (this.inInterrupt === 1) this.doSoftirq();
    } finally {
      this.inInterrupt--;
      cpu.setEflags(savedFlags);
    }
    return true;
  }

  /** The timer interrupt: jiffies++, and the timer softirq. */
  private doTimer(): void {
    this.mem.write32(this.jiffiesAddr, (this.jiffies + 1) >>> 0);
    this.timerSoftirq = true;
    this.k.onTick();
  }

  // ---------------------------------------------------------------- softirqs

  /** Other softirq actions (NET_TX, NET_RX), by name, with their pending flags. */
  private readonly softirqActions = new Map<string, { name: string; pending: boolean; run: () => void }>();

  /** open_softirq: registers a softirq action run in softirq context when raised. */
  openSoftirq(name: string, run: () => void): void {
    this.softirqActions.set(name, { name, pending: false, run });
  }

  /** raise_softirq: marks an action pending; it runs at the next interrupt exit or scheduler pass. */
  raiseSoftirq(name: string): void {
    const a = this.softirqActions.get(name);
    if (a) a.pending = true;
  }

  get softirqPending(): boolean {
    if (this.timerSoftirq || this.tasklets.length > 0 || this.hiTasklets.length > 0) return true;
    for (const a of this.softirqActions.values()) if (a.pending) return true;
    return false;
  }

  /** Runs pending softirqs (HI tasklets, timers, tasklets) in softirq context, interrupts on. */
  doSoftirq(): void {
    if (!this.softirqPending) return;
    const cpu = this.k.machine.cpu;
    const saved = cpu.getEflags();
    this.k.pushContext('softirq');
    try {
      cpu.setEflags(saved | 0x200);
      for (let round = 0; round < 10 && this.softirqPending; round++) {
        this.runTasklets(this.hiTasklets);
        if (this.timerSoftirq) {
          this.timerSoftirq = false;
          this.runTimers();
        }
        for (const a of this.softirqActions.values()) {
          if (!a.pending) continue;
          a.pending = false;
          this.k.charge('softirq');
          try {
            a.run();
          } catch (e) {
            // The kernel's own code followed a bad pointer (e.g. a corrupted sk_buff a driver
            // handed up): in softirq context that is a panic.
            if (e instanceof PageFaultError) throw this.k.crash('panic', `Unable to handle kernel paging request at virtual address ${(e.address >>> 0).toString(16).padStart(8, '0')} (in the ${a.name} softirq)`, {});
            throw e;
          }
        }
        this.runTasklets(this.tasklets);
      }
    } finally {
      this.k.popContext();
      cpu.setEflags(saved);
    }
  }

  // ---------------------------------------------------------------- tasklets
  // struct tasklet_struct (2.4): next @0, state @4, count @8, func @12, data @16.

  taskletInit(t: number, func: number, data: number): void {
    this.mem.write32(t, 0);
    this.mem.write32(t + 4, 0);
    this.mem.write32(t + 8, 0);
    this.mem.write32(t + 12, func);
    this.mem.write32(t + 16, data);
  }

  taskletSchedule(t: number, hi: boolean): void {
    const state = this.mem.read32(t + 4);
    if (state & 1) return; // TASKLET_STATE_SCHED
    this.mem.write32(t + 4, state | 1);
    (hi ? this.hiTasklets : this.tasklets).push(t >>> 0);
  }

  taskletKill(t: number): void {
    for (const q of [this.tasklets, this.hiTasklets]) {
      const i = q.indexOf(t >>> 0);
      if (i >= 0) q.splice(i, 1);
    }
    this.mem.write32(t + 4, 0);
  }

  private runTasklets(queue: number[]): void {
    const batch = queue.splice(0, queue.length);
    for (const t of batch) {
      const count = this.mem.read32(t + 8) | 0;
      if (count !== 0) {
        queue.push(t); // disabled: retry later
        continue;
      }
      this.mem.write32(t + 4, this.mem.read32(t + 4) & ~1);
      this.k.charge('softirq');
      this.k.call(this.mem.read32(t + 12), [this.mem.read32(t + 16)], 'softirq', 'tasklet_struct.func');
    }
  }

  // ---------------------------------------------------------------- timers

  /** Checks a list_head's links as Linux's CONFIG_DEBUG_LIST does; a broken list is a BUG (panic). */
  private checkLinks(entry: number, where: string): void {
    const next = this.mem.read32(entry) >>> 0;
    const prev = this.mem.read32(entry + 4) >>> 0;
    if (this.mem.read32(next + 4) >>> 0 !== entry || this.mem.read32(prev) >>> 0 !== entry) {
      throw this.k.crash('panic', `list corruption in ${where}: entry ${entry.toString(16)} has next ${next.toString(16)} (whose prev is ${(this.mem.read32(next + 4) >>> 0).toString(16)}), prev ${prev.toString(16)} (whose next is ${(this.mem.read32(prev) >>> 0).toString(16)})`, {});
    }
  }

  timerPending(t: number): boolean {
    const next = this.mem.read32(timer_list.addr_list(t)) >>> 0;
    return next !== 0;
  }

  addTimer(t: number): void {
    if (this.timerPending(t)) {
      throw this.k.crash('panic', `kernel BUG at timer.c: add_timer of a pending timer ${(t >>> 0).toString(16)}`, {});
    }
    const head = this.timerListHead;
    const last = this.mem.read32(head + 4) >>> 0;
    this.mem.write32(t, head);
    this.mem.write32(t + 4, last);
    this.mem.write32(last, t);
    this.mem.write32(head + 4, t);
  }

  delTimer(t: number): boolean {
    if (!this.timerPending(t)) return false;
    this.checkLinks(t >>> 0, 'del_timer');
    const next = this.mem.read32(t) >>> 0;
    const prev = this.mem.read32(t + 4) >>> 0;
    this.mem.write32(prev, next);
    this.mem.write32(next + 4, prev);
    this.mem.write32(t, 0);
    this.mem.write32(t + 4, 0);
    return true;
  }

  modTimer(t: number, expires: number): boolean {
    const was = this.delTimer(t);
    timer_list.set_expires(this.mem, t, expires);
    this.addTimer(t);
    return was;
  }

  /** Pending timers (addresses), walking the list in memory. */
  pendingTimers(): number[] {
    const out: number[] = [];
    const head = this.timerListHead;
    let cur = this.mem.read32(head) >>> 0;
    for (let guard = 0; cur !== head; guard++) {
      if (guard > 100_000) throw this.k.crash('panic', 'list corruption: the timer list does not come back to its head', {});
      this.checkLinks(cur, 'run_timer_list');
      out.push(cur);
      cur = this.mem.read32(cur) >>> 0;
    }
    return out;
  }

  /** Timers whose expiry has come, in list order: removed, then their functions run. */
  private runTimers(): void {
    const now = this.jiffies;
    for (const t of this.pendingTimers()) {
      const expires = timer_list.get_expires(this.mem, t);
      if (((now - expires) | 0) < 0) continue;
      this.delTimer(t);
      this.k.charge('softirq');
      this.k.call(timer_list.get_function(this.mem, t), [timer_list.get_data(this.mem, t)], 'softirq', 'timer_list.function');
    }
  }

  /** Timers owned by module code (their function lies in the module), for leak checks. */
  timersIn(start: number, end: number): number[] {
    return this.pendingTimers().filter((t) => {
      const f = timer_list.get_function(this.mem, t);
      return (t >= start && t < end) || (f >= start && f < end);
    });
  }
}

export function registerIrqExports(k: Kernel, irq: Interrupts): void {
  k.defineExport('request_irq', (call) => {
    const name = call.arg(3) ? k.machine.readCString(call.arg(3) >>> 0, 64) : '?';
    return irq.requestIrq(call.arg(0) | 0, call.arg(1), call.arg(2) | 0, name, call.arg(4), k.ownerOf(call.returnAddress));
  });
  k.defineExport('free_irq', (call) => {
    irq.freeIrq(call.arg(0) | 0, call.arg(1));
    return 0;
  });
  k.defineExport('disable_irq', (call) => {
    irq.disableIrq(call.arg(0) | 0);
    return 0;
  });
  k.defineExport('disable_irq_nosync', (call) => {
    irq.disableIrq(call.arg(0) | 0);
    return 0;
  });
  k.defineExport('enable_irq', (call) => {
    irq.enableIrq(call.arg(0) | 0);
    return 0;
  });
  k.defineExport('tasklet_init', (call) => {
    irq.taskletInit(call.arg(0) >>> 0, call.arg(1) >>> 0, call.arg(2) >>> 0);
    return 0;
  });
  k.defineExport('tasklet_schedule', (call) => {
    irq.taskletSchedule(call.arg(0) >>> 0, false);
    return 0;
  });
  k.defineExport('tasklet_hi_schedule', (call) => {
    irq.taskletSchedule(call.arg(0) >>> 0, true);
    return 0;
  });
  k.defineExport('tasklet_kill', (call) => {
    irq.taskletKill(call.arg(0) >>> 0);
    return 0;
  });
  k.defineExport('init_timer', (call) => {
    const t = call.arg(0) >>> 0;
    k.machine.writeVirt32(t, 0);
    k.machine.writeVirt32(t + 4, 0);
    return 0;
  });
  k.defineExport('add_timer', (call) => {
    irq.addTimer(call.arg(0) >>> 0);
    return 0;
  });
  k.defineExport('mod_timer', (call) => (irq.modTimer(call.arg(0) >>> 0, call.arg(1) >>> 0) ? 1 : 0));
  k.defineExport('del_timer', (call) => (irq.delTimer(call.arg(0) >>> 0) ? 1 : 0));
  k.defineExport('del_timer_sync', (call) => (irq.delTimer(call.arg(0) >>> 0) ? 1 : 0));
  k.defineExport('timer_pending', (call) => (irq.timerPending(call.arg(0) >>> 0) ? 1 : 0));
  k.exports.defineData('jiffies', irq.jiffiesAddr);
}
