// Simulated time. The CPU's cycle counter is the clock of the whole simulation (1.7 GHz); device
// events are scheduled at absolute cycle times in one queue, ordered by time and then by the
// order in which they were scheduled, so a run is deterministic. The queue keeps the CPU's
// `deadline` at its earliest event, so due events run at the next block boundary at any nesting
// of guest calls; when the CPU is idle (halted), `advanceIdle` jumps the clock to the next event
// and counts the skipped cycles as idle time, which gives CPU utilisation = busy / elapsed.

import { CLOCK_HZ } from '@nooks/x86';

import { ClockError } from './errors.js';

/** What the clock needs of the processor (`@nooks/x86`'s Cpu has all of it). */
export interface ClockCpu {
  /** Cycles retired so far: the simulation clock at block boundaries. */
  cycles: number;
  /** The cycle count at which the CPU calls onDeadline (at the next block boundary). */
  deadline: number;
  onDeadline: (() => void) | null;
  /** The clock as of the instruction being executed (exact inside a block, e.g. from a port handler). */
  now(): number;
  /** The CPU executed hlt and waits for an interrupt (it is then between blocks: `cycles` is exact). */
  readonly halted: boolean;
}

/** Called with the time the event was scheduled for (the current time may be a little later). */
export type TimerCallback = (time: number) => void;

export interface ClockOptions {
  /**
   * Events one `runDue` may run before it concludes that a device keeps rescheduling itself
   * without letting time advance. Default 1,000,000.
   */
  maxEventsPerRun?: number;
}

export interface ClockStats {
  /** Cycles since the accounting started (construction or resetAccounting). */
  elapsed: number;
  /** Of those, cycles skipped by advanceIdle while the CPU had nothing to do. */
  idle: number;
  busy: number;
  /** busy / elapsed (0 when nothing elapsed). */
  utilisation: number;
  /** Events run since the accounting started. */
  events: number;
}

/** Converts simulated seconds to cycles (rounded to the nearest cycle). */
export function secondsToCycles(seconds: number): number {
  return Math.round(seconds * CLOCK_HZ);
}

export function cyclesToSeconds(cycles: number): number {
  return cycles / CLOCK_HZ;
}

/**
 * A reusable event: one callback that can be (re)scheduled and cancelled any number of times
 * without allocating. Devices own one per thing they wait for (a timer channel, a DMA
 * completion, a frame on the wire).
 */
export class Timer {
  /** Absolute cycle time it is scheduled for (Infinity when not pending). */
  time = Infinity;
  /** Insertion sequence: orders events scheduled for the same cycle. */
  seq = 0;
  /** Position in the clock's heap, -1 when not pending. */
  index = -1;

  constructor(
    readonly clock: Clock,
    readonly callback: TimerCallback,
    readonly name: string,
  ) {}

  get pending(): boolean {
    return this.index >= 0;
  }

  /** Schedules (or reschedules) the event at absolute cycle `time`. */
  schedule(time: number): this {
    this.clock.schedule(this, time);
    return this;
  }

  /** Schedules the event `delay` cycles from now. */
  scheduleIn(delay: number): this {
    this.clock.schedule(this, this.clock.now() + delay);
    return this;
  }

  /** Cancels the event; true if it was pending. */
  cancel(): boolean {
    return this.clock.cancel(this);
  }
}

export class Clock {
  static readonly HZ = CLOCK_HZ;

  private readonly heap: Timer[] = [];
  private nextSeq = 0;
  private idle = 0;
  private startCycles: number;
  private eventsRun = 0;
  private readonly maxEventsPerRun: number;
  private attached = true;

  constructor(
    readonly cpu: ClockCpu,
    options: ClockOptions = {},
  ) {
    if (cpu.onDeadline !== null) {
      throw new ClockError('CLOCK_DEADLINE_IN_USE', 'the CPU already has an onDeadline hook (another Clock?); one Clock owns the CPU deadline, schedule every event through it');
    }
    this.maxEventsPerRun = options.maxEventsPerRun ?? 1_000_000;
    this.startCycles = cpu.cycles;
    cpu.onDeadline = () => {
      this.runDue();
    };
    cpu.deadline = Infinity;
  }

  /** The current simulated time in cycles (exact also from inside a block: port/MMIO handlers, host calls). */
  now(): number {
    // A halted CPU is between blocks, where `cycles` is exact (cpu.now() looks at the last
    // block executed, which it may count twice once that block has retired).
    const cpu = this.cpu;
    return cpu.halted ? cpu.cycles : cpu.now();
  }

  /** A reusable event with `callback` (not scheduled yet). */
  timer(callback: TimerCallback, name = 'timer'): Timer {
    return new Timer(this, callback, name);
  }

  /** Schedules a one-shot callback at absolute cycle `time`; returns its Timer (for cancel). */
  at(time: number, callback: TimerCallback, name = 'event'): Timer {
    return this.timer(callback, name).schedule(time);
  }

  /** Schedules a one-shot callback `delay` cycles from now. */
  after(delay: number, callback: TimerCallback, name = 'event'): Timer {
    return this.timer(callback, name).scheduleIn(delay);
  }

  /** Schedules or reschedules `timer` at absolute cycle `time` (it then sorts after every event already scheduled for that cycle). */
  schedule(timer: Timer, time: number): void {
    if (timer.clock !== this) throw new ClockError('CLOCK_TIME_INVALID', `timer '${timer.name}' belongs to another Clock`);
    if (!Number.isFinite(time) || time < 0) {
      throw new ClockError('CLOCK_TIME_INVALID', `cannot schedule '${timer.name}' at ${time}: event times are finite, non-negative cycle counts`);
    }
    if (timer.index >= 0) this.remove(timer);
    timer.time = time;
    timer.seq = this.nextSeq++;
    timer.index = this.heap.length;
    this.heap.push(timer);
    this.up(timer.index);
    this.arm();
  }

  /** Cancels a pending event; false if it was not pending. */
  cancel(timer: Timer): boolean {
    if (timer.index < 0 || this.heap[timer.index] !== timer) return false;
    this.remove(timer);
    this.arm();
    return true;
  }

  /** Time of the earliest pending event (Infinity if none). */
  nextEventTime(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.time;
  }

  /** Same as nextEventTime(): the name @nooks/kernel's TimeSource interface uses. */
  nextEvent(): number {
    return this.nextEventTime();
  }

  get pendingCount(): number {
    return this.heap.length;
  }

  /** The pending events in the order they will run (for tests and inspection). */
  pendingEvents(): { name: string; time: number }[] {
    return [...this.heap].sort((a, b) => a.time - b.time || a.seq - b.seq).map((t) => ({ name: t.name, time: t.time }));
  }

  /**
   * Runs every event due at the current time, in (time, sequence) order, including events that
   * those events schedule for times already reached. Returns how many ran. Safe to re-enter (an
   * event may run guest code whose nested run reaches the next deadline).
   */
  runDue(): number {
    let ran = 0;
    const heap = this.heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined || top.time > this.now()) break;
      if (++ran > this.maxEventsPerRun) {
        this.arm();
        throw new ClockError('CLOCK_EVENT_STORM', `more than ${this.maxEventsPerRun} events due at cycle ${this.now()} (last: '${top.name}'): a device keeps rescheduling itself without letting time advance`);
      }
      this.remove(top);
      const time = top.time;
      top.time = Infinity;
      this.arm();
      this.eventsRun++;
      top.callback(time);
    }
    this.arm();
    return ran;
  }

  /**
   * The CPU is idle (halted, or the host has nothing to run): moves the clock forward to the
   * next event, or to `limit` if that comes first, counting the skipped cycles as idle, and runs
   * the events then due. Returns the cycles skipped (0 when an event is already due or there is
   * nothing to wait for and no limit).
   */
  advanceIdle(limit = Infinity): number {
    const now = this.now();
    const target = Math.min(this.nextEventTime(), limit);
    let skipped = 0;
    if (target > now && Number.isFinite(target)) {
      skipped = target - now;
      this.cpu.cycles += skipped;
      this.idle += skipped;
    }
    this.runDue();
    return skipped;
  }

  /** Idles until absolute cycle `time`, running every event on the way. */
  idleUntil(time: number): void {
    while (this.now() < time) this.advanceIdle(time);
    this.runDue();
  }

  get idleCycles(): number {
    return this.idle;
  }

  stats(): ClockStats {
    const elapsed = this.now() - this.startCycles;
    const busy = elapsed - this.idle;
    return { elapsed, idle: this.idle, busy, utilisation: elapsed > 0 ? busy / elapsed : 0, events: this.eventsRun };
  }

  /** Starts a new accounting period at the current time (e.g. after a benchmark's warm-up). */
  resetAccounting(): void {
    this.startCycles = this.now();
    this.idle = 0;
    this.eventsRun = 0;
  }

  /** Gives the CPU's deadline back (pending events stay queued but no longer fire by themselves). */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.cpu.onDeadline = null;
    this.cpu.deadline = Infinity;
  }

  // ------------------------------------------------------------------ heap

  /** Keeps the CPU's deadline at the earliest event. */
  private arm(): void {
    if (this.attached) this.cpu.deadline = this.heap.length === 0 ? Infinity : this.heap[0]!.time;
  }

  private remove(timer: Timer): void {
    const heap = this.heap;
    const i = timer.index;
    const last = heap.pop()!;
    timer.index = -1;
    if (last !== timer) {
      heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  private static before(a: Timer, b: Timer): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private up(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!Clock.before(t, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = t;
    t.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && Clock.before(heap[r]!, heap[l]!) ? r : l;
      const child = heap[c]!;
      if (!Clock.before(child, t)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = t;
    t.index = i;
  }
}
