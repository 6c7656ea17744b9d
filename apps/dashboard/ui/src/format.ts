// Number formatting shared by the views.

/** Simulated clock of the machine (Pentium 4, 1.7 GHz): cycles -> seconds. */
export const CLOCK_HZ = 1.7e9;

export function num(v: unknown, digits = 0): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function pct(v: unknown, digits = 1): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(digits)}%`;
}

export function hex(v: unknown, width = 8): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return `0x${(v >>> 0).toString(16).padStart(width, '0')}`;
}

export function cyclesMs(cycles: unknown): string {
  if (typeof cycles !== 'number' || !Number.isFinite(cycles)) return '–';
  return `${((cycles / CLOCK_HZ) * 1000).toFixed(3)} ms`;
}

/** Any JSON value in one short line (for fields whose shape the UI does not know). */
export function brief(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return num(v, Number.isInteger(v) ? 0 : 3);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map(brief).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${brief(x)}`).join(' · ');
  return String(v);
}
