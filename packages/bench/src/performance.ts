// The paper's streaming benchmarks (SOSP 2003, Table 3) natively and under Nooks: each workload
// on a fresh machine in each mode with the same seeds, measured by @nooks/system's runWorkload
// over the transfer in simulated time. Used by `nooks bench` and the dashboard.

import { performance } from 'node:perf_hooks';
import { NooksSystem, runWorkload } from '@nooks/system';
import type { Mode, WorkloadResult } from '@nooks/system';

export type StreamWorkload = 'receive-stream' | 'send-stream';
export const STREAM_WORKLOADS: readonly StreamWorkload[] = ['receive-stream', 'send-stream'];

export interface BenchPaper {
  readonly relativePerformance: number;
  readonly nativeCpuUtilization: number;
  readonly nooksCpuUtilization: number;
  readonly xpcPerSecond: number;
}

/** SOSP 2003, Table 3 (e1000): relative performance, CPU utilisation (0..1) and XPC rate. */
export const PAPER_PERFORMANCE: Readonly<Record<StreamWorkload, BenchPaper>> = {
  'receive-stream': { relativePerformance: 0.92, nativeCpuUtilization: 0.152, nooksCpuUtilization: 0.155, xpcPerSecond: 8923 },
  'send-stream': { relativePerformance: 0.91, nativeCpuUtilization: 0.214, nooksCpuUtilization: 0.393, xpcPerSecond: 60352 },
};

export interface BenchFigures {
  readonly throughputMbps: number;
  /** Busy / elapsed cycles over the transfer, 0..1. */
  readonly cpuUtilization: number;
  readonly xpcPerSecond: number;
  readonly xpcToExtensionPerSecond: number;
  readonly xpcToKernelPerSecond: number;
  readonly tlbMissesPerSecond: number;
  /** Simulated seconds of the transfer. */
  readonly seconds: number;
  readonly hostSeconds: number;
}

export interface BenchRow {
  readonly workload: StreamWorkload;
  readonly megabytes: number;
  readonly native: BenchFigures;
  readonly nooks: BenchFigures;
  /** Nooks throughput / native throughput. */
  readonly relativePerformance: number;
  readonly paper: BenchPaper;
}

export interface BenchReport {
  readonly extension: string;
  readonly megabytesPerStream: number;
  readonly time: string;
  readonly rows: readonly BenchRow[];
  readonly hostSeconds: number;
}

/** A benchmark run that did not complete (the machine did not come up, or the stream stalled). */
export class BenchRunError extends Error {
  readonly code = 'NOOKS_BENCH_RUN';
  override readonly name = 'BenchRunError';
}

const MIB = 1 << 20;

/** One workload on a fresh machine in one mode. */
export async function measureStream(extension: string, mode: Mode, workload: StreamWorkload, mb: number): Promise<BenchFigures> {
  const host0 = performance.now();
  const sys = NooksSystem.build({ extension, mode });
  if (sys.bootError) throw new BenchRunError(`${workload} (${mode}): the machine did not come up: ${sys.bootError.message}`);
  const bytes = mb * MIB;
  // Long enough for 100 Mb/s, and never under 2 simulated seconds.
  const timeLimitSeconds = Math.min(600, Math.max(2, (bytes * 8) / 100e6));
  const w: WorkloadResult = await runWorkload(sys, { workload, size: bytes, timeLimitSeconds });
  if (!w.completed) {
    const why = sys.k.dead ? `the kernel died: ${sys.k.dead.reason}` : (sys.nooks?.failures[0]?.reason ?? (w.corrupted ? 'data corrupted' : `${w.delivered} of ${w.expected} bytes in ${timeLimitSeconds} simulated s`));
    throw new BenchRunError(`${workload} (${mode}) did not complete: ${why}`);
  }
  return {
    throughputMbps: w.throughputMbps,
    cpuUtilization: w.cpuUtilization,
    xpcPerSecond: w.xpcPerSecond,
    xpcToExtensionPerSecond: w.xpcToExtensionPerSecond,
    xpcToKernelPerSecond: w.xpcToKernelPerSecond,
    tlbMissesPerSecond: w.tlbMissesPerSecond,
    seconds: w.seconds,
    hostSeconds: (performance.now() - host0) / 1000,
  };
}

/** The benchmark rows: each workload natively, then under Nooks, beside the paper's figures. */
export async function runPerformance(extension: string, workloads: readonly StreamWorkload[], mb: number): Promise<BenchReport> {
  const host0 = performance.now();
  const rows: BenchRow[] = [];
  for (const workload of workloads) {
    const native = await measureStream(extension, 'native', workload, mb);
    const nooks = await measureStream(extension, 'nooks', workload, mb);
    rows.push({ workload, megabytes: mb, native, nooks, relativePerformance: nooks.throughputMbps / native.throughputMbps, paper: PAPER_PERFORMANCE[workload] });
  }
  return { extension, megabytesPerStream: mb, time: 'simulated (cycles / 1.7 GHz), over the transfer', rows, hostSeconds: (performance.now() - host0) / 1000 };
}
