// The paper's streaming benchmarks (SOSP 2003, Table 3) natively and under Nooks, as `nooks
// bench` computes them: each workload on a fresh machine in each mode, same seeds, measured by
// @nooks/system's runWorkload over the transfer in simulated time. Results are deterministic,
// so each size is computed once and cached.

import { NooksSystem, runWorkload } from '@nooks/system';
import type { Mode } from '@nooks/system';
import { ApiError } from './errors.js';
import { STREAM_WORKLOADS } from './schemas.js';
import type { StreamWorkload } from './schemas.js';

export interface PerformanceFigures {
  readonly throughputMbps: number;
  /** Busy / elapsed cycles over the transfer, 0..1. */
  readonly cpuUtilization: number;
  readonly xpcPerSecond: number;
  readonly xpcToExtensionPerSecond: number;
  readonly xpcToKernelPerSecond: number;
  readonly tlbMissesPerSecond: number;
  /** Simulated seconds of the transfer. */
  readonly seconds: number;
}

export interface PaperFigures {
  readonly relativePerformance: number;
  readonly nativeCpuUtilization: number;
  readonly nooksCpuUtilization: number;
  readonly xpcPerSecond: number;
}

export interface PerformanceRow {
  readonly workload: StreamWorkload;
  readonly megabytes: number;
  readonly native: PerformanceFigures;
  readonly nooks: PerformanceFigures;
  /** Nooks throughput / native throughput. */
  readonly relativePerformance: number;
  readonly paper: PaperFigures;
}

/** SOSP 2003, Table 3 (e1000): relative performance, CPU utilisation (0..1) and XPC rate. */
export const PAPER_PERFORMANCE: Readonly<Record<StreamWorkload, PaperFigures>> = {
  'receive-stream': { relativePerformance: 0.92, nativeCpuUtilization: 0.152, nooksCpuUtilization: 0.155, xpcPerSecond: 8923 },
  'send-stream': { relativePerformance: 0.91, nativeCpuUtilization: 0.214, nooksCpuUtilization: 0.393, xpcPerSecond: 60352 },
};

const MIB = 1 << 20;

async function measure(mode: Mode, workload: StreamWorkload, mb: number): Promise<PerformanceFigures> {
  const sys = NooksSystem.build({ extension: 'e1000', mode });
  if (sys.bootError) throw new ApiError(500, 'INTERNAL', `${workload} (${mode}): the machine did not come up: ${sys.bootError.message}`);
  const w = await runWorkload(sys, { workload, size: mb * MIB, timeLimitSeconds: Math.max(2, (mb * MIB * 8) / 100e6) });
  if (!w.completed) throw new ApiError(500, 'INTERNAL', `${workload} (${mode}) did not complete: ${sys.k.dead?.reason ?? `${w.delivered} of ${w.expected} bytes`}`);
  return {
    throughputMbps: w.throughputMbps,
    cpuUtilization: w.cpuUtilization,
    xpcPerSecond: w.xpcPerSecond,
    xpcToExtensionPerSecond: w.xpcToExtensionPerSecond,
    xpcToKernelPerSecond: w.xpcToKernelPerSecond,
    tlbMissesPerSecond: w.tlbMissesPerSecond,
    seconds: w.seconds,
  };
}

export async function computePerformance(mb: number): Promise<PerformanceRow[]> {
  const rows: PerformanceRow[] = [];
  for (const workload of STREAM_WORKLOADS) {
    const native = await measure('native', workload, mb);
    const nooks = await measure('nooks', workload, mb);
    rows.push({ workload, megabytes: mb, native, nooks, relativePerformance: nooks.throughputMbps / native.throughputMbps, paper: PAPER_PERFORMANCE[workload] });
  }
  return rows;
}

/** One computation per size; a failed one is forgotten so that it can be tried again. */
export class PerformanceCache {
  private readonly bySize = new Map<number, Promise<PerformanceRow[]>>();

  rows(mb: number): Promise<PerformanceRow[]> {
    let p = this.bySize.get(mb);
    if (!p) {
      p = computePerformance(mb);
      this.bySize.set(mb, p);
      p.catch(() => this.bySize.delete(mb));
    }
    return p;
  }
}
