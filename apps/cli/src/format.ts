// Plain-text tables and number formats shared by the commands.

/** Columns padded to their widest cell; the first `leftColumns` left-aligned, the rest right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number): string => (i < leftColumns ? s.padEnd(widths[i] ?? 0) : s.padStart(widths[i] ?? 0));
  const line = (r: readonly string[]): string => r.map(cell).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const f0 = (v: number): string => Math.round(v).toLocaleString('en-US');
export const f1 = (v: number): string => v.toFixed(1);
export const f2 = (v: number): string => v.toFixed(2);
export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
export const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** A duration in seconds as "1m05s" / "42s" / "1h02m". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Writes `value` as one line of JSON. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
