// The dashboard's JSON API in-process (app.request): every route's happy path on a store made
// by a tiny real campaign, and bad input answered with a 4xx and a message that says what is wrong.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/index.js';
import type { CampaignDetail, CampaignSummary, DashboardApp, PerformanceRow, TrialDetail, TrialRow } from '../src/index.js';
import { getJson, sendJson, tinyStore } from './support.js';
import type { TinyStore } from './support.js';

interface ErrorJson {
  error: { code: string; message: string };
}

let store: TinyStore;
let app: DashboardApp;

beforeAll(async () => {
  store = await tinyStore();
  app = createApp({ dbPath: store.dbPath, uiDir: join(store.dir, 'no-ui') });
});

afterAll(() => {
  app?.close();
  if (store) rmSync(store.dir, { recursive: true, force: true });
});

async function expectError(res: Promise<{ status: number; body: unknown }>, status: number, code: string, message: RegExp): Promise<void> {
  const r = await res;
  expect(r.status).toBe(status);
  const e = r.body as ErrorJson;
  expect(e.error.code).toBe(code);
  expect(e.error.message).toMatch(message);
}

describe('results store', () => {
  it('health says the store is there', async () => {
    const r = await getJson<{ ok: boolean; store: { available: boolean }; ui: { built: boolean } }>(app, '/api/health');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.store.available).toBe(true);
    expect(r.body.ui.built).toBe(false);
  });

  it('lists campaigns with outcome counts per mode', async () => {
    const r = await getJson<{ campaigns: CampaignSummary[] }>(app, '/api/campaigns');
    expect(r.status).toBe(200);
    expect(r.body.campaigns).toHaveLength(1);
    const c = r.body.campaigns[0]!;
    expect(c.id).toBe(store.summary.campaignId);
    expect(c.spec).toMatchObject({ extension: 'e1000', trials: 2, size: 65536 });
    expect(c.counts.native?.total).toBe(2);
    expect(c.counts.nooks?.total).toBe(2);
    const n = c.counts.nooks!;
    expect(n['no-effect'] + n.recovered + n['non-fatal'] + n['system-crash'] + n.hang).toBe(2);
  });

  it("gives one campaign with its report and the paper's figures", async () => {
    const r = await getJson<CampaignDetail>(app, `/api/campaigns/${store.summary.campaignId}`);
    expect(r.status).toBe(200);
    expect(r.body.campaign.name).toMatch(/^e1000\//);
    expect(r.body.report.extensions.e1000?.native?.total).toBe(2);
    expect(r.body.report.comparison).toHaveLength(4);
    expect(r.body.report.paper.systemCrashes).toEqual({ native: 317, nooks: 4 });
    expect(r.body.paper.trialsPerMode).toBe(2000);
  });

  it('lists trials, filtered and paged', async () => {
    const id = store.summary.campaignId;
    const all = await getJson<{ trials: TrialRow[]; total: number }>(app, `/api/campaigns/${id}/trials`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.trials.map((t) => t.seed)).toEqual([3, 3, 4, 4]);
    for (const t of all.body.trials) {
      expect(t.trialId).toBe(`e1000/${t.mode}/receive-stream/seed=${t.seed}/faults=5/size=65536`);
      expect(t.status).toBe('done');
      expect(t.summary.length).toBeGreaterThan(0);
    }
    const nooks = await getJson<{ trials: TrialRow[]; total: number }>(app, `/api/campaigns/${id}/trials?mode=nooks`);
    expect(nooks.body.total).toBe(2);
    expect(nooks.body.trials.every((t) => t.mode === 'nooks')).toBe(true);
    const page = await getJson<{ trials: TrialRow[]; total: number }>(app, `/api/campaigns/${id}/trials?limit=1&offset=1`);
    expect(page.body.total).toBe(4);
    expect(page.body.trials).toEqual([all.body.trials[1]]);
    const outcome = all.body.trials[0]!.outcome!;
    const byOutcome = await getJson<{ trials: TrialRow[]; total: number }>(app, `/api/campaigns/${id}/trials?outcome=${outcome}`);
    expect(byOutcome.body.total).toBe(all.body.trials.filter((t) => t.outcome === outcome).length);
  });

  it('gives one stored trial by campaign and id', async () => {
    const id = store.summary.campaignId;
    const trialId = 'e1000/nooks/receive-stream/seed=3/faults=5/size=65536';
    const r = await getJson<TrialDetail>(app, `/api/trial?campaign=${id}&id=${encodeURIComponent(trialId)}`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('done');
    const t = r.body.trial as unknown as { id: string; faults: unknown[]; outcome: string };
    expect(t.id).toBe(trialId);
    expect(t.faults.length).toBeGreaterThan(0);
    expect(t.outcome).toBe(r.body.outcome);
  });

  it('replays a trial with a trace summary, giving the stored outcome', async () => {
    const trialId = 'e1000/nooks/receive-stream/seed=3/faults=5/size=65536';
    const stored = await getJson<TrialDetail>(app, `/api/trial?campaign=${store.summary.campaignId}&id=${encodeURIComponent(trialId)}`);
    const r = await sendJson<{ trial: { id: string; outcome: string; trace?: unknown }; traceSummary: { events: number; bySite: Record<string, number> } }>(app, 'POST', '/api/trial/replay', { id: trialId, trace: true });
    expect(r.status).toBe(200);
    expect(r.body.trial.id).toBe(trialId);
    expect(r.body.trial.trace).toBeUndefined();
    expect(r.body.traceSummary.events).toBeGreaterThan(0);
    expect(Object.values(r.body.traceSummary.bySite).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(r.body.traceSummary.events);
    // The id carries the campaign's stream size: the replay is the same trial, same outcome.
    expect(r.body.trial.outcome).toBe(stored.body.outcome);
  });
});

describe('performance', () => {
  it('computes native vs Nooks rows beside the paper, cached per size', async () => {
    const t0 = performance.now();
    const r = await getJson<{ rows: PerformanceRow[] }>(app, '/api/performance?mb=1');
    const first = performance.now() - t0;
    expect(r.status).toBe(200);
    expect(r.body.rows.map((x) => x.workload)).toEqual(['receive-stream', 'send-stream']);
    for (const row of r.body.rows) {
      expect(row.native.throughputMbps).toBeGreaterThan(100);
      expect(row.nooks.xpcPerSecond).toBeGreaterThan(0);
      expect(row.native.xpcPerSecond).toBe(0);
      expect(row.nooks.tlbMissesPerSecond).toBeGreaterThan(row.native.tlbMissesPerSecond);
      expect(row.relativePerformance).toBeCloseTo(row.nooks.throughputMbps / row.native.throughputMbps, 6);
      expect(row.paper.relativePerformance).toBeGreaterThan(0.9);
    }
    const t1 = performance.now();
    const again = await getJson<{ rows: PerformanceRow[] }>(app, '/api/performance?mb=1');
    expect(again.body).toEqual(r.body);
    expect(performance.now() - t1).toBeLessThan(first / 2);
  });
});

describe('bad input', () => {
  it('unknown and malformed campaign ids', async () => {
    await expectError(getJson(app, '/api/campaigns/999'), 404, 'UNKNOWN_CAMPAIGN', /no campaign with id 999 \(campaign ids: 1\)/);
    await expectError(getJson(app, '/api/campaigns/abc'), 400, 'BAD_REQUEST', /campaign id must be a decimal integer/);
    await expectError(getJson(app, '/api/campaigns/0'), 400, 'BAD_REQUEST', /campaign id must be at least 1/);
    await expectError(getJson(app, '/api/campaigns/999/trials'), 404, 'UNKNOWN_CAMPAIGN', /no campaign with id 999/);
  });

  it('bad trial filters', async () => {
    const base = `/api/campaigns/${store.summary.campaignId}/trials`;
    await expectError(getJson(app, `${base}?mode=kernel`), 400, 'BAD_REQUEST', /mode must be one of native, nooks/);
    await expectError(getJson(app, `${base}?outcome=exploded`), 400, 'BAD_REQUEST', /outcome must be one of no-effect, recovered, non-fatal, system-crash, hang/);
    await expectError(getJson(app, `${base}?limit=0`), 400, 'BAD_REQUEST', /limit must be at least 1/);
    await expectError(getJson(app, `${base}?limit=501`), 400, 'BAD_REQUEST', /limit must be at most 500/);
    await expectError(getJson(app, `${base}?limit=ten`), 400, 'BAD_REQUEST', /limit must be a decimal integer/);
    await expectError(getJson(app, `${base}?offset=-1`), 400, 'BAD_REQUEST', /offset must be at least 0/);
    await expectError(getJson(app, `${base}?sort=seed`), 400, 'BAD_REQUEST', /unknown query parameter \(allowed: mode, outcome, limit, offset\) \(got "sort"\)/);
  });

  it('unknown and missing trial ids', async () => {
    const id = store.summary.campaignId;
    await expectError(getJson(app, `/api/trial?campaign=${id}&id=${encodeURIComponent('e1000/nooks/receive-stream/seed=99/faults=5')}`), 404, 'UNKNOWN_TRIAL', /has no trial "e1000\/nooks\/receive-stream\/seed=99\/faults=5"/);
    await expectError(getJson(app, `/api/trial?campaign=${id}`), 400, 'BAD_REQUEST', /id/);
    await expectError(getJson(app, '/api/trial?campaign=x&id=a'), 400, 'BAD_REQUEST', /campaign must be a decimal integer/);
    await expectError(getJson(app, '/api/trial?campaign=42&id=a'), 404, 'UNKNOWN_CAMPAIGN', /no campaign with id 42/);
  });

  it('malformed replay requests', async () => {
    await expectError(sendJson(app, 'POST', '/api/trial/replay', '{"id": ', true), 400, 'BAD_JSON', /not valid JSON/);
    await expectError(sendJson(app, 'POST', '/api/trial/replay', '', true), 400, 'BAD_JSON', /needs a JSON body/);
    await expectError(sendJson(app, 'POST', '/api/trial/replay', { trace: true }), 400, 'BAD_REQUEST', /id/);
    await expectError(sendJson(app, 'POST', '/api/trial/replay', { id: 'e1000/nooks/receive-stream/seed=1/faults=5', trace: 'yes' }), 400, 'BAD_REQUEST', /trace must be true or false/);
    await expectError(sendJson(app, 'POST', '/api/trial/replay', { id: 'e1000/nooks' }), 400, 'BAD_CONFIG', /wrong number of parts/);
    await expectError(sendJson(app, 'POST', '/api/trial/replay', { id: 'e1000/kernel/receive-stream/seed=1/faults=5' }), 400, 'BAD_CONFIG', /mode: must be native or nooks/);
  });

  it('bad performance sizes', async () => {
    await expectError(getJson(app, '/api/performance?mb=17'), 400, 'BAD_REQUEST', /mb must be at most 16/);
    await expectError(getJson(app, '/api/performance?mb=1.5'), 400, 'BAD_REQUEST', /mb must be a decimal integer/);
  });

  it('bad live configs and unknown live ids', async () => {
    await expectError(sendJson(app, 'POST', '/api/live', { extension: 'pcnet32', mode: 'nooks' }), 400, 'BAD_REQUEST', /extension must be "e1000"/);
    await expectError(sendJson(app, 'POST', '/api/live', { extension: 'e1000', mode: 'isolated' }), 400, 'BAD_REQUEST', /mode must be one of native, nooks/);
    await expectError(sendJson(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks', workload: 'ping' }), 400, 'BAD_REQUEST', /workload must be one of receive-stream, send-stream/);
    await expectError(sendJson(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks', bug: 'DROP TABLE' }), 400, 'BAD_REQUEST', /bug must name a hand-made e1000 bug variant/);
    await expectError(sendJson(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks', bug: 'e1000-no-such-bug' }), 400, 'BAD_CONFIG', /no built object named e1000-no-such-bug/);
    await expectError(sendJson(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks', speed: 2 }), 400, 'BAD_REQUEST', /unknown field \(fields: extension, mode, workload, bug\) \(got "speed"\)/);
    await expectError(sendJson(app, 'POST', '/api/live', '[1,', true), 400, 'BAD_JSON', /not valid JSON/);
    await expectError(getJson(app, '/api/live/0000-none/events'), 404, 'UNKNOWN_LIVE_SYSTEM', /no live system "0000-none"/);
    await expectError(getJson(app, '/api/live/0000-none/domains'), 404, 'UNKNOWN_LIVE_SYSTEM', /start one with POST \/api\/live/);
    await expectError(sendJson(app, 'POST', '/api/live/0000-none/inject', { kind: 'bug-signal' }), 404, 'UNKNOWN_LIVE_SYSTEM', /no live system/);
    await expectError(sendJson(app, 'DELETE', '/api/live/0000-none', undefined), 404, 'UNKNOWN_LIVE_SYSTEM', /no live system/);
    await expectError(getJson(app, '/api/live/Bad_Id!'), 400, 'BAD_REQUEST', /live system id must be letters, digits and dashes/);
  });

  it('unknown API routes are 404 JSON', async () => {
    await expectError(getJson(app, '/api/nothing'), 404, 'NOT_FOUND', /no API route GET \/api\/nothing/);
    await expectError(getJson(app, '/api/trial/replay'), 404, 'NOT_FOUND', /no API route GET \/api\/trial\/replay/);
  });
});

describe('the UI', () => {
  it('says the UI is not built when it is not', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/The UI is not built/);
  });

  it('serves a built UI, with index.html for page paths', async () => {
    const dir = join(store.dir, 'ui');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root">dashboard</div>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const ui = createApp({ dbPath: store.dbPath, uiDir: dir });
    try {
      const index = await ui.request('/');
      expect(await index.text()).toMatch(/id="root"/);
      const js = await ui.request('/assets/app.js');
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect(await js.text()).toBe('console.log(1)');
      const page = await ui.request('/campaigns/1');
      expect(await page.text()).toMatch(/id="root"/);
      expect((await ui.request('/assets/missing.js')).status).toBe(404);
      expect((await ui.request('/../package.json')).status).toBe(404);
    } finally {
      ui.close();
    }
  });
});
