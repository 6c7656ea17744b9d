// Campaign runner tests. Workers run dist/worker.js, so the package is built first when its
// dist is missing or older than its sources (turbo builds before testing; a bare `vitest run`
// or `pnpm test` before `pnpm build` must work too).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignName, campaignTrials, resolveCampaignSpec, runCampaign } from './campaign.js';
import type { CampaignProgress } from './campaign.js';
import { openStore } from './store.js';
import type { StoredTrial } from './store.js';
import { trialId } from './trial.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const SIZE = 16 << 10; // small streams: a trial takes 0.1-0.3 s (2 s when the workload stalls)
const dir = mkdtempSync(join(tmpdir(), 'nooks-campaign-test-'));
let n = 0;
const fresh = (): string => join(dir, `c${n++}.db`);

function newestSource(): number {
  return Math.max(...readdirSync(join(PKG, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => statSync(join(PKG, 'src', f)).mtimeMs));
}

beforeAll(() => {
  const outputs = ['index.js', 'worker.js'].map((f) => join(PKG, 'dist', f));
  if (outputs.every(existsSync) && Math.min(...outputs.map((f) => statSync(f).mtimeMs)) >= newestSource()) return;
  const r = spawnSync('pnpm', ['exec', 'tsup'], { cwd: PKG, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building @nooks/bench failed:\n${r.stdout}\n${r.stderr}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** trial id -> the stored result without its host time. */
function byId(trials: readonly StoredTrial[]): Map<string, unknown> {
  return new Map(trials.map((t) => [t.trialId, { outcome: t.outcome, status: t.status, result: { ...t.result, hostSeconds: 0 } }]));
}

function idsOf(trials: number, size = SIZE): string[] {
  return campaignTrials(resolveCampaignSpec({ extension: 'e1000', trials, size })).map(trialId).sort();
}

describe('campaigns', () => {
  it('runs every trial exactly once, in both modes with the same seeds, the same on 1 and 2 workers', async () => {
    const spec = { extension: 'e1000', trials: 6, size: SIZE };
    const events: CampaignProgress[] = [];
    const two = await runCampaign({ store: fresh(), spec, workers: 2, onProgress: (p) => events.push(p) });
    const onePath = fresh();
    const one = await runCampaign({ store: onePath, spec, workers: 1 });
    for (const s of [one, two]) {
      expect(s).toMatchObject({ total: 12, done: 12, ran: 12, skipped: 0, aborted: false, runaway: 0, workerDied: 0 });
      expect(Object.values(s.outcomes).reduce((a, b) => a + b, 0)).toBe(12);
    }
    expect(two.workers).toBe(2);
    expect(events.map((e) => e.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(events.at(-1)?.etaSeconds).toBe(0);

    const store = openStore(onePath, { readonly: true });
    const [campaign] = store.listCampaigns();
    expect(campaign?.name).toBe(campaignName(resolveCampaignSpec(spec)));
    const trials = store.readTrials(campaign!.id);
    expect(trials.map((t) => t.trialId).sort()).toEqual(idsOf(6));
    expect(trials.every((t) => t.status === 'done' && t.attempts === 1)).toBe(true);
    // the same faults natively and under Nooks (their disassembly differs only in call targets:
    // under Nooks the extension's imports are bound to wrappers)
    const sites = (r: unknown): unknown => (r as { faults: Array<{ type: string; symbol: string; address: number }> }).faults.map((f) => [f.type, f.symbol, f.address]);
    for (let seed = 0; seed < 6; seed++) {
      const [native, nooks] = (['native', 'nooks'] as const).map((mode) => trials.find((t) => t.seed === seed && t.mode === mode)?.result);
      expect(sites(nooks)).toEqual(sites(native));
      expect((sites(native) as unknown[]).length).toBe(5);
    }
    const twoStore = openStore(store.path.replace(/c\d+\.db$/, 'c0.db'), { readonly: true });
    expect(byId(twoStore.readTrials())).toEqual(byId(trials));
    twoStore.close();

    // a second run of the finished campaign runs nothing
    store.close();
    const again = await runCampaign({ store: onePath, spec, workers: 2 });
    expect(again).toMatchObject({ total: 12, done: 12, ran: 0, skipped: 12 });
  });

  it('resumes a campaign killed with SIGKILL: every trial exactly once', async () => {
    const path = fresh();
    const trials = 6;
    const child = spawn(process.execPath, [join(PKG, 'test/fixtures/campaign-child.mjs'), path, String(trials), String(SIZE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const stored = (): number => {
      if (!existsSync(path)) return 0;
      try {
        const db = new Database(path, { readonly: true, fileMustExist: true });
        try {
          return db.prepare('SELECT COUNT(*) FROM trials').pluck().get() as number;
        } finally {
          db.close();
        }
      } catch {
        return 0; // still being created
      }
    };
    const t0 = Date.now();
    while (stored() < 3) {
      if (child.exitCode !== null) throw new Error(`the campaign child ended early (${child.exitCode}): ${stderr}`);
      if (Date.now() - t0 > 60_000) throw new Error('no trial stored within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = stored();
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(trials * 2);

    const resumed = await runCampaign({ store: path, spec: { extension: 'e1000', trials, size: SIZE }, workers: 2 });
    expect(resumed).toMatchObject({ total: 12, done: 12, skipped: before, ran: 12 - before, aborted: false });
    const store = openStore(path, { readonly: true });
    const rows = store.readTrials();
    expect(rows.map((t) => t.trialId).sort()).toEqual(idsOf(trials));
    expect(store.listCampaigns()).toHaveLength(1);
    store.close();
  });

  it('records a runaway trial as such and goes on', async () => {
    const path = fresh();
    const runaway = `e1000/nooks/receive-stream/seed=1/faults=5/size=${SIZE}`;
    const s = await runCampaign({
      store: path,
      spec: { extension: 'e1000', trials: 3, size: SIZE },
      workers: 2,
      hostTimeLimitSeconds: (t) => (trialId(t) === runaway ? 0.001 : 120),
    });
    expect(s).toMatchObject({ total: 6, done: 6, runaway: 1, workerDied: 0, aborted: false });
    const store = openStore(path, { readonly: true });
    const rows = store.readTrials();
    expect(rows).toHaveLength(6);
    expect(rows.find((t) => t.trialId === runaway)).toMatchObject({ status: 'runaway', outcome: 'hang', attempts: 1, simulatedSeconds: null });
    expect(rows.filter((t) => t.status === 'done')).toHaveLength(5);
    store.close();
  });

  it('replaces a worker that dies, retries its trial once, then records it', async () => {
    const path = fresh();
    const s = await runCampaign({
      store: path,
      spec: { extension: 'e1000', trials: 5, size: SIZE, modes: ['nooks'] },
      workers: 2,
      workerUrl: new URL('../test/fixtures/flaky-worker.mjs', import.meta.url),
    });
    expect(s).toMatchObject({ total: 5, done: 5, workerDied: 2, runaway: 0 });
    const store = openStore(path, { readonly: true });
    const bySeed = new Map(store.readTrials().map((t) => [t.seed, t]));
    expect(bySeed.get(1)).toMatchObject({ status: 'worker-died', outcome: null, attempts: 2, result: { error: expect.stringMatching(/worker exited \(code 3\)/) as string } });
    expect(bySeed.get(2)).toMatchObject({ status: 'done', attempts: 2 });
    expect(bySeed.get(3)).toMatchObject({ status: 'worker-died', outcome: null, attempts: 2, result: { error: 'Error: injected failure' } });
    expect(bySeed.get(0)).toMatchObject({ status: 'done', attempts: 1 });
    expect(bySeed.get(4)).toMatchObject({ status: 'done', attempts: 1 });
    store.close();
  });

  it('stops on abort, keeping what was stored, and refuses a name with other settings', async () => {
    const path = fresh();
    const controller = new AbortController();
    const s = await runCampaign({
      store: path,
      spec: { extension: 'e1000', trials: 4, size: SIZE },
      workers: 1,
      signal: controller.signal,
      onProgress: (p) => p.done >= 2 && controller.abort(),
    });
    expect(s.aborted).toBe(true);
    expect(s.done).toBeGreaterThanOrEqual(2);
    expect(s.done).toBeLessThan(8);
    await expect(runCampaign({ store: path, spec: { extension: 'e1000', trials: 4, size: SIZE, faults: 3 }, name: s.campaign })).rejects.toMatchObject({ code: 'CAMPAIGN_MISMATCH' });
    await expect(runCampaign({ store: path, spec: { extension: 'e9999', trials: 4 } })).rejects.toThrow(/unknown extension/);
    await expect(runCampaign({ store: path, spec: { extension: 'e1000', trials: 4, size: SIZE }, workers: 0 })).rejects.toThrow(/workers/);
  });

  it('gives up when its workers cannot start', async () => {
    const run = runCampaign({ store: fresh(), spec: { extension: 'e1000', trials: 2, size: SIZE }, workers: 2, workerUrl: new URL('../test/fixtures/broken-worker.mjs', import.meta.url) });
    await expect(run).rejects.toMatchObject({ code: 'WORKER_FAILED', message: expect.stringMatching(/this worker is broken/) as string });
  });
});
