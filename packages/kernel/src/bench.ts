// `pnpm bench` for @nooks/kernel: the e1000 network workloads, natively (no Nooks yet), on the
// simulated machine: receive-stream (the peer sends to a task) and send-stream (a task sends
// to the peer), through the 82540EM model, the e1000 extension, the kernel's stack and a
// socket. Prints simulated throughput, CPU utilisation and per-packet costs beside the paper's
// native figures; asserts nothing. The kernel cost table is not calibrated yet (issue 5).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { E1000, LinkPair, PatternGenerator, PeerHost, Platform, streamSink, streamSource, wireFromPort } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { CYCLES_PER_TICK, Kernel } from './kernel.js';
import type { KernelSocket } from './net-stack.js';
import { WaitQueue } from './sched.js';
import type { TaskProgram } from './sched.js';

const MB = 1 << 20;
const waitAny = new WaitQueue('bench');

function machine(): { k: Kernel; peer: PeerHost; link: LinkPair } {
  let peer!: PeerHost;
  let link!: LinkPair;
  const k = new Kernel({
    memoryBytes: 64 << 20,
    platform: (m) => {
      const p = new Platform(m);
      const nic = new E1000({ mac: '00:0e:0c:12:34:56' });
      p.pci.add(nic, 4);
      p.assignPciResources();
      link = new LinkPair(p.clock);
      nic.attachWire(wireFromPort(link.a, p.clock));
      peer = new PeerHost({ clock: p.clock, mac: '02:00:00:00:00:02', ip: '10.0.0.2' });
      peer.attach(link.b);
      return p.clock;
    },
  });
  k.loadModule('e1000', readFileSync(extensionObjectPath('e1000')));
  k.startNetworking('eth0', '10.0.0.1');
  k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
  return { k, peer, link };
}

interface Figures {
  name: string;
  bytes: number;
  seconds: number;
  busy: number;
  elapsed: number;
  packets: number;
  instructions: number;
  host: number;
}

function receiveStream(total: number): Figures {
  const { k, peer, link } = machine();
  let sock: KernelSocket | undefined;
  k.netStack!.listen(5001, (s) => (sock = s));
  let done = 0;
  let busyDone = 0;
  let instrDone = 0;
  const t0 = performance.now();
  k.spawn('receiver', (function* (): TaskProgram {
    yield { type: 'wait', queue: waitAny, condition: () => sock !== undefined };
    const s = sock!;
    const gen = new PatternGenerator(7);
    for (;;) {
      yield { type: 'wait', queue: waitAny, condition: () => s.pendingBytes > 0 || s.ended };
      if (s.pendingBytes === 0 && s.ended) break;
      k.netStack!.read(s, (_o, b) => {
        const want = gen.next(b.length);
        for (let i = 0; i < b.length; i++) if (b[i] !== want[i]) throw new Error('receive-stream: data corrupted');
      }, 65536);
    }
    done = k.cycles;
    busyDone = k.cpuStats().busy;
    instrDone = k.machine.cpu.icount;
    return 0;
  })());
  const start = k.cycles, busy0 = k.cpuStats().busy, instr0 = k.machine.cpu.icount, frames0 = link.b.stats.frames;
  streamSource(peer.tcpConnect('10.0.0.1', 5001), total, { seed: 7 });
  k.runUntil(k.cycles + 3000 * CYCLES_PER_TICK);
  if (!done) throw new Error('receive-stream did not finish');
  return { name: 'receive-stream', bytes: total, seconds: (done - start) / 1.7e9, busy: busyDone - busy0, elapsed: done - start, packets: link.b.stats.frames - frames0, instructions: instrDone - instr0, host: (performance.now() - t0) / 1000 };
}

function sendStream(total: number): Figures {
  const { k, peer, link } = machine();
  let sink: ReturnType<typeof streamSink> | undefined;
  peer.tcpListen(5002, (s) => (sink = streamSink(s, { seed: 9 })));
  const t0 = performance.now();
  const start = k.cycles, busy0 = k.cpuStats().busy, instr0 = k.machine.cpu.icount, frames0 = link.a.stats.frames;
  k.spawn('sender', (function* (): TaskProgram {
    const s = k.netStack!.connect('10.0.0.2', 5002);
    yield { type: 'wait', queue: waitAny, condition: () => s.connected };
    const gen = new PatternGenerator(9);
    for (let sent = 0; sent < total; sent += 65536) {
      yield { type: 'wait', queue: waitAny, condition: () => s.tcp.bufferedAmount < 256 * 1024 };
      k.netStack!.write(s, gen.next(Math.min(65536, total - sent)));
    }
    s.tcp.close();
    return 0;
  })());
  let end = 0, busyEnd = 0, instrEnd = 0;
  while (k.cycles < start + 3000 * CYCLES_PER_TICK) {
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    if (sink?.ended) {
      end = k.cycles;
      busyEnd = k.cpuStats().busy;
      instrEnd = k.machine.cpu.icount;
      break;
    }
  }
  if (!end || sink?.bytes !== total || sink.mismatches !== 0) throw new Error('send-stream did not deliver the stream intact');
  const seconds = (sink.lastByteTime - start) / 1.7e9;
  return { name: 'send-stream', bytes: total, seconds, busy: busyEnd - busy0, elapsed: end - start, packets: link.a.stats.frames - frames0, instructions: instrEnd - instr0, host: (performance.now() - t0) / 1000 };
}

function main(): void {
  const paper: Record<string, number> = { 'receive-stream': 15.2, 'send-stream': 21.4 };
  const rows = [receiveStream(8 * MB), sendStream(8 * MB)];
  console.log('@nooks/kernel e1000 workloads, native (uncalibrated kernel costs)');
  console.log(`${'workload'.padEnd(16)}${'Mb/s'.padStart(8)}${'CPU %'.padStart(8)}${'paper CPU %'.padStart(13)}${'frames'.padStart(9)}${'cycles/frame'.padStart(14)}${'instr/frame'.padStart(13)}${'host s'.padStart(9)}`);
  for (const r of rows) {
    const mbps = (r.bytes * 8) / r.seconds / 1e6;
    const cpu = (r.busy / r.elapsed) * 100;
    console.log(
      `${r.name.padEnd(16)}${mbps.toFixed(0).padStart(8)}${cpu.toFixed(1).padStart(8)}${String(paper[r.name]).padStart(13)}${String(r.packets).padStart(9)}${(r.busy / r.packets).toFixed(0).padStart(14)}${(r.instructions / r.packets).toFixed(0).padStart(13)}${r.host.toFixed(2).padStart(9)}`,
    );
  }
  console.log('(frames: data-direction frames on the wire; cycles and instructions per frame include the task, stack, driver and interrupts)');
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
