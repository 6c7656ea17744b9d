// The hand-made bug variants of the e1000 driver (packages/extensions/c/e1000/variants.json),
// natively: each variant is loaded instead of the correct driver, the peer streams data to a
// task through it, and the bug, which stays quiet until traffic flows, takes the (non-isolated)
// kernel down the way Linux 2.4 would: an oops in process context, a panic in interrupt or
// softirq context or on a failed integrity check, a hang when the watchdog sees no progress.
// The expected outcome of each variant lives in variants.json ("native"); the correct driver
// runs the same stream to completion.
import { readFileSync } from 'node:fs';
import { E1000, LinkPair, PatternGenerator, PeerHost, Platform, streamSource, wireFromPort } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel, WaitQueue, kernelMemory, layouts } from '../src/index.js';
import type { CrashKind, CrashReport, KernelSocket, Task, TaskProgram } from '../src/index.js';

interface Variant {
  defines: string[];
  description: string;
  native: CrashKind;
  trigger: string;
}

const VARIANTS = JSON.parse(readFileSync(new URL('../../extensions/c/e1000/variants.json', import.meta.url), 'utf8')) as Record<string, Variant>;

const waitAny = new WaitQueue('socket');

/** stream.test.ts's machine, with the driver object and the kernel's watchdog as parameters. */
function setup(object: string, watchdogSeconds?: number): { k: Kernel; peer: PeerHost; nic: E1000 } {
  let peer!: PeerHost;
  let nic!: E1000;
  const k = new Kernel({
    memoryBytes: 64 << 20,
    ...(watchdogSeconds !== undefined ? { watchdogSeconds } : {}),
    platform: (machine) => {
      const p = new Platform(machine);
      nic = new E1000({ mac: '00:0e:0c:12:34:56' });
      p.pci.add(nic, 4);
      p.assignPciResources();
      // A 1 Gb/s full-duplex cable that paces frames at their wire time in both directions.
      const link = new LinkPair(p.clock, {});
      nic.attachWire(wireFromPort(link.a, p.clock));
      peer = new PeerHost({ clock: p.clock, mac: '02:00:00:00:00:02', ip: '10.0.0.2' });
      peer.attach(link.b);
      return p.clock;
    },
  });
  k.loadModule('e1000', readFileSync(extensionObjectPath(object)));
  k.startNetworking('eth0', '10.0.0.1');
  k.runUntil(k.cycles + 2 * CYCLES_PER_TICK); // link up
  return { k, peer, nic };
}

interface StreamRun {
  k: Kernel;
  peer: PeerHost;
  receiver: Task;
  /** Bytes the task has read so far (byte-exact: a mismatch fails the run). */
  received: () => number;
  mismatch: () => number;
  /** Runs until the stream is done, the kernel dies, or `ticks` timer ticks have passed. */
  run: (ticks: number) => void;
}

/** receive-stream: the peer sends `total` bytes to a task, which reads and checks them. */
function receiveStream(object: string, total: number, watchdogSeconds?: number): StreamRun {
  const { k, peer } = setup(object, watchdogSeconds);
  let sock: KernelSocket | undefined;
  k.netStack!.listen(5001, (s) => (sock = s));
  let received = 0;
  let mismatch = -1;
  const receiver = k.spawn('receiver', (function* (): TaskProgram {
    yield { type: 'wait', queue: waitAny, condition: () => sock !== undefined };
    const s = sock!;
    const gen = new PatternGenerator(7);
    for (;;) {
      yield { type: 'wait', queue: waitAny, condition: () => s.pendingBytes > 0 || s.ended };
      if (s.pendingBytes === 0 && s.ended) break;
      const got: Uint8Array[] = [];
      k.netStack!.read(s, (_off, bytes) => void got.push(bytes.slice()), 65536);
      for (const chunk of got) {
        const want = gen.next(chunk.length);
        for (let i = 0; i < chunk.length && mismatch < 0; i++) if (chunk[i] !== want[i]) mismatch = received + i;
        received += chunk.length;
      }
    }
    return 0;
  })());
  const client = peer.tcpConnect('10.0.0.1', 5001);
  streamSource(client, total, { seed: 7 });
  return {
    k,
    peer,
    receiver,
    received: () => received,
    mismatch: () => mismatch,
    run: (ticks) => {
      const end = k.cycles + ticks * CYCLES_PER_TICK;
      // In steps, so that a run stops soon after the stream ends or the kernel dies.
      while (!k.dead && receiver.state !== 'exited' && k.cycles < end) k.runUntil(Math.min(end, k.cycles + CYCLES_PER_TICK));
    },
  };
}

function describeCrash(r: CrashReport | undefined): string {
  return r ? `${r.kind} (${r.context}) at ${r.location}: ${r.reason}` : 'none';
}

/** 1 MB: about 720 data segments, enough for both rings to wrap. */
const TOTAL = 1 << 20;
/** Simulated ticks a run may take (the correct driver needs about 2). */
const TICKS = 300;
/**
 * The kernel's watchdog (default 2 simulated seconds) is shortened so that the endless loop is
 * declared a hang after 85 M emulated cycles rather than 3.4 G; nothing else comes near it.
 */
const WATCHDOG_SECONDS = 0.05;
/** SIOCGMIIPHY (include/linux/sockios.h). */
const SIOCGMIIPHY = 0x8947;

/** What each variant's crash must say (the kind and context come from variants.json and Linux's rules). */
interface Expectation {
  context: 'process' | 'interrupt' | 'softirq';
  reason: (k: Kernel) => RegExp;
  /** Where the fault was taken (the report's location), when it is the driver's own code. */
  location?: RegExp;
  /** A frame of the call trace, when the fault was taken in the kernel on the driver's behalf. */
  stack?: RegExp;
  /** Arms the bug's trigger, if it needs one, before the run. */
  trigger?: (s: StreamRun) => void;
}

const EXPECT: Record<string, Expectation> = {
  'e1000-null-check': {
    context: 'interrupt',
    reason: () => /^Unable to handle kernel NULL pointer dereference at virtual address 00000018$/, // &((struct sk_buff *)0)->dev
    location: /^e1000:e1000_alloc_rx_buffers/,
    trigger: (s) => {
      // When the 300th received frame has gone to netif_rx, the next allocation fails: it is the
      // refill of the receive ring that follows in the same interrupt.
      const net = s.k.net;
      const netifRx = net.netifRx.bind(net);
      let frames = 0;
      net.netifRx = (skb: number): number => {
        const r = netifRx(skb);
        if (++frames === 300) s.k.slab.failNext = 1;
        return r;
      };
    },
  },
  'e1000-uninit-stack': {
    context: 'interrupt',
    // The stale stack slot points to an skb an earlier interrupt handed up and the stack freed:
    // its dev field is slab poison, and the driver writes dev->last_rx through it.
    reason: () => /^Unable to handle kernel paging request at virtual address 5a5a5a[0-9a-f]{2}$/,
    location: /^e1000:e1000_clean_rx_irq/,
  },
  'e1000-uninit-heap': {
    context: 'interrupt',
    // The poisoned entry itself is taken for an skb: its dev field is read at 0x5a5a5a5a + 0x18.
    reason: () => /^Unable to handle kernel paging request at virtual address 5a5a5a72$/,
    location: /^e1000:e1000_intr/,
  },
  'e1000-user-pointer': {
    context: 'process',
    // The unmapped user pointer the test passes, plus the 16-byte interface name before the MII data.
    reason: () => /^Unable to handle kernel paging request at virtual address 40000010$/,
    location: /^e1000:e1000_ioctl/,
  },
  'e1000-double-free': {
    context: 'softirq',
    reason: () => /^kernel BUG at skbuff\.c: kfree_skb of c[0-9a-f]{7}, which is not an sk_buff$/,
    location: /^kernel:dev_kfree_skb_any$/,
    stack: /e1000:e1000_xmit_frame\+/,
  },
  'e1000-wild-write': {
    context: 'softirq',
    // The corrupted entry is the driver's watchdog timer: in the adapter (netdev->priv) after
    // the net_device_stats (at 20, 92 bytes) and the five-bucket histogram (20 bytes).
    reason: (k) => {
      const priv = layouts.net_device.get_priv(kernelMemory(k.machine), k.net.byName('eth0')) >>> 0;
      return new RegExp(`^list corruption in run_timer_list: entry ${(priv + 20 + 92 + 20).toString(16)} has next `);
    },
  },
  'e1000-irq-loop': {
    context: 'interrupt',
    reason: () => /^watchdog: e1000:e1000_rx_ring_check\S* made no progress for 0\.050 s \(interrupt context, interrupts off\)$/,
    location: /^e1000:e1000_rx_ring_check/,
  },
};

/**
 * The user-pointer variant's trigger: a task ("mii-tool") asks for the PHY's address with
 * SIOCGMIIPHY, as dev_ioctl would call the driver's do_ioctl: first with a good ifreq in its
 * own user memory (which works, as a direct user access does on i386 Linux), then, once 256 KB
 * have streamed in, with a pointer to nothing, which copy_from_user would have refused.
 */
function spawnMiiTool(s: StreamRun): { task: Task; results: number[]; phy: () => number[] } {
  const k = s.k;
  const dev = k.net.byName('eth0');
  const doIoctl = layouts.net_device.get_do_ioctl(kernelMemory(k.machine), dev) >>> 0;
  expect(doIoctl).not.toBe(0);
  const results: number[] = [];
  let ifr = 0;
  const self: { task?: Task } = {};
  const task = k.spawn('mii-tool', (function* (): TaskProgram {
    const ifreq = new Uint8Array(32);
    ifreq.set(new TextEncoder().encode('eth0'));
    ifreq[18] = 1; // reg_num: BMSR
    k.writeUser(self.task!, ifr, ifreq);
    results.push(yield { type: 'guest', addr: doIoctl, args: [dev, ifr, SIOCGMIIPHY] });
    yield { type: 'wait', queue: waitAny, condition: () => s.received() >= 256 << 10 };
    results.push(yield { type: 'guest', addr: doIoctl, args: [dev, 0x40000000, SIOCGMIIPHY] });
    return 0;
  })());
  self.task = task;
  ifr = k.userAlloc(task, 4096);
  return {
    task,
    results,
    phy: () => {
      const b = k.readUser(task, ifr + 16, 8);
      return [b[0]! | (b[1]! << 8), b[2]! | (b[3]! << 8), b[6]! | (b[7]! << 8)];
    },
  };
}

describe('e1000 bug variants (native)', () => {
  it('variants.json lists the seven bugs, each with its native outcome and trigger', () => {
    expect(Object.keys(VARIANTS)).toEqual(Object.keys(EXPECT));
    for (const v of Object.values(VARIANTS)) {
      expect(['oops', 'panic', 'hang']).toContain(v.native);
      expect(v.defines.length).toBeGreaterThan(0);
      expect(v.trigger).toMatch(/^[A-Za-z(].*\.$/);
    }
  });

  it('control: the correct e1000 runs the same stream to completion, byte-exact', () => {
    const s = receiveStream('e1000', TOTAL, WATCHDOG_SECONDS);
    s.run(TICKS);
    expect(s.k.crashes.map(describeCrash)).toEqual([]);
    expect(s.k.dead).toBeUndefined();
    expect(s.received()).toBe(TOTAL);
    expect(s.mismatch()).toBe(-1);
    expect(s.receiver.state).toBe('exited');
    // It has no do_ioctl (the kernel answers the MII ioctls with -EOPNOTSUPP for it).
    expect(layouts.net_device.get_do_ioctl(kernelMemory(s.k.machine), s.k.net.byName('eth0'))).toBe(0);
  });

  it('control: the null-check variant is harmless while every allocation succeeds', () => {
    const s = receiveStream('e1000-null-check', TOTAL, WATCHDOG_SECONDS);
    s.run(TICKS);
    expect(s.k.crashes).toEqual([]);
    expect(s.received()).toBe(TOTAL);
  });

  for (const [name, variant] of Object.entries(VARIANTS)) {
    const want = EXPECT[name]!;
    it(`${name}: ${variant.native} (${want.context} context) once the stream runs`, () => {
      const s = receiveStream(name, TOTAL, WATCHDOG_SECONDS);
      want.trigger?.(s);
      const mii = name === 'e1000-user-pointer' ? spawnMiiTool(s) : undefined;
      s.run(TICKS);
      const k = s.k;
      console.log(`${name}: after ${s.received()} bytes: ${k.crashes.map(describeCrash).join(' | ')}`);
      // Exactly one crash, of the kind variants.json records.
      expect(k.crashes).toHaveLength(1);
      const crash = k.crashes[0]!;
      expect(crash.kind).toBe(variant.native);
      expect(crash.context).toBe(want.context);
      expect(crash.reason).toMatch(want.reason(k));
      if (want.location) expect(crash.location).toMatch(want.location);
      if (want.stack) expect(crash.stack.join('\n')).toMatch(want.stack);
      // Nothing went wrong before the stream was under way: the data so far arrived intact.
      expect(s.mismatch()).toBe(-1);
      expect(s.received()).toBeGreaterThan(8 << 10);
      if (variant.native === 'oops') {
        // Process context: the task that made the call dies, the system goes on, and the stream
        // (run by interrupts, softirqs and the receiver) completes.
        expect(k.dead).toBeUndefined();
        expect(mii?.task.state).toBe('killed');
        expect(mii?.results).toEqual([0]); // the good call worked ...
        expect(mii?.phy()).toEqual([1, 1, 0x796d]); // ... phy 1, BMSR with link up
        expect(s.received()).toBe(TOTAL);
        expect(s.receiver.state).toBe('exited');
      } else {
        // Interrupt or softirq context, or no progress: the system is dead, mid-stream.
        expect(k.dead).toBe(crash);
        expect(s.received()).toBeLessThan(TOTAL);
      }
    });
  }
});
