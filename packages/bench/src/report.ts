// Reports (DESIGN.md section 7): what a results store holds, per extension and mode, beside the
// paper's fault-injection results, as a terminal table, Markdown, CSV or JSON.
//
// The paper (SOSP 2003, section 6; PAPER.md) reports its campaign only in aggregate over five
// extensions (sb, e1000, pcnet32, vfat, khttpd; 400 trials of 5 faults each, per mode): system
// crashes 317 natively -> 4 under Nooks, non-fatal extension failures 512 -> 212. It gives no
// per-extension breakdown, so ours stand beside that aggregate, as counts and as rates per trial.
// A system crash is, as in the paper, a panic or a hang (our outcomes system-crash + hang).

import type { Mode } from '@nooks/system';
import { MODES } from '@nooks/system';
import { OUTCOMES } from './trial.js';
import type { Outcome } from './trial.js';
import type { ResultsStore } from './store.js';
import { StoreError } from './store.js';

export const REPORT_FORMATS = ['table', 'md', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The paper's fault-injection campaign, aggregated over its five extensions. */
export const PAPER_CAMPAIGN = {
  extensions: ['sb', 'e1000', 'pcnet32', 'vfat', 'khttpd'],
  trialsPerExtension: 400,
  faultsPerTrial: 5,
  /** Trials per mode across the five extensions. */
  trialsPerMode: 2000,
  systemCrashes: { native: 317, nooks: 4 },
  nonFatal: { native: 512, nooks: 212 },
} as const;

/** Counts of one extension in one mode. `total` = the five outcomes + workerDied. */
export type ModeCounts = Record<Outcome, number> & {
  /** Trials stopped on the host (also counted in `hang`). */
  runaway: number;
  /** Trials whose worker died twice (no outcome). */
  workerDied: number;
  total: number;
};

export interface ComparisonRow {
  readonly measure: 'system-crashes' | 'non-fatal';
  readonly mode: Mode;
  readonly paper: { readonly count: number; readonly trials: number; readonly rate: number };
  readonly ours: { readonly count: number; readonly trials: number; readonly rate: number | null };
}

export interface Report {
  /** The campaigns counted (all in the store unless a selection was given). */
  readonly campaigns: ReadonlyArray<{ readonly id: number; readonly name: string }>;
  /** extensions.<name>.<mode>.<outcome>, .runaway, .workerDied, .total */
  readonly extensions: Readonly<Record<string, Partial<Record<Mode, ModeCounts>>>>;
  /** All extensions together, per mode, beside the paper's aggregate. */
  readonly comparison: readonly ComparisonRow[];
  readonly paper: typeof PAPER_CAMPAIGN;
  readonly notes: readonly string[];
}

export interface ReportOptions {
  /** Campaign names or ids to count (default: every campaign in the store). */
  readonly campaigns?: ReadonlyArray<string | number>;
}

function emptyCounts(): ModeCounts {
  return { ...(Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>), runaway: 0, workerDied: 0, total: 0 };
}

/** Builds the report of a store's campaigns. */
export function buildReport(store: ResultsStore, options: ReportOptions = {}): Report {
  const known = store.listCampaigns();
  const chosen =
    options.campaigns === undefined
      ? known
      : options.campaigns.map((c) => {
          const hit = known.find((k) => k.name === c || k.id === c || String(k.id) === c);
          if (!hit) throw new StoreError('UNKNOWN_CAMPAIGN', store.path, `no campaign ${JSON.stringify(c)} (campaigns: ${known.map((k) => k.name).join(', ') || 'none'})`);
          return hit;
        });
  const extensions: Record<string, Partial<Record<Mode, ModeCounts>>> = {};
  for (const row of store.countOutcomes(chosen.map((c) => c.id))) {
    const ext = (extensions[row.extension] ??= {});
    const m = (ext[row.mode] ??= emptyCounts());
    if (row.outcome) m[row.outcome] += row.count;
    if (row.status === 'runaway') m.runaway += row.count;
    if (row.status === 'worker-died') m.workerDied += row.count;
    m.total += row.count;
  }
  const comparison: ComparisonRow[] = [];
  for (const measure of ['system-crashes', 'non-fatal'] as const) {
    for (const mode of MODES) {
      let count = 0;
      let trials = 0;
      for (const ext of Object.values(extensions)) {
        const m = ext[mode];
        if (!m) continue;
        trials += m.total;
        count += measure === 'system-crashes' ? m['system-crash'] + m.hang : m['non-fatal'];
      }
      const paperCount = measure === 'system-crashes' ? PAPER_CAMPAIGN.systemCrashes[mode] : PAPER_CAMPAIGN.nonFatal[mode];
      comparison.push({
        measure,
        mode,
        paper: { count: paperCount, trials: PAPER_CAMPAIGN.trialsPerMode, rate: paperCount / PAPER_CAMPAIGN.trialsPerMode },
        ours: { count, trials, rate: trials > 0 ? count / trials : null },
      });
    }
  }
  const notes = [
    `The paper's figures are its aggregate over ${PAPER_CAMPAIGN.extensions.length} extensions (${PAPER_CAMPAIGN.extensions.join(', ')}; ${PAPER_CAMPAIGN.trialsPerExtension} trials of ${PAPER_CAMPAIGN.faultsPerTrial} faults each, ${PAPER_CAMPAIGN.trialsPerMode} per mode); it gives no per-extension breakdown, so ours (all our extensions together) stand beside that aggregate.`,
    'System crashes are panics and hangs (system-crash + hang), as the paper counts them; a trial stopped on the host (runaway) counts as a hang.',
  ];
  return { campaigns: chosen.map((c) => ({ id: c.id, name: c.name })), extensions, comparison, paper: PAPER_CAMPAIGN, notes };
}

/** Renders a report in one of REPORT_FORMATS. */
export function formatReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return formatCsv(report);
    case 'md':
      return formatMarkdown(report);
    case 'table':
      return formatTable(report);
  }
}

const COUNT_COLUMNS = [...OUTCOMES, 'runaway', 'worker-died', 'total'] as const;

function countRows(report: Report): string[][] {
  const rows: string[][] = [];
  for (const name of Object.keys(report.extensions).sort()) {
    for (const mode of MODES) {
      const m = report.extensions[name]?.[mode];
      if (!m) continue;
      rows.push([name, mode, ...OUTCOMES.map((o) => String(m[o])), String(m.runaway), String(m.workerDied), String(m.total)]);
    }
  }
  return rows;
}

const pct = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

function comparisonRows(report: Report): string[][] {
  const label = { 'system-crashes': 'system crashes', 'non-fatal': 'non-fatal failures' } as const;
  const byMeasure = (measure: ComparisonRow['measure'], mode: Mode): ComparisonRow | undefined => report.comparison.find((c) => c.measure === measure && c.mode === mode);
  return (['system-crashes', 'non-fatal'] as const).map((measure) => {
    const n = byMeasure(measure, 'native');
    const k = byMeasure(measure, 'nooks');
    const cell = (c: ComparisonRow['paper'] | ComparisonRow['ours'] | undefined): string => (c ? `${c.count} / ${c.trials} (${pct(c.rate)})` : '-');
    const reduction = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || a === 0 ? '-' : `${Math.round((1 - b / a) * 100)}%`);
    return [label[measure], cell(n?.paper), cell(k?.paper), reduction(n?.paper.count, k?.paper.count), cell(n?.ours), cell(k?.ours), reduction(n?.ours.count, k?.ours.count)];
  });
}

const COMPARISON_HEADER = ['', 'paper native', 'paper Nooks', 'paper cut', 'ours native', 'ours Nooks', 'our cut'];

function align(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function campaignsLine(report: Report): string {
  return report.campaigns.length === 0 ? 'no campaigns in the store' : `campaigns: ${report.campaigns.map((c) => c.name).join(', ')}`;
}

function formatTable(report: Report): string {
  const counts = countRows(report);
  const out = ['Fault-injection outcomes per extension and mode', campaignsLine(report), ''];
  out.push(counts.length > 0 ? align([['extension', 'mode', ...COUNT_COLUMNS], ...counts]) : '(no trials stored)');
  out.push('', 'Beside the paper (SOSP 2003, section 6): trials that ended so / trials');
  out.push(align([COMPARISON_HEADER, ...comparisonRows(report)]));
  out.push('', ...report.notes.map((n) => `* ${n}`));
  return `${out.join('\n')}\n`;
}

function mdRow(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function formatMarkdown(report: Report): string {
  const counts = countRows(report);
  const out = ['## Fault-injection outcomes per extension and mode', '', campaignsLine(report), ''];
  const head = ['extension', 'mode', ...COUNT_COLUMNS];
  out.push(mdRow(head), mdRow(head.map((_, i) => (i < 2 ? '---' : '---:'))));
  for (const r of counts) out.push(mdRow(r));
  out.push('', '## Beside the paper (SOSP 2003, section 6)', '', 'Trials that ended so / trials (rate).', '');
  out.push(mdRow(COMPARISON_HEADER), mdRow(COMPARISON_HEADER.map((_, i) => (i === 0 ? '---' : '---:'))));
  for (const r of comparisonRows(report)) out.push(mdRow(r));
  out.push('', ...report.notes.map((n) => `- ${n}`));
  return `${out.join('\n')}\n`;
}

function csvCell(c: string | number): string {
  const s = String(c);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per extension and mode: our counts, then the paper's aggregate for that mode (its
 * trials, system crashes and non-fatal failures over its five extensions).
 */
function formatCsv(report: Report): string {
  const head = ['extension', 'mode', ...COUNT_COLUMNS, 'system_crashes', 'paper_trials', 'paper_system_crashes', 'paper_non_fatal'];
  const lines = [head.join(',')];
  for (const name of Object.keys(report.extensions).sort()) {
    for (const mode of MODES) {
      const m = report.extensions[name]?.[mode];
      if (!m) continue;
      lines.push(
        [name, mode, ...OUTCOMES.map((o) => m[o]), m.runaway, m.workerDied, m.total, m['system-crash'] + m.hang, PAPER_CAMPAIGN.trialsPerMode, PAPER_CAMPAIGN.systemCrashes[mode], PAPER_CAMPAIGN.nonFatal[mode]]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
