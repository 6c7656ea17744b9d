// End to end, in a real browser: the dashboard server over a store holding a tiny campaign,
// the built UI, and Debian's chromium driven by playwright-core (CONVENTIONS.md). It walks
// what a student would: the campaigns, one campaign's outcomes, a trial's faults, then a live
// system under Nooks whose driver is told to fail and comes back. Screenshots of every step go
// to test-artifacts/ (kept by CI as artifacts, ignored by git).

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCampaign } from '@nooks/bench';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/index.js';
import type { DashboardServer } from '../src/index.js';

const CHROMIUM = process.env.NOOKS_CHROMIUM ?? '/usr/bin/chromium';
/** The flags CONVENTIONS.md prescribes (playwright adds --user-data-dir for the persistent context). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const UI_DIR = join(PACKAGE_DIR, 'ui');
const UI_DIST = join(UI_DIR, 'dist');
const ARTIFACTS = join(PACKAGE_DIR, 'test-artifacts');
const OUTCOMES = ['no-effect', 'recovered', 'non-fatal', 'system-crash', 'hang'];
const TRIALS = 3;

let work: string;
let server: DashboardServer;
let context: BrowserContext;
let page: Page;
let campaignId: number;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function text(testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().innerText()).trim();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's chromium at ${CHROMIUM}, and it is missing: install it with ` +
        '`apt-get install -y chromium` (.ci/run does), or point NOOKS_CHROMIUM at a Chromium binary.',
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'nooks-dashboard-e2e-'));

  // The UI is normally built by `pnpm build` (turbo runs it before test); build it if missing.
  if (!existsSync(join(UI_DIST, 'index.html'))) {
    const { build } = await import('vite');
    await build({ root: UI_DIR, configFile: join(UI_DIR, 'vite.config.ts'), logLevel: 'warn' });
  }

  // A tiny campaign: 3 trials in each mode, 64 KiB streams.
  const dbPath = join(work, 'results.db');
  const summary = await runCampaign({ store: dbPath, spec: { extension: 'e1000', trials: TRIALS, size: 64 << 10 }, workers: 2 });
  campaignId = summary.campaignId;

  server = await startServer({ dbPath, port: 0, host: '127.0.0.1', uiDir: UI_DIST });
  context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(20_000);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('dashboard in a browser', () => {
  it('lists the campaigns', async () => {
    await page.goto(`${server.url}#/campaigns`);
    const row = page.getByTestId('campaign-row');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().innerText()).toContain('e1000');
    await shot('01-campaigns');
  });

  it('shows one campaign: outcomes native beside Nooks, the paper, the trials', async () => {
    await page.getByTestId('campaign-link').first().click();
    await page.getByTestId('outcome-table').first().waitFor();
    expect(page.url()).toContain(`#/campaigns/${campaignId}`);
    expect(await text('total-native')).toBe(String(TRIALS));
    expect(await text('total-nooks')).toBe(String(TRIALS));
    // The five outcome counts add up to the trials of each mode.
    for (const mode of ['native', 'nooks']) {
      let sum = 0;
      for (const o of OUTCOMES) sum += Number.parseInt(await text(`count-${mode}-${o}`), 10);
      expect(sum).toBe(TRIALS);
    }
    await expect.poll(() => page.getByTestId('outcome-chart').locator('rect.bar-nooks').count()).toBeGreaterThanOrEqual(OUTCOMES.length);
    expect(await text('paper-comparison')).toContain('system-crashes');
    await page.getByTestId('trial-row').first().waitFor();
    expect(await page.getByTestId('trial-row').count()).toBe(2 * TRIALS);
    await shot('02-campaign');

    // Filter to the Nooks trials.
    await page.getByTestId('filter-mode').selectOption('nooks');
    await expect.poll(() => page.locator('[data-testid="trial-row"][data-mode="native"]').count()).toBe(0);
    expect(await page.locator('[data-testid="trial-row"][data-mode="nooks"]').count()).toBe(TRIALS);
    expect(await text('trials-total')).toBe(`${TRIALS} trials`);
    await shot('03-campaign-nooks-trials');
  });

  it('drills into a trial: faults with disassembly, outcome, XPCs', async () => {
    await page.getByTestId('trial-link').first().click();
    await page.getByTestId('trial-outcome').waitFor();
    expect(page.url()).toContain('#/trial?');
    expect(OUTCOMES).toContain(await text('trial-outcome'));
    const faults = page.getByTestId('fault-row');
    expect(await faults.count()).toBe(5);
    // Disassembly before and after: AT&T mnemonics in both columns.
    const first = await faults.first().innerText();
    expect(first).toMatch(/[a-z]{2,}/);
    expect(Number((await text('trial-xpcs')).replace(/,/g, ''))).toBeGreaterThan(0);
    // Either the crash report or Nooks' failures, or a clean run.
    const outcome = await text('trial-outcome');
    if (outcome === 'system-crash' || outcome === 'hang') await page.getByTestId('crash-report').waitFor();
    if (outcome === 'recovered') await page.getByTestId('recovery').waitFor();
    await shot('04-trial');

    // Replay it with an XPC trace (a Nooks trial: the trace has crossings by site).
    await page.getByTestId('replay-button').click();
    await page.getByTestId('replay-result').waitFor({ timeout: 30_000 });
    expect(Number((await text('trace-events')).replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await page.getByTestId('trace-sites').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('05-trial-replayed');
  });

  it('shows API errors visibly', async () => {
    await page.goto(`${server.url}#/campaigns/999999`);
    const err = page.getByTestId('api-error');
    await err.waitFor();
    expect(await err.innerText()).toMatch(/999999|not found|NOT_FOUND/i);
    await shot('06-api-error');
  });

  it('shows the benchmarks native vs Nooks beside the paper', async () => {
    await page.getByTestId('nav-performance').click();
    await page.getByTestId('performance-table').waitFor({ timeout: 30_000 });
    const rows = page.getByTestId('perf-row');
    expect(await rows.count()).toBe(2);
    const table = await text('performance-table');
    expect(table).toContain('receive-stream');
    expect(table).toContain('send-stream');
    expect(table).toContain('0.92'); // the paper's relative performance, receive-stream
    expect(Number.parseFloat(await text('perf-relative'))).toBeGreaterThan(0);
    await shot('07-performance');
  });

  it('runs a live system under Nooks, signals a failure and shows the recovery', async () => {
    await page.goto(`${server.url}#/live`);
    await page.getByTestId('live-mode').selectOption('nooks');
    await page.getByTestId('live-workload').selectOption('receive-stream');
    await page.getByTestId('live-start').click();
    const throughput = async () => Number.parseFloat((await text('live-throughput-value')).replace(/,/g, '')) || 0;
    await expect.poll(throughput, { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId('domain').first().waitFor();
    expect(await page.getByTestId('domain').first().innerText()).toContain('e1000');
    await shot('08-live-running');

    await page.getByTestId('signal-failure').click();
    const recovered = page.locator('[data-testid="failure"][data-recovered="yes"]');
    await recovered.first().waitFor({ timeout: 30_000 });
    const timeline = recovered.first().getByTestId('failure-timeline');
    for (const event of ['detected', 'unloaded', 'reloaded', 'interface-up']) {
      expect(await timeline.locator(`li[data-event="${event}"]`).count()).toBeGreaterThan(0);
    }
    // Traffic resumes after the recovery.
    await expect.poll(throughput, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await text('live-state')).not.toBe('disabled');
    await shot('09-live-recovered');

    await page.getByTestId('inject-seed').fill('7');
    await page.getByTestId('inject-faults').click();
    await expect.poll(() => text('action-note'), { timeout: 10_000 }).toMatch(/^injected \d+ faults? \(seed 7\)/);
    await shot('10-live-faults-injected');

    await page.getByTestId('live-stop').click();
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
