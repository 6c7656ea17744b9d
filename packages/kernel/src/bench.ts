// `pnpm bench` for @nooks/kernel: the e1000 network workloads, natively (no Nooks yet), on the
// simulated machine: receive-stream (the peer sends to a task) and send-stream (a task sends
// to the peer), through the 82540EM model, the e1000 extension, the kernel's stack and a
// socket. Prints simulated throughput, CPU utilisation and per-packet costs beside the paper's
// native figures and where the cycles go; asserts nothing. `-- --pcap DIR` writes the frames.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { E1000, LinkPair, PcapWriter, PeerHost, Platform, streamSink, streamSource, wireFromPort } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { CYCLES_PER_TICK, Kernel } from './kernel.js';
import { spawnStreamReader, spawnStreamWriter } from './workloads.js';

const MB = 1 << 20;

/** `--pcap DIR`: every frame on the wire of each workload is written to DIR/<workload>.pcap. */
const pcapDir = ((): string | undefined => {
  const i = process.argv.indexOf('--pcap');
  if (i < 0) return undefined;
  const dir = process.argv[i + 1];
  if (dir === undefined || dir.startsWith('--')) throw new Error('--pcap needs a directory');
  return dir;
})();
const captures = new Map<string, PcapWriter>();

function machine(workload: string): { k: Kernel; peer: PeerHost; link: LinkPair } {
  let peer!: PeerHost;
  let link!: LinkPair;
  const pcap = pcapDir === undefined ? undefined : new PcapWriter();
  if (pcap) captures.set(workload, pcap);
  const k = new Kernel({
    memoryBytes: 64 << 20,
    platform: (m) => {
      const p = new Platform(m);
      const nic = new E1000({ mac: '00:0e:0c:12:34:56' });
      p.pci.add(nic, 4);
      p.assignPciResources();
      link = new LinkPair(p.clock, pcap ? { onFrame: (f) => pcap.addFrame(f.frame, f.arrivalTime) } : {});
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
  /** Kernel work charged over the run, by kind. */
  ledger: Map<string, { count: number; cycles: number }>;
}

type Ledger = Kernel['costLedger'];
function snapshot(k: Kernel): Ledger {
  return structuredClone(k.costLedger);
}
function since(k: Kernel, before: Ledger): Map<string, { count: number; cycles: number }> {
  const out = new Map<string, { count: number; cycles: number }>();
  for (const [kind, now] of Object.entries(k.costLedger)) {
    const was = before[kind as keyof Ledger] ?? { count: 0, cycles: 0 };
    if (now.count > was.count) out.set(kind, { count: now.count - was.count, cycles: now.cycles - was.cycles });
  }
  return out;
}

function receiveStream(total: number): Figures {
  const { k, peer, link } = machine('receive-stream');
  let done = 0;
  let busyDone = 0;
  let instrDone = 0;
  let ledger = new Map<string, { count: number; cycles: number }>();
  const ledger0 = snapshot(k);
  const t0 = performance.now();
  const reader = spawnStreamReader(k, {
    port: 5001,
    seed: 7,
    onDone: () => {
      done = k.cycles;
      busyDone = k.cpuStats().busy;
      instrDone = k.machine.cpu.icount;
      ledger = since(k, ledger0);
    },
  });
  const start = k.cycles, busy0 = k.cpuStats().busy, instr0 = k.machine.cpu.icount, frames0 = link.b.stats.frames;
  streamSource(peer.tcpConnect('10.0.0.1', 5001), total, { seed: 7 });
  k.runUntil(k.cycles + 3000 * CYCLES_PER_TICK);
  if (!done || reader.received !== total || reader.mismatch >= 0) throw new Error('receive-stream did not deliver the stream intact');
  return { name: 'receive-stream', bytes: total, seconds: (done - start) / 1.7e9, busy: busyDone - busy0, elapsed: done - start, packets: link.b.stats.frames - frames0, instructions: instrDone - instr0, host: (performance.now() - t0) / 1000, ledger };
}

function sendStream(total: number): Figures {
  const { k, peer, link } = machine('send-stream');
  let sink: ReturnType<typeof streamSink> | undefined;
  peer.tcpListen(5002, (s) => (sink = streamSink(s, { seed: 9 })));
  const t0 = performance.now();
  const ledger0 = snapshot(k);
  let ledger = new Map<string, { count: number; cycles: number }>();
  const start = k.cycles, busy0 = k.cpuStats().busy, instr0 = k.machine.cpu.icount, frames0 = link.a.stats.frames;
  spawnStreamWriter(k, { ip: '10.0.0.2', port: 5002, total, seed: 9 });
  let end = 0, busyEnd = 0, instrEnd = 0;
  while (k.cycles < start + 3000 * CYCLES_PER_TICK) {
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    if (sink?.ended) {
      end = k.cycles;
      busyEnd = k.cpuStats().busy;
      instrEnd = k.machine.cpu.icount;
      ledger = since(k, ledger0);
      break;
    }
  }
  if (!end || sink?.bytes !== total || sink.mismatches !== 0) throw new Error('send-stream did not deliver the stream intact');
  const seconds = (sink.lastByteTime - start) / 1.7e9;
  return { name: 'send-stream', bytes: total, seconds, busy: busyEnd - busy0, elapsed: end - start, packets: link.a.stats.frames - frames0, instructions: instrEnd - instr0, host: (performance.now() - t0) / 1000, ledger };
}

/** ping: the peer sends `count` echo requests 1 ms apart; round-trip times in microseconds. */
async function ping(count: number): Promise<{ rtts: number[]; busyPerPing: number; instrPerPing: number }> {
  const { k, peer } = machine('ping');
  const busy0 = k.cpuStats().busy, instr0 = k.machine.cpu.icount;
  const replies: Promise<{ rttSeconds: number }>[] = [];
  for (let i = 0; i < count; i++) {
    replies.push(peer.ping('10.0.0.1', 1, i + 1));
    k.runUntil(k.cycles + 1.7e6);
  }
  k.runUntil(k.cycles + 10 * CYCLES_PER_TICK);
  const rtts = (await Promise.all(replies)).map((r) => r.rttSeconds * 1e6);
  // Busy time includes the timer ticks of the idle machine (about 1% of the 1 ms gaps).
  return { rtts, busyPerPing: (k.cpuStats().busy - busy0) / count, instrPerPing: (k.machine.cpu.icount - instr0) / count };
}

async function main(): Promise<void> {
  const paper: Record<string, number> = { 'receive-stream': 15.2, 'send-stream': 21.4 };
  const rows = [receiveStream(8 * MB), sendStream(8 * MB)];
  const pings = await ping(50);
  console.log('@nooks/kernel e1000 workloads, native (kernel costs calibrated to the paper: see README, "Cost calibration")');
  console.log(`${'workload'.padEnd(16)}${'Mb/s'.padStart(8)}${'CPU %'.padStart(8)}${'paper CPU %'.padStart(13)}${'frames'.padStart(9)}${'cycles/frame'.padStart(14)}${'instr/frame'.padStart(13)}${'host s'.padStart(9)}`);
  for (const r of rows) {
    const mbps = (r.bytes * 8) / r.seconds / 1e6;
    const cpu = (r.busy / r.elapsed) * 100;
    console.log(
      `${r.name.padEnd(16)}${mbps.toFixed(0).padStart(8)}${cpu.toFixed(1).padStart(8)}${String(paper[r.name]).padStart(13)}${String(r.packets).padStart(9)}${(r.busy / r.packets).toFixed(0).padStart(14)}${(r.instructions / r.packets).toFixed(0).padStart(13)}${r.host.toFixed(2).padStart(9)}`,
    );
  }
  console.log('\nwhere the cycles of one data frame go (kernel work by KERNEL_COSTS entry; the rest is emulated code: driver, stubs, idle-loop exits)');
  for (const r of rows) {
    const parts = [...r.ledger].sort((a, b) => b[1].cycles - a[1].cycles);
    const kernel = parts.reduce((n, [, v]) => n + v.cycles, 0);
    const line = parts.map(([kind, v]) => `${kind} ${(v.cycles / r.packets).toFixed(0)} (${(v.count / r.packets).toFixed(2)}x)`);
    line.push(`emulated ${((r.busy - kernel) / r.packets).toFixed(0)}`);
    console.log(`${r.name.padEnd(16)}${line.join(', ')}`);
  }
  console.log('(frames: data-direction frames on the wire; cycles and instructions per frame include the task, stack, driver and interrupts)');
  const sorted = [...pings.rtts].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  console.log(
    `\nping (${sorted.length} echo requests from the peer, 1 ms apart): rtt min ${sorted[0]!.toFixed(1)} / mean ${mean.toFixed(1)} / max ${sorted[sorted.length - 1]!.toFixed(1)} us; ` +
      `${pings.busyPerPing.toFixed(0)} cycles and ${pings.instrPerPing.toFixed(0)} instructions per ping (incl. idle ticks)`,
  );
  if (pcapDir !== undefined) {
    mkdirSync(pcapDir, { recursive: true });
    for (const [name, pcap] of captures) writeFileSync(join(pcapDir, `${name}.pcap`), pcap.bytes());
    console.log(`frames written to ${[...captures.keys()].map((n) => join(pcapDir, `${n}.pcap`)).join(', ')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
