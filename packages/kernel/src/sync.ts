// Synchronisation exported to extensions: wait queues, semaphores and spinlocks, with their
// state in the extension's memory in the C layout (struct semaphore, wait_queue_head_t,
// spinlock_t), as Linux 2.4 keeps it. The kernel side of a wait queue (which tasks sleep on
// it) is kept per queue address.
//
// On a uniprocessor Linux 2.4 spin_lock compiles to nothing but preemption is off anyway;
// here spin_lock/spin_unlock are real calls that keep the lock word, so a lock taken twice (a
// deadlock on SMP, a bug on UP) is detected and reported as a hang, and a missing unlock can
// be seen by the fault injector's synchronisation faults.

import type { Kernel } from './kernel.js';
import { CYCLES_PER_TICK } from './kernel.js';
import { WaitQueue } from './sched.js';

/** struct semaphore (i386 2.4): atomic_t count @0, int sleepers @4, wait_queue_head_t wait @8 (lock @8, task_list @12). */
const SEM_COUNT = 0;
const SEM_SLEEPERS = 4;
const SEM_WAIT = 8;
/** wait_queue_head_t: spinlock_t lock @0, struct list_head task_list @4 (next @4, prev @8). */
const WQ_LIST = 4;
const SPIN_UNLOCKED = 1;

export function registerSyncExports(k: Kernel): void {
  const m = k.machine;
  const queues = new Map<number, WaitQueue>();
  const queueAt = (addr: number): WaitQueue => {
    let q = queues.get(addr >>> 0);
    if (!q) {
      q = new WaitQueue(`wq@${(addr >>> 0).toString(16)}`);
      queues.set(addr >>> 0, q);
    }
    return q;
  };
  const initQueueHead = (addr: number): void => {
    m.writeVirt32(addr, SPIN_UNLOCKED);
    m.writeVirt32(addr + WQ_LIST, addr + WQ_LIST);
    m.writeVirt32(addr + WQ_LIST + 4, addr + WQ_LIST);
    queueAt(addr).waiters.clear();
  };
  /** Sleepers of sleep_on-style waits, per queue address: each is woken by the next wake_up. */
  const sleepers = new Map<number, Set<{ woken: boolean }>>();
  /** wake_up: marks the queue's sleepers woken and makes every task waiting on it runnable. */
  const wake = (addr: number): void => {
    for (const s of sleepers.get(addr >>> 0) ?? []) s.woken = true;
    const q = queues.get(addr >>> 0);
    if (q) k.scheduler.wakeUp(q);
  };
  /** sleep_on: sleeps until the next wake_up on the queue (or the timeout, in ticks, if >= 0). Returns 1 when woken. */
  const sleepOn = (addr: number, where: string, timeoutTicks: number): number => {
    const entry = { woken: false };
    let set = sleepers.get(addr >>> 0);
    if (!set) {
      set = new Set();
      sleepers.set(addr >>> 0, set);
    }
    set.add(entry);
    const deadline = timeoutTicks >= 0 ? k.cycles + timeoutTicks * CYCLES_PER_TICK : Infinity;
    return k.sleep(
      where,
      () => entry.woken,
      () => {
        set.delete(entry);
        return entry.woken ? 1 : 0;
      },
      deadline,
      queueAt(addr),
    );
  };

  k.defineExport('init_waitqueue_head', (call) => {
    initQueueHead(call.arg(0) >>> 0);
    return 0;
  });
  for (const name of ['__wake_up', 'wake_up', 'wake_up_interruptible']) {
    k.defineExport(name, (call) => {
      wake(call.arg(0) >>> 0);
      return 0;
    });
  }
  k.defineExport('sleep_on', (call) => {
    sleepOn(call.arg(0) >>> 0, 'sleep_on', -1);
    return 0;
  });
  k.defineExport('interruptible_sleep_on', (call) => {
    sleepOn(call.arg(0) >>> 0, 'interruptible_sleep_on', -1);
    return 0;
  });
  // Returns the ticks left (0 on timeout); we report 1 for "woken early".
  k.defineExport('interruptible_sleep_on_timeout', (call) => sleepOn(call.arg(0) >>> 0, 'interruptible_sleep_on_timeout', call.arg(1) | 0));

  // Semaphores: count > 0 means free.
  k.defineExport('sema_init', (call) => {
    const sem = call.arg(0) >>> 0;
    m.writeVirt32(sem + SEM_COUNT, call.arg(1) | 0);
    m.writeVirt32(sem + SEM_SLEEPERS, 0);
    initQueueHead(sem + SEM_WAIT);
    return 0;
  });
  const down = (sem: number, where: string): number => {
    const count = m.readVirt32(sem + SEM_COUNT) | 0;
    if (count > 0) {
      m.writeVirt32(sem + SEM_COUNT, count - 1);
      return 0;
    }
    m.writeVirt32(sem + SEM_SLEEPERS, (m.readVirt32(sem + SEM_SLEEPERS) | 0) + 1);
    const q = queueAt(sem + SEM_WAIT);
    return k.sleep(
      where,
      () => (m.readVirt32(sem + SEM_COUNT) | 0) > 0,
      () => {
        m.writeVirt32(sem + SEM_SLEEPERS, (m.readVirt32(sem + SEM_SLEEPERS) | 0) - 1);
        m.writeVirt32(sem + SEM_COUNT, (m.readVirt32(sem + SEM_COUNT) | 0) - 1);
        return 0;
      },
      Infinity,
      q,
    );
  };
  k.defineExport('down', (call) => down(call.arg(0) >>> 0, 'down'));
  k.defineExport('down_interruptible', (call) => down(call.arg(0) >>> 0, 'down_interruptible'));
  k.defineExport('down_trylock', (call) => {
    const sem = call.arg(0) >>> 0;
    const count = m.readVirt32(sem + SEM_COUNT) | 0;
    if (count <= 0) return 1;
    m.writeVirt32(sem + SEM_COUNT, count - 1);
    return 0;
  });
  k.defineExport('up', (call) => {
    const sem = call.arg(0) >>> 0;
    m.writeVirt32(sem + SEM_COUNT, (m.readVirt32(sem + SEM_COUNT) | 0) + 1);
    wake(sem + SEM_WAIT);
    return 0;
  });

  // Spinlocks (the word is 1 when free, 0 when held, as in 2.4's i386 spinlock_t).
  const lock = (addr: number, where: string, caller: number): void => {
    const v = m.readVirt32(addr);
    if (v !== SPIN_UNLOCKED) {
      // Uniprocessor: nobody else can release it while we spin. A real machine would hang.
      throw k.crash('hang', `${where}: spinlock at ${addr.toString(16).padStart(8, '0')} already held (value ${v.toString(16)}): deadlock`, { caller });
    }
    m.writeVirt32(addr, 0);
  };
  const unlock = (addr: number): void => {
    m.writeVirt32(addr, SPIN_UNLOCKED);
  };
  k.defineExport('spin_lock_init', (call) => {
    m.writeVirt32(call.arg(0) >>> 0, SPIN_UNLOCKED);
    return 0;
  });
  k.defineExport('spin_lock', (call) => {
    lock(call.arg(0) >>> 0, 'spin_lock', call.returnAddress);
    return 0;
  });
  k.defineExport('spin_unlock', (call) => {
    unlock(call.arg(0) >>> 0);
    return 0;
  });
  // spin_lock_irqsave(lock, flags) is a macro in Linux: here a function returning the saved flags.
  k.defineExport('spin_lock_irqsave', (call) => {
    const flags = m.cpu.getEflags();
    m.cpu.setEflags(flags & ~0x200);
    lock(call.arg(0) >>> 0, 'spin_lock_irqsave', call.returnAddress);
    return flags;
  });
  k.defineExport('spin_unlock_irqrestore', (call) => {
    unlock(call.arg(0) >>> 0);
    const flags = call.arg(1);
    m.cpu.setEflags((m.cpu.getEflags() & ~0x200) | (flags & 0x200));
    return 0;
  });
}
