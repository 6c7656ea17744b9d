// Performance: the e1000 benchmarks native vs Nooks, beside the paper's figures.
import { useState } from 'react';
import type { PaperPerf, PerfFigures, PerfRow } from './api.ts';
import { brief, num, pct } from './format.ts';
import { useApi } from './use-api.ts';
import { ErrorBox, Loading } from './widgets.tsx';

interface Figure {
  key: keyof PerfFigures;
  label: string;
  fmt: (v: unknown) => string;
  /** The paper's value for native and for Nooks, where Table 3 gives one. */
  paper?: (p: PaperPerf) => [unknown, unknown];
}

const FIGURES: Figure[] = [
  { key: 'throughputMbps', label: 'throughput (Mb/s)', fmt: (v) => num(v, 1) },
  { key: 'cpuUtilization', label: 'CPU', fmt: (v) => pct(v), paper: (p) => [p.nativeCpuUtilization, p.nooksCpuUtilization] },
  { key: 'xpcPerSecond', label: 'XPC/s', fmt: (v) => num(v), paper: (p) => [undefined, p.xpcPerSecond] },
  { key: 'tlbMissesPerSecond', label: 'TLB misses/s', fmt: (v) => num(v) },
];

export function PerformanceView() {
  const [mb, setMb] = useState(2);
  // Runs once on opening at the server's default size; the server caches each size.
  const [requested, setRequested] = useState<number | null>(2);
  const { data, error, loading } = useApi<{ rows: PerfRow[] }>(requested === null ? null : `/api/performance?mb=${requested}`);
  return (
    <section>
      <h2>Performance: native vs Nooks</h2>
      <p className="muted">
        The paper's e1000 streaming benchmarks run on the simulated machine, once natively and once with the driver isolated.
      </p>
      <div className="controls">
        <label>
          stream size (MiB){' '}
          <input
            type="number"
            min={1}
            max={64}
            value={mb}
            data-testid="perf-mb"
            onChange={(e) => setMb(Math.max(1, Number(e.target.value) || 1))}
          />
        </label>
        <button type="button" data-testid="perf-run" disabled={loading} onClick={() => setRequested(mb)}>
          {loading ? 'Running…' : 'Run benchmarks'}
        </button>
      </div>
      <ErrorBox error={error} />
      {loading ? <Loading what="the benchmarks (a few seconds of simulation)" /> : null}
      {data ? (
        <table data-testid="performance-table">
          <thead>
            <tr>
              <th>workload</th>
              <th>figure</th>
              <th>native</th>
              <th>Nooks</th>
              <th>paper native</th>
              <th>paper Nooks</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => (
              <PerfRows key={r.workload} row={r} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function PerfRows({ row }: { row: PerfRow }) {
  const paper: PaperPerf = row.paper ?? {};
  const known = new Set(['relativePerformance', 'nativeCpuUtilization', 'nooksCpuUtilization', 'xpcPerSecond']);
  const otherPaper = Object.entries(row.paper ?? {}).filter(([k]) => !known.has(k));
  return (
    <>
      {FIGURES.map((f, i) => {
        const [pn, pk] = f.paper ? f.paper(paper) : [undefined, undefined];
        return (
          <tr key={f.key} data-testid={i === 0 ? 'perf-row' : undefined} data-workload={row.workload}>
            {i === 0 ? (
              <th rowSpan={FIGURES.length + 1} scope="rowgroup">
                {row.workload}
                {row.megabytes ? <div className="muted">{row.megabytes} MiB</div> : null}
              </th>
            ) : null}
            <td>{f.label}</td>
            <td className="num">{f.fmt(row.native?.[f.key])}</td>
            <td className="num">{f.fmt(row.nooks?.[f.key])}</td>
            <td className="num paper-cell">{f.fmt(pn)}</td>
            <td className="num paper-cell">{f.fmt(pk)}</td>
          </tr>
        );
      })}
      <tr>
        <td>relative performance (Nooks / native)</td>
        <td className="num" colSpan={2} data-testid="perf-relative">
          {num(row.relativePerformance, 2)}
        </td>
        <td className="num paper-cell" colSpan={2}>
          {num(paper.relativePerformance, 2)}
          {otherPaper.map(([k, v]) => (
            <span key={k} className="paper-fact">
              {' '}
              {k}: {brief(v)}
            </span>
          ))}
        </td>
      </tr>
    </>
  );
}
