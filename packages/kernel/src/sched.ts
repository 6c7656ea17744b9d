// Tasks and the scheduler. Workload programs are TypeScript generators that make system calls;
// a task's kernel side can call into extension code, and extension code running for a task
// can block (schedule(), down(), sleep_on...). JavaScript cannot suspend a call stack, so a
// task's calls into extensions run at the top level of the simulation loop, never nested in a
// JavaScript call: the task yields a request, the scheduler runs the CPU on the task's kernel
// stack until the extension returns, and if the extension blocks inside a kernel function,
// that function raises TaskSuspend; the scheduler saves the task's registers (EIP at the
// host stub's `ret`) and runs something else. Waking the task restores its registers, sets
// EAX to the kernel function's result and carries on where it stopped.
//
// Extension code called from a nested context (an interrupt handler, a kernel function called
// by another extension) cannot block: asking to is a bug, as "scheduling while atomic" is in
// Linux, and is reported as such.

import type { Machine } from '@nooks/x86';

/** What a task program yields: a request the scheduler carries out. */
export type TaskRequest =
  | { readonly type: 'guest'; readonly addr: number; readonly args: readonly number[] }
  | { readonly type: 'sleep'; readonly cycles: number }
  | { readonly type: 'wait'; readonly queue: WaitQueue; readonly condition: () => boolean }
  | { readonly type: 'yield' };

/** A task program: runs as a generator; each yielded request resumes with its result. */
export type TaskProgram = Generator<TaskRequest, number, number>;

export type TaskState = 'runnable' | 'blocked' | 'exited' | 'killed';

/** Registers of a task suspended inside extension code. */
interface SavedContext {
  regs: Int32Array;
  eip: number;
  eflags: number;
  /** ESP just after the return stub's slot: where the extension call returns to. */
  callEsp: number;
}

/** Thrown by a blocking kernel function called from extension code in task context. */
export class TaskSuspend extends Error {
  override readonly name = 'TaskSuspend';
  constructor(
    /** Resumes when this returns true (checked whenever the task is woken or time passes). */
    readonly ready: () => boolean,
    /** The value the kernel function returns (EAX) once ready. */
    readonly result: () => number,
    readonly queue: WaitQueue | undefined,
    /** Wake no later than this cycle (schedule_timeout), or Infinity. */
    readonly deadline: number,
  ) {
    super('task suspended in kernel');
  }
}

/** A wait queue (wait_queue_head_t's kernel side): tasks blocked on it are woken together. */
export class WaitQueue {
  readonly waiters = new Set<Task>();
  constructor(readonly name: string) {}
}

export class Task {
  state: TaskState = 'runnable';
  exitCode = 0;
  /** Why the task was killed (an oops in its context). */
  killedBy: string | undefined;
  /** Value to send into the generator at the next step. */
  resumeValue = 0;
  /** The request it is blocked on. */
  blockedOn: { ready: () => boolean; deadline: number; queue: WaitQueue | undefined; result: () => number; inGuest: boolean } | undefined;
  /** Registers when suspended inside extension code; undefined when not in an extension call. */
  saved: SavedContext | undefined;
  /** In an extension call that has not returned (running or suspended). */
  inGuestCall = false;
  constructor(
    readonly pid: number,
    readonly name: string,
    readonly program: TaskProgram,
    /** Top of its 8 KiB kernel stack (kernel virtual address). */
    readonly stackTop: number,
    /** Its page directory (user address space + the kernel half), loaded into CR3 when it runs. */
    readonly pgd: number,
  ) {}
}

/** What the scheduler needs from the rest of the kernel. */
export interface SchedulerHost {
  readonly machine: Machine;
  /** Current simulated time (cycles). */
  now(): number;
  /** Runs the CPU from its current state at the top level until the return stub (or a stop). Returns the stop reason. */
  runGuest(task: Task): 'return' | 'suspended' | 'killed';
  /** Called when a task dies by an oops. */
  onTaskKilled?(task: Task, reason: string): void;
  /**
   * A task's call of extension code that the kernel routes elsewhere (an isolated extension's
   * wrapper): returns EAX, or undefined to run the call on the task's stack as usual.
   */
  callIsolated?(task: Task, addr: number, args: readonly number[]): number | undefined;
  /** Charges a switch between tasks to the CPU. */
  onContextSwitch?(): void;
}

export class Scheduler {
  readonly tasks: Task[] = [];
  private nextPid = 1;
  current: Task | null = null;
  /** The task that ran last (a switch away from it costs a context switch). */
  private last: Task | null = null;
  private readonly runQueue: Task[] = [];

  constructor(private readonly host: SchedulerHost) {}

  spawn(name: string, program: TaskProgram, stackTop: number, pgd: number): Task {
    const t = new Task(this.nextPid++, name, program, stackTop, pgd);
    this.tasks.push(t);
    this.runQueue.push(t);
    return t;
  }

  /** Wakes every task waiting on a queue (wake_up). */
  wakeUp(queue: WaitQueue): void {
    for (const t of queue.waiters) this.makeRunnable(t);
  }

  private makeRunnable(t: Task): void {
    if (t.state !== 'blocked') return;
    t.state = 'runnable';
    if (!this.runQueue.includes(t)) this.runQueue.push(t);
  }

  /** The earliest deadline among blocked tasks (for the idle loop), or Infinity. */
  nextDeadline(): number {
    let d = Infinity;
    for (const t of this.tasks) if (t.state === 'blocked' && t.blockedOn) d = Math.min(d, t.blockedOn.deadline);
    return d;
  }

  /** Wakes blocked tasks whose condition holds or whose deadline passed. */
  poll(): void {
    const now = this.host.now();
    for (const t of this.tasks) {
      if (t.state !== 'blocked' || !t.blockedOn) continue;
      if (t.blockedOn.deadline <= now || t.blockedOn.ready()) this.makeRunnable(t);
    }
  }

  get runnable(): boolean {
    return this.runQueue.length > 0;
  }

  get alive(): Task[] {
    return this.tasks.filter((t) => t.state === 'runnable' || t.state === 'blocked');
  }

  /** Runs the next runnable task until it blocks, yields or exits. False when nothing was runnable. */
  step(): boolean {
    this.poll();
    const t = this.runQueue.shift();
    if (!t) return false;
    if (this.last !== t) this.host.onContextSwitch?.();
    this.last = t;
    this.current = t;
    try {
      this.advance(t);
    } finally {
      this.current = null;
    }
    return true;
  }

  private advance(t: Task): void {
    // Resume inside an extension call first, if it was suspended there.
    if (t.blockedOn?.inGuest) {
      const value = t.blockedOn.result();
      t.blockedOn = undefined;
      this.restore(t, value);
      if (!this.continueGuest(t)) return;
    } else if (t.blockedOn) {
      t.resumeValue = t.blockedOn.result();
      t.blockedOn = undefined;
    }
    for (;;) {
      const r: IteratorResult<TaskRequest, number> = t.program.next(t.resumeValue);
      if (r.done) {
        t.state = 'exited';
        t.exitCode = r.value;
        return;
      }
      const req = r.value;
      switch (req.type) {
        case 'yield':
          t.resumeValue = 0;
          this.runQueue.push(t);
          return;
        case 'sleep': {
          const until = this.host.now() + req.cycles;
          this.block(t, { ready: () => false, deadline: until, queue: undefined, result: () => 0, inGuest: false });
          return;
        }
        case 'wait':
          if (req.condition()) {
            t.resumeValue = 0;
            continue;
          }
          this.block(t, { ready: req.condition, deadline: Infinity, queue: req.queue, result: () => 0, inGuest: false });
          return;
        case 'guest': {
          const isolated = this.host.callIsolated?.(t, req.addr, req.args);
          if (isolated !== undefined) {
            // An isolated extension: called through its wrapper (an XPC), synchronously.
            if ((t.state as TaskState) === 'killed') return;
            t.resumeValue = isolated;
            continue;
          }
          this.enterGuest(t, req.addr, req.args);
          if (!this.continueGuest(t)) return;
          break;
        }
      }
    }
  }

  private block(t: Task, on: NonNullable<Task['blockedOn']>): void {
    t.state = 'blocked';
    t.blockedOn = on;
    on.queue?.waiters.add(t);
  }

  /** Sets up a top-level call into extension code on the task's kernel stack. */
  private enterGuest(t: Task, addr: number, args: readonly number[]): void {
    const cpu = this.host.machine.cpu;
    if (cpu.cr3 !== t.pgd) cpu.setCr3(t.pgd);
    cpu.regs[4] = t.stackTop;
    for (let i = args.length - 1; i >= 0; i--) cpu.push32(args[i]! | 0);
    t.saved = { regs: new Int32Array(8), eip: 0, eflags: 0, callEsp: cpu.regs[4]! };
    cpu.push32(cpu.returnStub);
    cpu.eip = addr | 0;
    cpu.setEflags(cpu.getEflags() | 0x200);
    t.inGuestCall = true;
  }

  /** Runs the task's extension call; true when it returned (EAX is the generator's next value). */
  private continueGuest(t: Task): boolean {
    const outcome = this.host.runGuest(t);
    if (outcome === 'return') {
      t.inGuestCall = false;
      t.resumeValue = this.host.machine.cpu.regs[0]!;
      t.saved = undefined;
      return true;
    }
    if (outcome === 'killed') {
      t.inGuestCall = false;
      t.saved = undefined;
      return false;
    }
    return false; // suspended: saved by suspendInGuest
  }

  /** Called by runGuest's host when a kernel function raised TaskSuspend in the task's extension call. */
  suspendInGuest(t: Task, s: TaskSuspend): void {
    const cpu = this.host.machine.cpu;
    const saved = t.saved!;
    saved.regs.set(cpu.regs);
    saved.eip = cpu.eip;
    saved.eflags = cpu.getEflags();
    this.block(t, { ready: s.ready, deadline: s.deadline, queue: s.queue, result: s.result, inGuest: true });
  }

  private restore(t: Task, eax: number): void {
    const cpu = this.host.machine.cpu;
    if (cpu.cr3 !== t.pgd) cpu.setCr3(t.pgd);
    const saved = t.saved!;
    cpu.regs.set(saved.regs);
    cpu.regs[0] = eax;
    cpu.eip = saved.eip;
    cpu.setEflags(saved.eflags);
  }

  /** Kills a task (after an oops in its context). */
  kill(t: Task, reason: string): void {
    t.state = 'killed';
    t.killedBy = reason;
    t.inGuestCall = false;
    t.saved = undefined;
    t.blockedOn?.queue?.waiters.delete(t);
    t.blockedOn = undefined;
    const i = this.runQueue.indexOf(t);
    if (i >= 0) this.runQueue.splice(i, 1);
    this.host.onTaskKilled?.(t, reason);
  }
}
