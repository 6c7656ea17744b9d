// The paper's streaming benchmarks (SOSP 2003, Table 3) natively and under Nooks, as `nooks
// bench` computes them: each workload on a fresh machine in each mode, same seeds, measured by
// @nooks/system's runWorkload over the transfer in simulated time. Results are deterministic,
// so each size is computed once and cached.

import { BenchRunError, PAPER_PERFORMANCE, runPerformance } from '@nooks/bench';
import type { BenchFigures, BenchPaper, BenchRow } from '@nooks/bench';
import { ApiError } from './errors.js';
import { STREAM_WORKLOADS } from './schemas.js';

export type PerformanceFigures = BenchFigures;
export type PaperFigures = BenchPaper;
export type PerformanceRow = BenchRow;
export { PAPER_PERFORMANCE };

export async function computePerformance(mb: number): Promise<PerformanceRow[]> {
  try {
    return [...(await runPerformance('e1000', STREAM_WORKLOADS, mb)).rows];
  } catch (e) {
    if (e instanceof BenchRunError) throw new ApiError(500, 'INTERNAL', e.message);
    throw e;
  }
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
