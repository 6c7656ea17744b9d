// The workloads a system runs, each with its network-peer side: receive-stream (the peer sends
// `bytes` over TCP to a task that checks every byte), send-stream (a task sends `bytes` to the
// peer, which checks them) and ping (the peer sends echo requests 1 ms apart). A run is bounded
// in simulated time and stops early when the workload is done or the kernel is dead; its
// figures are measured over the transfer.

import { streamSink, streamSource } from '@nooks/devices';
import { CYCLES_PER_TICK, spawnStreamReader, spawnStreamWriter } from '@nooks/kernel';
import type { XpcStats } from '@nooks/isolation';
import { ConfigError, WORKLOADS } from './config.js';
import type { WorkloadName } from './config.js';
import { MACHINE_IP, PEER_IP } from './system.js';
import type { NooksSystem } from './system.js';

const HZ_CYCLES = 1.7e9;

export interface WorkloadOptions {
  readonly workload: WorkloadName;
  /** Stream size (default 1 MiB); for ping, the number of echo requests (default 20). */
  readonly size?: number;
  /** Seed of the stream's byte pattern (default 7 for receive, 9 for send). */
  readonly seed?: number;
  /** Longest the run may take, in simulated seconds (default 2). */
  readonly timeLimitSeconds?: number;
}

export interface WorkloadResult {
  readonly workload: WorkloadName;
  /** The workload finished and everything arrived intact. */
  readonly completed: boolean;
  /** Bytes (streams) or replies (ping) expected and delivered intact. */
  readonly expected: number;
  readonly delivered: number;
  /** Data arrived but differed from what was sent. */
  readonly corrupted: boolean;
  /** Simulated seconds from the start to the end of the transfer (or of the run). */
  readonly seconds: number;
  /** Stream throughput over the transfer (Mb/s); for ping, the mean round-trip time in microseconds. */
  readonly throughputMbps: number;
  readonly meanRttMicros?: number;
  /** Busy cycles / elapsed cycles over the transfer, 0..1. */
  readonly cpuUtilization: number;
  /** XPCs per simulated second over the transfer (0 natively), in total and by direction. */
  readonly xpcPerSecond: number;
  readonly xpcToExtensionPerSecond: number;
  readonly xpcToKernelPerSecond: number;
  /** TLB misses (data and instruction) per simulated second. */
  readonly tlbMissesPerSecond: number;
}

interface Counters {
  cycles: number;
  busy: number;
  tlb: number;
  toExtension: number;
  toKernel: number;
}

function counters(sys: NooksSystem): Counters {
  const t = sys.k.machine.cpu.tlbStats;
  const x: XpcStats | undefined = sys.nooks?.xpc;
  return { cycles: sys.k.cycles, busy: sys.k.cpuStats().busy, tlb: t.dtlb.misses + t.itlb.misses, toExtension: x?.toExtension ?? 0, toKernel: x?.toKernel ?? 0 };
}

function figures(a: Counters, b: Counters): Pick<WorkloadResult, 'seconds' | 'cpuUtilization' | 'xpcPerSecond' | 'xpcToExtensionPerSecond' | 'xpcToKernelPerSecond' | 'tlbMissesPerSecond'> {
  const elapsed = Math.max(1, b.cycles - a.cycles);
  const seconds = elapsed / HZ_CYCLES;
  const toE = (b.toExtension - a.toExtension) / seconds, toK = (b.toKernel - a.toKernel) / seconds;
  return {
    seconds,
    cpuUtilization: Math.min(1, (b.busy - a.busy) / elapsed),
    xpcPerSecond: toE + toK,
    xpcToExtensionPerSecond: toE,
    xpcToKernelPerSecond: toK,
    tlbMissesPerSecond: (b.tlb - a.tlb) / seconds,
  };
}

/** Runs a workload on a built system; resolves when it is done, the kernel died, or time ran out. */
export async function runWorkload(sys: NooksSystem, opts: WorkloadOptions): Promise<WorkloadResult> {
  if (!WORKLOADS.includes(opts.workload)) throw new ConfigError('workload', `unknown workload ${JSON.stringify(opts.workload)} (workloads: ${WORKLOADS.join(', ')})`);
  const limitSeconds = opts.timeLimitSeconds ?? 2;
  if (!(limitSeconds > 0 && limitSeconds <= 600)) throw new ConfigError('timeLimitSeconds', 'must be in (0, 600]');
  const k = sys.k;
  const deadline = k.cycles + Math.round(limitSeconds * HZ_CYCLES);
  const step = CYCLES_PER_TICK / 10;
  const start = counters(sys);
  if (opts.workload === 'ping') {
    const count = opts.size ?? 20;
    const rtts: number[] = [];
    let answered = 0;
    for (let i = 0; i < count && sys.alive && k.cycles < deadline; i++) {
      sys.peer.ping(MACHINE_IP, 0x6e6b, i + 1, new Uint8Array(56), 0.5).then(
        (r) => {
          answered++;
          rtts.push(r.rttSeconds * 1e6);
        },
        () => undefined,
      );
      k.runUntil(Math.min(deadline, k.cycles + HZ_CYCLES / 1000));
      await Promise.resolve();
    }
    k.runUntil(Math.min(deadline, k.cycles + CYCLES_PER_TICK));
    await new Promise((r) => setImmediate(r));
    const end = counters(sys);
    const mean = rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : 0;
    return { workload: 'ping', completed: answered === count, expected: count, delivered: answered, corrupted: false, throughputMbps: 0, meanRttMicros: mean, ...figures(start, end) };
  }
  const size = opts.size ?? 1 << 20;
  if (!Number.isInteger(size) || size <= 0) throw new ConfigError('size', 'must be a positive integer');
  if (opts.workload === 'receive-stream') {
    const seed = opts.seed ?? 7;
    let end: Counters | undefined;
    const reader = spawnStreamReader(k, { port: 5001, seed, onDone: () => (end = counters(sys)) });
    streamSource(sys.peer.tcpConnect(MACHINE_IP, 5001), size, { seed });
    while (sys.alive && !end && k.cycles < deadline) k.runUntil(Math.min(deadline, k.cycles + step));
    const stop = end ?? counters(sys);
    const f = figures(start, stop);
    const intact = reader.mismatch < 0;
    return {
      workload: 'receive-stream',
      completed: end !== undefined && reader.received === size && intact,
      expected: size,
      delivered: intact ? reader.received : reader.mismatch,
      corrupted: !intact,
      throughputMbps: (reader.received * 8) / f.seconds / 1e6,
      ...f,
    };
  }
  const seed = opts.seed ?? 9;
  let sink: ReturnType<typeof streamSink> | undefined;
  sys.peer.tcpListen(5002, (s) => (sink = streamSink(s, { seed })));
  spawnStreamWriter(k, { ip: PEER_IP, port: 5002, total: size, seed });
  let end: Counters | undefined;
  while (sys.alive && k.cycles < deadline) {
    k.runUntil(Math.min(deadline, k.cycles + step));
    if (!end && sink && sink.bytes >= size) end = counters(sys);
    if (end && sink?.ended) break;
  }
  const stop = end ?? counters(sys);
  const f = figures(start, stop);
  const got = sink?.bytes ?? 0;
  const corrupted = (sink?.mismatches ?? 0) > 0;
  return {
    workload: 'send-stream',
    completed: got === size && !corrupted && sink?.ended === true,
    expected: size,
    delivered: got,
    corrupted,
    throughputMbps: (got * 8) / f.seconds / 1e6,
    ...f,
  };
}
