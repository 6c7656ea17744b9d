// `pnpm bench` for @nooks/isolation: the paper's two e1000 streaming benchmarks (receive-stream,
// send-stream), natively and with the driver isolated by Nooks, on the same simulated machine
// with the same seeds. Prints, side by side, throughput, CPU utilisation, the XPC rate (by
// direction, with local wrapper calls and deferred calls), TLB misses, cycles per data frame
// and where the extra Nooks cycles go, and the busiest XPC sites, beside the paper's figures
// (SOSP 2003, Table 3). All figures are simulated time (cycles / 1.7 GHz); only "host s" is
// wall-clock. Asserts nothing.
//
//   node dist/bench.js [--mb N] [--json]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { E1000, LinkPair, PeerHost, Platform, streamSink, streamSource, wireFromPort } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { CYCLES_PER_TICK, KERNEL_COSTS, Kernel, spawnStreamReader, spawnStreamWriter } from '@nooks/kernel';
import { CYCLES } from '@nooks/x86';
import { IsolationManager } from './manager.js';
import type { FailureRecord } from './manager.js';

const HZ = 1.7e9;
const MB = 1 << 20;

/** Simulated time a stream may take before it counts as not finished: 30 s, or 100 Mb/s for long streams. */
function limitCycles(total: number): number {
  return Math.max(3000 * CYCLES_PER_TICK, Math.ceil(((total * 8) / 100e6) * HZ));
}

// ---------------------------------------------------------------- command line

interface Options {
  mb: number;
  json: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { mb: 8, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue; // `pnpm bench -- --mb 4`
    if (a === '--json') opts.json = true;
    else if (a === '--mb' || a.startsWith('--mb=')) {
      const v = a === '--mb' ? argv[++i] : a.slice('--mb='.length);
      if (v === undefined || !/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) {
        throw new UsageError(`--mb needs a positive integer (megabytes per stream), got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
      }
      opts.mb = Number(v);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown option ${JSON.stringify(a)}`);
  }
  return opts;
}

const USAGE = 'usage: node dist/bench.js [--mb N] [--json]\n  --mb N   bytes per stream in MiB (a positive integer; default 8)\n  --json   print one JSON object with the rows instead of tables';

// ---------------------------------------------------------------- the machine (as test/machine.ts)

type Mode = 'native' | 'nooks';

interface Machine {
  k: Kernel;
  peer: PeerHost;
  link: LinkPair;
  nooks: IsolationManager | undefined;
  /** Local wrapper calls by kernel function (Nooks only). */
  localByName: Map<string, number>;
}

function objectBytes(name: string): Uint8Array {
  return readFileSync(extensionObjectPath(name));
}

function machine(mode: Mode): Machine {
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
  const bytes = objectBytes('e1000');
  let nooks: IsolationManager | undefined;
  const localByName = new Map<string, number>();
  if (mode === 'nooks') {
    nooks = new IsolationManager(k, { objects: objectBytes });
    nooks.isolate('e1000', bytes);
    // Observe (never change) which wrapped kernel functions ran locally in the domain: the
    // generated wrappers enter through the runtime, which counts a local call in xpc.local.
    const n = nooks;
    const enter = n.runtime.enterKernel;
    n.runtime.enterKernel = (name, flags) => {
      const before = n.xpc.local;
      enter(name, flags);
      if (n.xpc.local > before) localByName.set(name, (localByName.get(name) ?? 0) + 1);
    };
  }
  k.loadModule('e1000', bytes);
  k.startNetworking('eth0', '10.0.0.1');
  k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
  return { k, peer, link, nooks, localByName };
}

// ---------------------------------------------------------------- counters

interface Counters {
  cycles: number;
  busy: number;
  instructions: number;
  dtlbMisses: number;
  itlbMisses: number;
  /** TLB flushes: one per CR3 write (and per CR4.PGE change, none while streaming). */
  tlbFlushes: number;
  ledger: Record<string, { count: number; cycles: number }>;
  xpc: { toExtension: number; toKernel: number; local: number; deferred: number; deferredBatches: number; refused: number; bySite: Map<string, number> };
  localByName: Map<string, number>;
}

function snapshot(m: Machine): Counters {
  const { k, nooks } = m;
  const tlb = k.machine.cpu.tlbStats;
  const x = nooks?.xpc;
  return {
    cycles: k.cycles,
    busy: k.cpuStats().busy,
    instructions: k.machine.cpu.icount,
    dtlbMisses: tlb.dtlb.misses,
    itlbMisses: tlb.itlb.misses,
    tlbFlushes: tlb.dtlb.flushes,
    ledger: structuredClone(k.costLedger) as Record<string, { count: number; cycles: number }>,
    xpc: x
      ? { toExtension: x.toExtension, toKernel: x.toKernel, local: x.local, deferred: x.deferred, deferredBatches: x.deferredBatches, refused: x.refused, bySite: new Map(x.bySite) }
      : { toExtension: 0, toKernel: 0, local: 0, deferred: 0, deferredBatches: 0, refused: 0, bySite: new Map() },
    localByName: new Map(m.localByName),
  };
}

function mapDelta(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, v] of b) if (v - (a.get(key) ?? 0) > 0) out.set(key, v - (a.get(key) ?? 0));
  return out;
}

/** One run of one workload in one mode, over the streaming interval. */
interface Run {
  workload: Workload;
  mode: Mode;
  bytes: number;
  /** Transfer time: start to the last byte delivered (cycles). */
  transferCycles: number;
  /** Interval the counters cover: start to the snapshot at the last byte (cycles). */
  intervalCycles: number;
  /** Data-direction frames on the wire. */
  frames: number;
  busy: number;
  instructions: number;
  tlbMisses: number;
  tlbFlushes: number;
  ledger: Map<string, { count: number; cycles: number }>;
  xpc: { toExtension: number; toKernel: number; local: number; deferred: number; deferredBatches: number; refused: number };
  bySite: Map<string, number>;
  localByName: Map<string, number>;
  failures: FailureRecord[];
  hostSeconds: number;
  /** Sites that are kernel functions (extension -> kernel). */
  kernelFunctions: Set<string>;
}

function finish(m: Machine, workload: Workload, mode: Mode, bytes: number, a: Counters, b: Counters, transferCycles: number, frames: number, host0: number): Run {
  const ledger = new Map<string, { count: number; cycles: number }>();
  for (const [kind, now] of Object.entries(b.ledger)) {
    const was = a.ledger[kind] ?? { count: 0, cycles: 0 };
    if (now.count > was.count) ledger.set(kind, { count: now.count - was.count, cycles: now.cycles - was.cycles });
  }
  const bySite = mapDelta(a.xpc.bySite, b.xpc.bySite);
  const kernelFunctions = new Set([...bySite.keys()].filter((s) => m.k.exports.lookup(s)?.fn !== undefined));
  return {
    workload,
    mode,
    bytes,
    transferCycles,
    intervalCycles: b.cycles - a.cycles,
    frames,
    busy: b.busy - a.busy,
    instructions: b.instructions - a.instructions,
    tlbMisses: b.dtlbMisses - a.dtlbMisses + (b.itlbMisses - a.itlbMisses),
    tlbFlushes: b.tlbFlushes - a.tlbFlushes,
    ledger,
    xpc: {
      toExtension: b.xpc.toExtension - a.xpc.toExtension,
      toKernel: b.xpc.toKernel - a.xpc.toKernel,
      local: b.xpc.local - a.xpc.local,
      deferred: b.xpc.deferred - a.xpc.deferred,
      deferredBatches: b.xpc.deferredBatches - a.xpc.deferredBatches,
      refused: b.xpc.refused - a.xpc.refused,
    },
    bySite,
    localByName: mapDelta(a.localByName, b.localByName),
    failures: m.nooks?.failures ?? [],
    hostSeconds: (performance.now() - host0) / 1000,
    kernelFunctions,
  };
}

class RunFailed extends Error {}

function describeFailures(m: Machine): string {
  const parts: string[] = [];
  if (m.k.dead) parts.push(`kernel dead: ${m.k.dead.reason}`);
  for (const f of m.nooks?.failures ?? []) parts.push(`Nooks failure of ${f.extension} at cycle ${f.detectedAt} (${f.trigger}, site ${f.site}): ${f.reason}`);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

// ---------------------------------------------------------------- workloads

type Workload = 'receive-stream' | 'send-stream';

/** The peer streams `total` bytes to a task on the machine (seed 7), which checks every byte. */
function receiveStream(mode: Mode, total: number): Run {
  const host0 = performance.now();
  const m = machine(mode);
  const { k, peer, link } = m;
  let end: Counters | undefined;
  const reader = spawnStreamReader(k, { port: 5001, seed: 7, onDone: () => (end = snapshot(m)) });
  const start = snapshot(m);
  const frames0 = link.b.stats.frames;
  streamSource(peer.tcpConnect('10.0.0.1', 5001), total, { seed: 7 });
  try {
    k.runUntil(k.cycles + limitCycles(total));
  } catch (e) {
    throw new RunFailed(`receive-stream (${mode}) stopped: ${e instanceof Error ? e.message : String(e)}${describeFailures(m)}`);
  }
  if (reader.mismatch >= 0) throw new RunFailed(`receive-stream (${mode}): data corrupted at byte ${reader.mismatch}`);
  if (!end || reader.received !== total) throw new RunFailed(`receive-stream (${mode}) did not finish: ${reader.received} of ${total} bytes read${describeFailures(m)}`);
  return finish(m, 'receive-stream', mode, total, start, end, end.cycles - start.cycles, link.b.stats.frames - frames0, host0);
}

/** A task on the machine streams `total` bytes to the peer (seed 9), which checks every byte. */
function sendStream(mode: Mode, total: number): Run {
  const host0 = performance.now();
  const m = machine(mode);
  const { k, peer, link } = m;
  let sink: ReturnType<typeof streamSink> | undefined;
  peer.tcpListen(5002, (s) => (sink = streamSink(s, { seed: 9 })));
  const start = snapshot(m);
  const frames0 = link.a.stats.frames;
  spawnStreamWriter(k, { ip: '10.0.0.2', port: 5002, total, seed: 9 });
  // Step in 1/100 of a tick (100 us) so that the counters stop within 100 us of the last byte.
  const step = CYCLES_PER_TICK / 100;
  const limit = start.cycles + limitCycles(total);
  let end: Counters | undefined;
  let frames = 0;
  try {
    while (k.cycles < limit) {
      k.runUntil(k.cycles + step);
      if (!end && sink && sink.bytes >= total) {
        end = snapshot(m);
        frames = link.a.stats.frames - frames0;
      }
      if (end && sink?.ended) break;
    }
  } catch (e) {
    throw new RunFailed(`send-stream (${mode}) stopped: ${e instanceof Error ? e.message : String(e)}${describeFailures(m)}`);
  }
  if (!end || !sink || sink.bytes !== total || sink.mismatches !== 0 || !sink.ended) {
    throw new RunFailed(`send-stream (${mode}) did not deliver the stream intact: ${sink?.bytes ?? 0} of ${total} bytes, ${sink?.mismatches ?? 0} mismatches, ${sink?.ended ? 'closed' : 'not closed'}${describeFailures(m)}`);
  }
  return finish(m, 'send-stream', mode, total, start, end, sink.lastByteTime - start.cycles, frames, host0);
}

// ---------------------------------------------------------------- figures

/** SOSP 2003, Table 3 (DESIGN.md section 1). */
const PAPER: Record<Workload, { relative: number; cpuNative: number; cpuNooks: number; xpcPerSecond: number }> = {
  'receive-stream': { relative: 0.92, cpuNative: 15.2, cpuNooks: 15.5, xpcPerSecond: 8923 },
  'send-stream': { relative: 0.91, cpuNative: 21.4, cpuNooks: 39.3, xpcPerSecond: 60352 },
};

const TOP_SITES = 8;

interface ModeFigures {
  mbps: number;
  cpuPercent: number;
  seconds: number;
  frames: number;
  cyclesPerFrame: number;
  instructionsPerFrame: number;
  tlbMissesPerSecond: number;
  tlbMissesPerFrame: number;
  cr3WritesPerFrame: number;
  /** The kernel's cost ledger over the interval, cycles per data frame by kind. */
  ledgerCyclesPerFrame: Record<string, number>;
  hostSeconds: number;
}

interface Row {
  workload: Workload;
  megabytes: number;
  native: ModeFigures;
  nooks: ModeFigures;
  relativePerformance: number;
  paper: (typeof PAPER)[Workload];
  xpc: {
    perSecond: number;
    toExtensionPerSecond: number;
    toKernelPerSecond: number;
    perFrame: number;
    localPerSecond: number;
    deferredPerSecond: number;
    deferredBatchesPerSecond: number;
    refused: number;
    total: number;
  };
  /** Cycles per data frame: Nooks minus native, and its parts. */
  extraCyclesPerFrame: {
    total: number;
    xpc: number;
    wrapperCheck: number;
    cr3Writes: number;
    tlbRefills: number;
    otherKernelWork: number;
    emulatedCode: number;
    /** Share of the extra cycles that the ledger charges as XPC cost (kinds xpc + wrapperCheck). */
    xpcLedgerShare: number;
    /** The same plus the page-table switches' CR3 writes and TLB refills. */
    xpcWithSwitchesShare: number;
  };
  topSites: { site: string; direction: 'kernel->extension' | 'extension->kernel'; perSecond: number; perFrame: number }[];
  localWrappers: { function: string; perSecond: number; perFrame: number }[];
  failures: { extension: string; trigger: string; site: string; reason: string; detectedAt: number }[];
}

function modeFigures(r: Run): ModeFigures {
  const seconds = r.transferCycles / HZ;
  const interval = r.intervalCycles / HZ;
  return {
    mbps: (r.bytes * 8) / seconds / 1e6,
    cpuPercent: (r.busy / r.intervalCycles) * 100,
    seconds,
    frames: r.frames,
    cyclesPerFrame: r.busy / r.frames,
    instructionsPerFrame: r.instructions / r.frames,
    tlbMissesPerSecond: r.tlbMisses / interval,
    tlbMissesPerFrame: r.tlbMisses / r.frames,
    cr3WritesPerFrame: r.tlbFlushes / r.frames,
    ledgerCyclesPerFrame: Object.fromEntries([...r.ledger].sort((a, b) => b[1].cycles - a[1].cycles).map(([kind, v]) => [kind, v.cycles / r.frames])),
    hostSeconds: r.hostSeconds,
  };
}

function ledgerCycles(r: Run, kind: string): number {
  return r.ledger.get(kind)?.cycles ?? 0;
}

function ledgerTotal(r: Run): number {
  let n = 0;
  for (const v of r.ledger.values()) n += v.cycles;
  return n;
}

function row(native: Run, nooks: Run): Row {
  const n = modeFigures(native);
  const x = modeFigures(nooks);
  const interval = nooks.intervalCycles / HZ;
  const per = (v: number): number => v / interval;
  const xpcTotal = nooks.xpc.toExtension + nooks.xpc.toKernel;
  // Extra cycles per data frame, and the parts the models charge separately.
  const pf = (v: number, r: Run): number => v / r.frames;
  const total = x.cyclesPerFrame - n.cyclesPerFrame;
  const xpc = pf(ledgerCycles(nooks, 'xpc'), nooks) - pf(ledgerCycles(native, 'xpc'), native);
  const wrapperCheck = pf(ledgerCycles(nooks, 'wrapperCheck'), nooks) - pf(ledgerCycles(native, 'wrapperCheck'), native);
  const cr3Writes = (x.cr3WritesPerFrame - n.cr3WritesPerFrame) * CYCLES.cr3Write;
  const tlbRefills = (x.tlbMissesPerFrame - n.tlbMissesPerFrame) * CYCLES.pageWalk;
  const otherKernelWork = pf(ledgerTotal(nooks), nooks) - pf(ledgerTotal(native), native) - xpc - wrapperCheck;
  const emulatedCode = total - xpc - wrapperCheck - cr3Writes - tlbRefills - otherKernelWork;
  const sites = [...nooks.bySite].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_SITES);
  const locals = [...nooks.localByName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    workload: native.workload,
    megabytes: native.bytes / MB,
    native: n,
    nooks: x,
    relativePerformance: x.mbps / n.mbps,
    paper: PAPER[native.workload],
    xpc: {
      perSecond: per(xpcTotal),
      toExtensionPerSecond: per(nooks.xpc.toExtension),
      toKernelPerSecond: per(nooks.xpc.toKernel),
      perFrame: xpcTotal / nooks.frames,
      localPerSecond: per(nooks.xpc.local),
      deferredPerSecond: per(nooks.xpc.deferred),
      deferredBatchesPerSecond: per(nooks.xpc.deferredBatches),
      refused: nooks.xpc.refused,
      total: xpcTotal,
    },
    extraCyclesPerFrame: {
      total,
      xpc,
      wrapperCheck,
      cr3Writes,
      tlbRefills,
      otherKernelWork,
      emulatedCode,
      xpcLedgerShare: total > 0 ? (xpc + wrapperCheck) / total : 0,
      xpcWithSwitchesShare: total > 0 ? (xpc + wrapperCheck + cr3Writes + tlbRefills) / total : 0,
    },
    topSites: sites.map(([site, count]) => ({
      site,
      direction: nooks.kernelFunctions.has(site) ? 'extension->kernel' : 'kernel->extension',
      perSecond: per(count),
      perFrame: count / nooks.frames,
    })),
    localWrappers: locals.map(([fn, count]) => ({ function: fn, perSecond: per(count), perFrame: count / nooks.frames })),
    failures: nooks.failures.map((f) => ({ extension: f.extension, trigger: f.trigger, site: f.site, reason: f.reason, detectedAt: f.detectedAt })),
  };
}

// ---------------------------------------------------------------- printing

function table(headers: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number): string => (i < leftColumns ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  const line = (r: readonly string[]): string => r.map(cell).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const f0 = (v: number): string => Math.round(v).toLocaleString('en-US');
const f1 = (v: number): string => v.toFixed(1);
const f2 = (v: number): string => v.toFixed(2);
const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;
const signed = (v: number): string => (Math.round(v) > 0 ? '+' : '') + f0(v);

function print(rows: readonly Row[], hostSeconds: number): void {
  const mb = rows[0]?.megabytes ?? 0;
  console.log(`@nooks/isolation: e1000 streaming benchmarks, native vs. Nooks (${mb} MiB per stream, same seeds; simulated time: cycles / 1.7 GHz, measured from just before the transfer to the last byte); paper = SOSP 2003 Table 3`);
  console.log('\nthroughput and CPU utilisation');
  console.log(
    table(
      ['workload', 'native Mb/s', 'Nooks Mb/s', 'relative', 'paper', 'native CPU %', 'Nooks CPU %', 'paper native', 'paper Nooks'],
      rows.map((r) => [r.workload, f0(r.native.mbps), f0(r.nooks.mbps), f2(r.relativePerformance), f2(r.paper.relative), f1(r.native.cpuPercent), f1(r.nooks.cpuPercent), f1(r.paper.cpuNative), f1(r.paper.cpuNooks)]),
    ),
  );
  console.log('\nXPC under Nooks, per simulated second (kernel->ext: nooks_driver_call; ext->kernel: nooks_kernel_call; local: wrapped kernel functions run in the domain without a switch; deferred: netif_rx queued until the XPC ends)');
  console.log(
    table(
      ['workload', 'XPC/s', 'kernel->ext', 'ext->kernel', 'paper XPC/s', 'XPC/frame', 'local/s', 'deferred/s', 'batches/s'],
      rows.map((r) => [r.workload, f0(r.xpc.perSecond), f0(r.xpc.toExtensionPerSecond), f0(r.xpc.toKernelPerSecond), f0(r.paper.xpcPerSecond), f2(r.xpc.perFrame), f0(r.xpc.localPerSecond), f0(r.xpc.deferredPerSecond), f0(r.xpc.deferredBatchesPerSecond)]),
    ),
  );
  console.log('\nTLB misses (dtlb + itlb) and cycles per data frame (busy cycles / data-direction frames on the wire)');
  console.log(
    table(
      ['workload', 'TLB miss/s native', 'Nooks', 'CR3 wr/frame native', 'Nooks', 'cycles/frame native', 'Nooks', 'extra'],
      rows.map((r) => [r.workload, f0(r.native.tlbMissesPerSecond), f0(r.nooks.tlbMissesPerSecond), f2(r.native.cr3WritesPerFrame), f2(r.nooks.cr3WritesPerFrame), f0(r.native.cyclesPerFrame), f0(r.nooks.cyclesPerFrame), signed(r.extraCyclesPerFrame.total)]),
    ),
  );
  console.log(
    `\nwhere the extra Nooks cycles of one data frame go (xpc ${KERNEL_COSTS.xpc} and wrapperCheck ${KERNEL_COSTS.wrapperCheck} cycles each, from the kernel's cost ledger; CR3 writes ${CYCLES.cr3Write} and TLB refills ${CYCLES.pageWalk} cycles each, from the CPU's counters; emulated: the rest, extra guest instructions)`,
  );
  console.log(
    table(
      ['workload', 'extra', 'xpc', 'wrapperCheck', 'CR3 writes', 'TLB refills', 'other kernel', 'emulated', 'XPC share', 'XPC+switch share'],
      rows.map((r) => {
        const e = r.extraCyclesPerFrame;
        return [r.workload, signed(e.total), signed(e.xpc), signed(e.wrapperCheck), signed(e.cr3Writes), signed(e.tlbRefills), signed(e.otherKernelWork), signed(e.emulatedCode), pct(e.xpcLedgerShare), pct(e.xpcWithSwitchesShare)];
      }),
    ),
  );
  for (const r of rows) {
    console.log(`\ntop XPC sites under Nooks, ${r.workload}`);
    console.log(table(['site', 'direction', 'per second', 'per frame'], r.topSites.map((s) => [s.site, s.direction, f0(s.perSecond), f2(s.perFrame)]), 2));
    if (r.localWrappers.length) {
      console.log(`local wrapper calls (no XPC): ${r.localWrappers.map((l) => `${l.function} ${f2(l.perFrame)}/frame`).join(', ')}`);
    }
  }
  for (const r of rows) {
    for (const f of r.failures) console.log(`\nNOOKS FAILURE during ${r.workload}: ${f.extension} (${f.trigger}, site ${f.site}) at cycle ${f.detectedAt}: ${f.reason}`);
  }
  const hosts = rows.map((r) => `${r.workload} ${f1(r.native.hostSeconds)} / ${f1(r.nooks.hostSeconds)}`).join(', ');
  console.log(`\nframes: native ${rows.map((r) => `${r.workload} ${r.native.frames}`).join(', ')}; Nooks ${rows.map((r) => `${r.workload} ${r.nooks.frames}`).join(', ')}`);
  console.log(`host seconds (native / Nooks): ${hosts}; total ${f1(hostSeconds)}`);
}

function main(): void {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench: ${e.message}`);
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const host0 = performance.now();
  const total = opts.mb * MB;
  const rows = [row(receiveStream('native', total), receiveStream('nooks', total)), row(sendStream('native', total), sendStream('nooks', total))];
  const hostSeconds = (performance.now() - host0) / 1000;
  if (opts.json) {
    console.log(
      JSON.stringify({
        benchmark: '@nooks/isolation e1000 streams, native vs. Nooks',
        time: 'simulated (cycles / 1.7 GHz), from just before the transfer to the last byte',
        clockHz: HZ,
        megabytesPerStream: opts.mb,
        costs: { xpc: KERNEL_COSTS.xpc, wrapperCheck: KERNEL_COSTS.wrapperCheck, cr3Write: CYCLES.cr3Write, pageWalk: CYCLES.pageWalk },
        rows,
        hostSeconds,
      }),
    );
  } else print(rows, hostSeconds);
}

try {
  main();
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
