// The kernel functions every module may import: printk, memory allocation, the string and
// memory helpers gcc and drivers call, delays and panic.

import type { Kernel } from './kernel.js';
import { PageFaultError } from '@nooks/x86';
import { KERNEL_COSTS } from './kernel-costs.js';
import { CYCLES_PER_TICK } from './kernel.js';
import { formatC } from './printk.js';

const CYCLES_PER_US = 1700;

export function registerCoreExports(k: Kernel): void {
  const m = k.machine;
  const readString = (addr: number, max: number): string => m.readCString(addr >>> 0, max);
  const varargs = (call: { arg(i: number): number }, first: number): (() => number) => {
    let i = first;
    return () => call.arg(i++);
  };

  k.defineExport('printk', (call) => {
    const text = formatC(readString(call.arg(0), 1024), varargs(call, 1), readString);
    k.printk(text);
    return text.length;
  });
  const sprintf = (dst: number, limit: number, fmt: number, next: () => number): number => {
    const text = formatC(readString(fmt, 4096), next, readString);
    if (limit > 0) {
      const bytes = new Uint8Array(Math.min(text.length, limit - 1) + 1);
      for (let i = 0; i < bytes.length - 1; i++) bytes[i] = text.charCodeAt(i) & 0xff;
      m.writeVirt(dst >>> 0, bytes);
    }
    return text.length;
  };
  k.defineExport('sprintf', (call) => sprintf(call.arg(0), 0x7fffffff, call.arg(1), varargs(call, 2)));
  k.defineExport('snprintf', (call) => sprintf(call.arg(0), call.arg(1) >>> 0, call.arg(2), varargs(call, 3)));

  k.defineExport('kmalloc', (call) => k.slab.kmalloc(call.arg(0) >>> 0, k.ownerOf(call.returnAddress)));
  k.defineExport('kfree', (call) => {
    k.slab.kfree(call.arg(0));
    k.net.forget(call.arg(0)); // 2.4 drivers free their net_device with kfree
    return 0;
  });
  k.defineExport('vmalloc', (call) => {
    try {
      const area = k.mm.vmalloc(call.arg(0) >>> 0, k.ownerOf(call.returnAddress));
      k.charge('vmallocPerPage', area.frames.length * KERNEL_COSTS.vmallocPerPage);
      return area.start;
    } catch {
      return 0;
    }
  });
  k.defineExport('vfree', (call) => {
    const addr = call.arg(0) >>> 0;
    if (addr !== 0 && !k.mm.release(addr)) k.printk(`<3>Trying to vfree() bad address (${addr.toString(16).padStart(8, '0')})\n`);
    return 0;
  });

  // Memory and string helpers (lib/string.c). gcc also emits calls to memcpy/memset itself.
  k.defineExport('memcpy', (call) => {
    const dst = call.arg(0) >>> 0, src = call.arg(1) >>> 0, n = call.arg(2) >>> 0;
    if (n) m.writeVirt(dst, m.readVirt(src, n));
    k.charge('copyPerByte', n * KERNEL_COSTS.copyPerByte);
    return dst;
  });
  k.defineExport('memmove', (call) => {
    const dst = call.arg(0) >>> 0, src = call.arg(1) >>> 0, n = call.arg(2) >>> 0;
    if (n) m.writeVirt(dst, m.readVirt(src, n));
    k.charge('copyPerByte', n * KERNEL_COSTS.copyPerByte);
    return dst;
  });
  k.defineExport('memset', (call) => {
    const dst = call.arg(0) >>> 0, v = call.arg(1) & 0xff, n = call.arg(2) >>> 0;
    if (n) m.writeVirt(dst, new Uint8Array(n).fill(v));
    k.charge('copyPerByte', n * KERNEL_COSTS.copyPerByte);
    return dst;
  });
  k.defineExport('memcmp', (call) => {
    const n = call.arg(2) >>> 0;
    const a = m.readVirt(call.arg(0) >>> 0, n), b = m.readVirt(call.arg(1) >>> 0, n);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  });
  k.defineExport('strlen', (call) => readString(call.arg(0), 1 << 20).length);
  k.defineExport('strcmp', (call) => {
    const a = readString(call.arg(0), 1 << 20), b = readString(call.arg(1), 1 << 20);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  k.defineExport('strncmp', (call) => {
    const n = call.arg(2) >>> 0;
    const a = readString(call.arg(0), n), b = readString(call.arg(1), n);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  k.defineExport('strcpy', (call) => {
    const s = readString(call.arg(1), 1 << 20);
    m.writeVirt(call.arg(0) >>> 0, Uint8Array.from([...s].map((c) => c.charCodeAt(0)).concat(0)));
    return call.arg(0);
  });
  k.defineExport('strncpy', (call) => {
    const n = call.arg(2) >>> 0;
    const s = readString(call.arg(1), n);
    const out = new Uint8Array(n);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    if (n) m.writeVirt(call.arg(0) >>> 0, out);
    return call.arg(0);
  });

  // Busy-wait delays: the CPU spins, so the time is charged to it.
  k.defineExport('udelay', (call) => {
    k.charge('busyWait', (call.arg(0) >>> 0) * CYCLES_PER_US);
    return 0;
  });
  k.defineExport('mdelay', (call) => {
    k.charge('busyWait', (call.arg(0) >>> 0) * 1000 * CYCLES_PER_US);
    return 0;
  });
  // User memory: copy_from_user/copy_to_user return the number of bytes NOT copied, as in Linux.
  const USER_TOP = 0xc000_0000;
  const copyUser = (dst: number, src: number, n: number, toUser: boolean): number => {
    const user = toUser ? dst : src;
    if (n === 0) return 0;
    if (user >>> 0 >= USER_TOP || (user >>> 0) + n > USER_TOP) return n; // access_ok failed
    let done = 0;
    while (done < n) {
      const chunk = Math.min(n - done, 0x1000 - (((user >>> 0) + done) & 0xfff));
      try {
        const bytes = m.readVirt((src + done) >>> 0, chunk);
        m.writeVirt((dst + done) >>> 0, bytes);
      } catch (e) {
        if (e instanceof PageFaultError && (e.address >>> 0) < USER_TOP) return n - done; // the fixup: a fault on the user side
        throw e;
      }
      done += chunk;
      k.charge('copyPerByte', chunk * KERNEL_COSTS.copyPerByte);
    }
    return 0;
  };
  k.defineExport('copy_from_user', (call) => copyUser(call.arg(0) >>> 0, call.arg(1) >>> 0, call.arg(2) >>> 0, false));
  k.defineExport('copy_to_user', (call) => copyUser(call.arg(0) >>> 0, call.arg(1) >>> 0, call.arg(2) >>> 0, true));

  // Sleeping. schedule_timeout(t) sleeps t jiffies and returns 0 (the time left).
  k.defineExport('schedule_timeout', (call) => {
    const ticks = call.arg(0) | 0;
    const until = k.cycles + Math.max(0, ticks) * CYCLES_PER_TICK;
    return k.sleep('schedule_timeout', () => false, () => 0, until);
  });
  k.defineExport('schedule', () => k.sleep('schedule', () => false, () => 0, k.cycles + CYCLES_PER_TICK));

  k.defineExport('panic', (call) => {
    const text = formatC(readString(call.arg(0), 1024), varargs(call, 1), readString);
    throw k.crash('panic', `Kernel panic: ${text.trim()}`, { caller: call.returnAddress });
  });
}
