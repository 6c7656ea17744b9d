// The dashboard's HTTP app (Hono): the JSON API under /api, validated with zod, and the built UI.
// Every error is `{ error: { code, message } }` with a 4xx for bad input and a 5xx for ours.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StoreError, TRACE_LIMIT, TrialSpecError, parseTrialId, runTrial } from '@nooks/bench';
import type { TrialResult } from '@nooks/bench';
import { ConfigError } from '@nooks/system';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ZodType } from 'zod';
import { campaignDetail, getTrial, listCampaigns, listTrials } from './campaigns.js';
import { describeDomains } from './domains.js';
import { ApiError, describeZodError, errorBody } from './errors.js';
import { LiveRegistry } from './live.js';
import type { LIVE_DEFAULTS } from './live.js';
import { PerformanceCache } from './performance.js';
import { campaignIdSchema, injectBodySchema, liveBodySchema, liveIdSchema, performanceQuerySchema, replayBodySchema, trialQuerySchema, trialsQuerySchema } from './schemas.js';
import { StaticUi, UI_NOT_BUILT_HTML } from './static-ui.js';
import { StoreAccess } from './store-access.js';

export interface AppOptions {
  /** The results store (read-only). */
  readonly dbPath: string;
  /** The built UI (default: ui/dist of this package). */
  readonly uiDir?: string;
  /** Limits of the live systems (tests shorten them). */
  readonly live?: Partial<typeof LIVE_DEFAULTS>;
}

export type DashboardApp = Hono & {
  /** The live systems this app runs. */
  readonly live: LiveRegistry;
  /** Stops every live system and closes the store. */
  close(): void;
};

export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui/dist', import.meta.url));
export const VERSION = '0.1.0';
/** Trace events summarised in a replay's traceSummary (the trial records at most TRACE_LIMIT). */
export const REPLAY_TRACE_SITES = 200;

function validate<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError(400, 'BAD_REQUEST', `bad ${where}: ${describeZodError(r.error)}`);
  return r.data;
}

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new ApiError(400, 'BAD_JSON', 'the request needs a JSON body (Content-Type: application/json)');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ApiError(400, 'BAD_JSON', `the body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function queryOf(c: Context): Record<string, string> {
  return c.req.query();
}

function traceSummary(trace: TrialResult['trace']): { events: number; truncated: boolean; bySite: Record<string, number>; byDirection: Record<string, number> } | undefined {
  if (!trace) return undefined;
  const bySite = new Map<string, number>();
  const byDirection: Record<string, number> = { 'to-extension': 0, 'to-kernel': 0 };
  for (const e of trace) {
    bySite.set(e.site, (bySite.get(e.site) ?? 0) + 1);
    byDirection[e.direction] = (byDirection[e.direction] ?? 0) + 1;
  }
  const top = [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, REPLAY_TRACE_SITES);
  return { events: trace.length, truncated: trace.length >= TRACE_LIMIT, bySite: Object.fromEntries(top), byDirection };
}

export function createApp(options: AppOptions): DashboardApp {
  const store = new StoreAccess(options.dbPath);
  const live = new LiveRegistry(options.live);
  const performanceCache = new PerformanceCache();
  const ui = new StaticUi(options.uiDir ?? DEFAULT_UI_DIR);
  const started = Date.now();
  const hono = new Hono();

  hono.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status);
    if (err instanceof TrialSpecError || err instanceof ConfigError) return c.json(errorBody('BAD_CONFIG', err.message), 400);
    if (err instanceof StoreError) return c.json(errorBody('NO_STORE', `results store: ${err.message}`), err.code === 'BAD_ROW' ? 500 : 503);
    return c.json(errorBody('INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`), 500);
  });

  hono.notFound((c) => {
    const path = c.req.path;
    if (path === '/api' || path.startsWith('/api/')) return c.json(errorBody('NOT_FOUND', `no API route ${c.req.method} ${path} (see GET /api/health for the routes)`), 404);
    return c.text('not found', 404);
  });

  // ------------------------------------------------------------------ health
  hono.get('/api/health', (c) => {
    let storeState: { path: string; available: boolean; error?: string };
    try {
      store.get();
      storeState = { path: store.path, available: true };
    } catch (e) {
      storeState = { path: store.path, available: false, error: e instanceof Error ? e.message : String(e) };
    }
    return c.json({
      ok: true,
      version: VERSION,
      uptimeSeconds: (Date.now() - started) / 1000,
      store: storeState,
      ui: { dir: ui.dir, built: ui.built },
      live: { running: live.list().length, max: live.options.maxSystems },
      routes: [
        'GET /api/health',
        'GET /api/campaigns',
        'GET /api/campaigns/:id',
        'GET /api/campaigns/:id/trials?mode&outcome&limit&offset',
        'GET /api/trial?campaign&id',
        'POST /api/trial/replay',
        'GET /api/performance?mb',
        'GET /api/live',
        'POST /api/live',
        'GET /api/live/:id',
        'GET /api/live/:id/events',
        'GET /api/live/:id/domains',
        'POST /api/live/:id/inject',
        'DELETE /api/live/:id',
      ],
    });
  });

  // ------------------------------------------------------------------ the results store
  hono.get('/api/campaigns', (c) => c.json({ campaigns: listCampaigns(store.get()) }));

  hono.get('/api/campaigns/:id', (c) => {
    const id = validate(campaignIdSchema, c.req.param('id'), 'campaign id');
    return c.json(campaignDetail(store.get(), id));
  });

  hono.get('/api/campaigns/:id/trials', (c) => {
    const id = validate(campaignIdSchema, c.req.param('id'), 'campaign id');
    const q = validate(trialsQuerySchema, queryOf(c), 'query');
    return c.json(listTrials(store.get(), id, q));
  });

  hono.get('/api/trial', (c) => {
    const q = validate(trialQuerySchema, queryOf(c), 'query');
    return c.json(getTrial(store.get(), q.campaign, q.id));
  });

  hono.post('/api/trial/replay', async (c) => {
    const body = validate(replayBodySchema, await jsonBody(c), 'body');
    const spec = parseTrialId(body.id);
    const result = await runTrial(spec, { trace: body.trace === true });
    const { trace, ...trial } = result;
    const summary = traceSummary(trace);
    return c.json({ trial, ...(summary ? { traceSummary: summary } : {}) });
  });

  // ------------------------------------------------------------------ benchmarks
  hono.get('/api/performance', async (c) => {
    const q = validate(performanceQuerySchema, queryOf(c), 'query');
    const mb = q.mb ?? 2;
    return c.json({ megabytesPerStream: mb, time: 'simulated (cycles / 1.7 GHz), over the transfer', rows: await performanceCache.rows(mb) });
  });

  // ------------------------------------------------------------------ live systems
  hono.get('/api/live', (c) => c.json({ systems: live.list().map((l) => l.info()), max: live.options.maxSystems }));

  hono.post('/api/live', async (c) => {
    const config = validate(liveBodySchema, await jsonBody(c), 'live system config');
    const l = live.create(config);
    return c.json(l.info(), 201);
  });

  hono.get('/api/live/:id', (c) => {
    const l = live.get(validate(liveIdSchema, c.req.param('id'), 'live system id'));
    return c.json({ ...l.info(), failures: l.failures() });
  });

  hono.get('/api/live/:id/domains', (c) => {
    const l = live.get(validate(liveIdSchema, c.req.param('id'), 'live system id'));
    return c.json(describeDomains(l.sys));
  });

  hono.post('/api/live/:id/inject', async (c) => {
    const l = live.get(validate(liveIdSchema, c.req.param('id'), 'live system id'));
    const req = validate(injectBodySchema, await jsonBody(c), 'injection');
    return c.json({ injected: l.inject(req) });
  });

  hono.delete('/api/live/:id', (c) => {
    const id = validate(liveIdSchema, c.req.param('id'), 'live system id');
    live.delete(id);
    return c.json({ deleted: id });
  });

  hono.get('/api/live/:id/events', (c) => {
    const l = live.get(validate(liveIdSchema, c.req.param('id'), 'live system id'));
    return streamSSE(c, async (stream) => {
      type Event = Parameters<Parameters<typeof l.subscribe>[0]>[0];
      const queue: Event[] = [];
      let wake: (() => void) | undefined;
      let closed = false;
      const unsubscribe = l.subscribe((e) => {
        queue.push(e);
        if (queue.length > 40) queue.shift(); // a slow reader gets the latest samples
        wake?.();
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        const first = l.latest;
        if (first) await stream.writeSSE({ data: JSON.stringify(first) });
        while (!closed) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          const e = queue.shift()!;
          if (e.type === 'end') {
            await stream.writeSSE({ event: 'end', data: JSON.stringify({ reason: e.reason }) });
            break;
          }
          await stream.writeSSE({ data: JSON.stringify(e.sample) });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  // ------------------------------------------------------------------ the UI
  hono.get('*', (c) => {
    const path = c.req.path;
    if (path === '/api' || path.startsWith('/api/')) return c.json(errorBody('NOT_FOUND', `no API route ${c.req.method} ${path} (see GET /api/health for the routes)`), 404);
    if (!ui.built) {
      if (path === '/' || path === '/index.html') return c.html(UI_NOT_BUILT_HTML);
      return c.text(`not found (the UI is not built: ${existsSync(ui.dir) ? 'no index.html in' : 'no directory'} ${ui.dir})`, 404);
    }
    const f = ui.file(path === '/' ? '/index.html' : path);
    if (!f) return c.text('not found', 404);
    return c.body(f.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': f.type, 'Cache-Control': f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
  });

  return Object.assign(hono, {
    live,
    close(): void {
      live.close();
      store.close();
    },
  });
}
