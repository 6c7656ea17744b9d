import type { CampaignProgress } from '@nooks/bench';
import { describe, expect, it } from 'vitest';
import { progressLine, progressView } from './progress.js';

function progress(done: number, last?: CampaignProgress['last']): CampaignProgress {
  return {
    campaign: 'e1000/receive-stream/faults=5',
    total: 10,
    done,
    skipped: 2,
    ran: done - 2,
    outcomes: { 'no-effect': done - 2, recovered: 1, 'non-fatal': 1, 'system-crash': 0, hang: 0 },
    runaway: 0,
    workerDied: 0,
    elapsedSeconds: 30,
    etaSeconds: done >= 10 ? 0 : 75,
    trialsPerMinute: 12,
    ...(last ? { last } : {}),
  };
}

describe('campaign progress', () => {
  it('a terminal line: bar, count, rate, ETA and the live outcome counts', () => {
    const line = progressLine(progress(4), 200);
    expect(line).toMatch(/^\[#{10}-{14}\] 4\/10 +40% {2}12\.0\/min {2}ETA 1m15s {2}no-effect 2 {2}recovered 1 {2}non-fatal 1 {2}system-crash 0 {2}hang 0$/);
    expect(progressLine(progress(4), 40).length).toBeLessThanOrEqual(39);
  });

  it('redraws in place on a terminal, at most 10 times a second, and ends the line', () => {
    let out = '';
    let t = 0;
    const view = progressView({ write: (s: string) => (out += s), isTTY: true, columns: 200 }, () => t);
    view.update(progress(2));
    t = 50;
    view.update(progress(3)); // too soon: kept for later
    expect(out.match(/\r/g)).toHaveLength(1);
    view.done();
    const last = out.split('\r').at(-1) ?? '';
    expect(last.startsWith('\u001b[2K')).toBe(true);
    expect(last).toMatch(/ 3\/10 .*\n$/);
  });

  it('plain lines elsewhere: one per finished trial', () => {
    let out = '';
    const view = progressView({ write: (s: string) => (out += s), isTTY: false }, () => 0);
    view.update(progress(2));
    view.update(progress(3, { trialId: 'e1000/nooks/receive-stream/seed=0/faults=5', mode: 'nooks', outcome: 'recovered', status: 'done' }));
    view.update(progress(4, { trialId: 'e1000/native/receive-stream/seed=1/faults=5', mode: 'native', outcome: 'hang', status: 'runaway' }));
    view.done();
    expect(out).toBe(
      'campaign e1000/receive-stream/faults=5: 10 trials, 2 already stored\n' +
        '[3/10] e1000/nooks/receive-stream/seed=0/faults=5: recovered\n' +
        '[4/10] e1000/native/receive-stream/seed=1/faults=5: hang (runaway)\n',
    );
    expect(out).not.toContain('\r');
  });
});
