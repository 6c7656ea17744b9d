// Campaign progress: on a terminal, one line redrawn in place (bar, counts, rate, ETA, live
// outcome counts); anywhere else (a pipe, a log file, CI) one plain line per finished trial, so
// the output stays readable and greppable.

import type { CampaignProgress } from '@nooks/bench';
import { OUTCOMES } from '@nooks/bench';
import { duration } from './format.js';
import type { OutputStream } from './io.js';

export interface ProgressView {
  update(p: CampaignProgress): void;
  /** Ends the bar's line (terminal) so later output starts on a fresh line. */
  done(): void;
}

function counts(p: CampaignProgress): string {
  const parts = OUTCOMES.map((o) => `${o} ${p.outcomes[o]}`);
  if (p.runaway) parts.push(`runaway ${p.runaway}`);
  if (p.workerDied) parts.push(`worker-died ${p.workerDied}`);
  return parts.join('  ');
}

/** The terminal line for a progress report, fitted to `columns`. */
export function progressLine(p: CampaignProgress, columns = 100): string {
  const frac = p.total > 0 ? p.done / p.total : 1;
  const width = 24;
  const full = Math.round(frac * width);
  const bar = `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
  const rate = p.trialsPerMinute === null ? '' : `  ${p.trialsPerMinute.toFixed(1)}/min`;
  const eta = p.done >= p.total ? '  done' : `  ETA ${p.etaSeconds === null ? '?' : duration(p.etaSeconds)}`;
  const line = `${bar} ${p.done}/${p.total} ${(frac * 100).toFixed(0).padStart(3)}%${rate}${eta}  ${counts(p)}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(10, columns - 1)) : line;
}

/** The plain line for one finished trial. */
export function plainLine(p: CampaignProgress): string | undefined {
  if (!p.last) return undefined;
  const what = p.last.outcome ?? 'no outcome';
  const status = p.last.status === 'done' ? '' : ` (${p.last.status})`;
  return `[${p.done}/${p.total}] ${p.last.trialId}: ${what}${status}`;
}

export function progressView(stream: OutputStream, now: () => number): ProgressView {
  if (stream.isTTY) {
    let lastDraw = -Infinity;
    let drawn = false;
    let pending: CampaignProgress | undefined;
    const draw = (p: CampaignProgress): void => {
      stream.write(`\r\x1b[2K${progressLine(p, stream.columns || 100)}`);
      drawn = true;
      lastDraw = now();
      pending = undefined;
    };
    return {
      update(p) {
        // At most ten redraws a second; the last state is drawn by done().
        if (now() - lastDraw >= 100 || p.done >= p.total) draw(p);
        else pending = p;
      },
      done() {
        if (pending) draw(pending);
        if (drawn) stream.write('\n');
      },
    };
  }
  let started = false;
  return {
    update(p) {
      if (!started) {
        started = true;
        stream.write(`campaign ${p.campaign}: ${p.total} trials, ${p.skipped} already stored\n`);
      }
      const line = plainLine(p);
      if (line && p.ran > 0) stream.write(`${line}\n`);
    },
    done() {},
  };
}
