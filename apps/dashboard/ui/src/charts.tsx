// Inline SVG charts: outcome bars (native beside Nooks) and a line chart of live figures.
import { OUTCOMES } from './api.ts';
import type { ModeCounts } from './api.ts';
import { num } from './format.ts';

export function OutcomeChart({ native, nooks, title }: { native?: ModeCounts; nooks?: ModeCounts; title: string }) {
  const width = 600;
  const height = 240;
  const pad = { left: 40, right: 10, top: 24, bottom: 40 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const value = (c: ModeCounts | undefined, o: string) => c?.[o] ?? 0;
  const max = Math.max(1, ...OUTCOMES.flatMap((o) => [value(native, o), value(nooks, o)]));
  const group = innerW / OUTCOMES.length;
  const bar = Math.min(36, (group - 16) / 2);
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={title}
      data-testid="outcome-chart"
    >
      <title>{title}</title>
      <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} className="axis" />
      <text x={pad.left - 6} y={y(max) + 4} className="tick" textAnchor="end">
        {max}
      </text>
      <text x={pad.left - 6} y={y(0) + 4} className="tick" textAnchor="end">
        0
      </text>
      {OUTCOMES.map((o, i) => {
        const x0 = pad.left + i * group + (group - 2 * bar - 4) / 2;
        const bars: Array<['native' | 'nooks', number]> = [
          ['native', value(native, o)],
          ['nooks', value(nooks, o)],
        ];
        return (
          <g key={o}>
            {bars.map(([mode, v], j) => (
              <g key={mode}>
                <rect
                  className={`bar bar-${mode}`}
                  x={x0 + j * (bar + 4)}
                  y={y(v)}
                  width={bar}
                  height={Math.max(0, y(0) - y(v))}
                >
                  <title>{`${o}, ${mode}: ${v}`}</title>
                </rect>
                <text x={x0 + j * (bar + 4) + bar / 2} y={y(v) - 4} className="value" textAnchor="middle">
                  {v}
                </text>
              </g>
            ))}
            <text x={pad.left + i * group + group / 2} y={height - pad.bottom + 16} className="label" textAnchor="middle">
              {o}
            </text>
          </g>
        );
      })}
      <g transform={`translate(${pad.left}, ${height - 10})`} className="legend">
        <rect className="bar bar-native" width={10} height={10} y={-9} />
        <text x={14}>native</text>
        <rect className="bar bar-nooks" x={70} width={10} height={10} y={-9} />
        <text x={84}>Nooks</text>
      </g>
    </svg>
  );
}

export interface Point {
  t: number;
  v: number;
}

export function LineChart({
  points,
  title,
  unit,
  testId,
  format = (v) => num(v),
}: {
  points: readonly Point[];
  title: string;
  unit: string;
  testId: string;
  format?: (v: number) => string;
}) {
  const width = 420;
  const height = 140;
  const pad = { left: 8, right: 8, top: 22, bottom: 16 };
  const last = points[points.length - 1];
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(t0 + 1e-9, last?.t ?? 1);
  const max = Math.max(1e-9, ...points.map((p) => p.v));
  const x = (t: number) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const path = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  return (
    <figure className="line-chart" data-testid={testId}>
      <figcaption>
        <span>{title}</span>{' '}
        <strong data-testid={`${testId}-value`}>{last ? format(last.v) : '–'}</strong> <span className="muted">{unit}</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={title}>
        <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} className="axis" />
        <text x={width - pad.right} y={pad.top - 6} className="tick" textAnchor="end">
          max {format(max)}
        </text>
        {points.length > 1 ? <polyline points={path} className="line" /> : null}
      </svg>
    </figure>
  );
}
