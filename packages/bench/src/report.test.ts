import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, formatReport } from './report.js';
import { openStore } from './store.js';
import type { CampaignSpec, ResultsStore, TrialRecordInput } from './store.js';
import type { Outcome } from './trial.js';

const dir = mkdtempSync(join(tmpdir(), 'nooks-report-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC: CampaignSpec = { extension: 'e1000', workload: 'receive-stream', trials: 10, faults: 5, firstSeed: 0, modes: ['native', 'nooks'] };

function fill(store: ResultsStore, campaignId: number, mode: 'native' | 'nooks', outcomes: ReadonlyArray<Outcome | null>, status: (i: number) => TrialRecordInput['status'] = () => 'done'): void {
  outcomes.forEach((outcome, seed) => {
    store.recordTrial(campaignId, { trialId: `e1000/${mode}/receive-stream/seed=${seed}/faults=5`, extension: 'e1000', mode, seed, outcome, status: status(seed), attempts: 1, hostSeconds: 1, simulatedSeconds: 0.1, result: { error: 'synthetic' } });
  });
}

let n = 0;
function sample(): ResultsStore {
  const store = openStore(join(dir, `r${n++}.db`));
  const c = store.createCampaign('main', SPEC);
  fill(store, c.id, 'native', ['system-crash', 'system-crash', 'hang', 'non-fatal', 'non-fatal', 'no-effect', 'no-effect', 'no-effect', 'no-effect', 'hang'], (i) => (i === 9 ? 'runaway' : 'done'));
  fill(store, c.id, 'nooks', ['recovered', 'recovered', 'recovered', 'non-fatal', 'no-effect', 'no-effect', 'no-effect', 'no-effect', 'no-effect', null], (i) => (i === 9 ? 'worker-died' : 'done'));
  const other = store.createCampaign('other', { ...SPEC, faults: 1 });
  fill(store, other.id, 'native', ['system-crash']);
  return store;
}

describe('reports', () => {
  it('counts outcomes per extension and mode, beside the paper', () => {
    const store = sample();
    const r = buildReport(store, { campaigns: ['main'] });
    expect(r.campaigns.map((c) => c.name)).toEqual(['main']);
    expect(r.extensions.e1000?.native).toEqual({ 'no-effect': 4, recovered: 0, 'non-fatal': 2, 'system-crash': 2, hang: 2, runaway: 1, workerDied: 0, total: 10 });
    expect(r.extensions.e1000?.nooks).toEqual({ 'no-effect': 5, recovered: 3, 'non-fatal': 1, 'system-crash': 0, hang: 0, runaway: 0, workerDied: 1, total: 10 });
    expect(r.comparison).toContainEqual({ measure: 'system-crashes', mode: 'native', paper: { count: 317, trials: 2000, rate: 317 / 2000 }, ours: { count: 4, trials: 10, rate: 0.4 } });
    expect(r.comparison).toContainEqual({ measure: 'non-fatal', mode: 'nooks', paper: { count: 212, trials: 2000, rate: 212 / 2000 }, ours: { count: 1, trials: 10, rate: 0.1 } });
    // every campaign by default
    expect(buildReport(store).extensions.e1000?.native?.total).toBe(11);
    expect(buildReport(store, { campaigns: [2] }).extensions.e1000?.native?.total).toBe(1);
    expect(() => buildReport(store, { campaigns: ['missing'] })).toThrow(/no campaign "missing"/);
    store.close();
  });

  it('renders JSON with extensions.<name>.<mode>.<outcome> and .total', () => {
    const store = sample();
    const json = JSON.parse(formatReport(buildReport(store, { campaigns: ['main'] }), 'json')) as { extensions: Record<string, Record<string, Record<string, number>>>; paper: { systemCrashes: unknown } };
    expect(json.extensions.e1000!.native!['system-crash']).toBe(2);
    expect(json.extensions.e1000!.nooks!.recovered).toBe(3);
    expect(json.extensions.e1000!.nooks!.total).toBe(10);
    expect(json.paper.systemCrashes).toEqual({ native: 317, nooks: 4 });
    store.close();
  });

  it('renders a terminal table, Markdown and CSV', () => {
    const store = sample();
    const report = buildReport(store, { campaigns: ['main'] });
    const table = formatReport(report, 'table');
    expect(table).toMatch(/e1000\s+native\s+4\s+0\s+2\s+2\s+2\s+1\s+0\s+10/);
    expect(table).toMatch(/system crashes\s+317 \/ 2000 \(15\.8%\)\s+4 \/ 2000 \(0\.2%\)\s+99%\s+4 \/ 10 \(40\.0%\)\s+0 \/ 10 \(0\.0%\)\s+100%/);
    expect(table).toContain('no per-extension breakdown');
    const md = formatReport(report, 'md');
    expect(md).toContain('| e1000 | nooks | 5 | 3 | 1 | 0 | 0 | 0 | 1 | 10 |');
    expect(md).toContain('| non-fatal failures | 512 / 2000 (25.6%) | 212 / 2000 (10.6%) | 59% | 2 / 10 (20.0%) | 1 / 10 (10.0%) | 50% |');
    const csv = formatReport(report, 'csv').trimEnd().split('\n');
    expect(csv).toEqual([
      'extension,mode,no-effect,recovered,non-fatal,system-crash,hang,runaway,worker-died,total,system_crashes,paper_trials,paper_system_crashes,paper_non_fatal',
      'e1000,native,4,0,2,2,2,1,0,10,4,2000,317,512',
      'e1000,nooks,5,3,1,0,0,0,1,10,0,2000,4,212',
    ]);
    store.close();
  });

  it('reports an empty store', () => {
    const store = openStore(join(dir, 'empty.db'));
    const r = buildReport(store);
    expect(r.extensions).toEqual({});
    expect(formatReport(r, 'table')).toContain('no campaigns in the store');
    expect(formatReport(r, 'csv').trimEnd().split('\n')).toHaveLength(1);
    store.close();
  });
});
