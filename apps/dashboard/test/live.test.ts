// Live systems through the API: a Nooks system streaming, its samples over server-sent events,
// its protection domain, a bug signal injected by hand and the recovery seen in the stream.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveRegistry, createApp } from '../src/index.js';
import type { DashboardApp, DomainView, LiveSample } from '../src/index.js';
import { SseReader, getJson, sendJson } from './support.js';

let dir: string;
let app: DashboardApp;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nooks-dashboard-live-'));
  app = createApp({ dbPath: join(dir, 'none.db'), uiDir: join(dir, 'no-ui'), live: { maxSystems: 2, sampleMs: 150 } });
});

afterAll(() => {
  app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function nextSample(sse: SseReader): Promise<LiveSample> {
  const e = await sse.next(15_000);
  if (!e) throw new Error('the event stream ended');
  expect(e.event).toBe('message');
  return JSON.parse(e.data) as LiveSample;
}

describe('live systems', () => {
  it('streams samples, shows the domain, recovers from a bug signal, and stops when deleted', async () => {
    const created = await sendJson<{ id: string; mode: string }>(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks', workload: 'receive-stream' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body.mode).toBe('nooks');

    const res = await app.request(`/api/live/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const sse = new SseReader(res.body!);
    const a = await nextSample(sse);
    const b = await nextSample(sse);
    expect(b.t).toBeGreaterThan(a.t);
    expect(b.alive).toBe(true);
    expect(b.extensionState).toBe('live');
    // Within a few samples the stream is running: data flows and the driver is crossed into.
    let s = b;
    for (let i = 0; i < 20 && !(s.throughputMbps > 0 && s.xpcPerSecond > 0); i++) s = await nextSample(sse);
    expect(s.throughputMbps).toBeGreaterThan(0);
    expect(s.xpcPerSecond).toBeGreaterThan(0);
    expect(s.tlbMissesPerSecond).toBeGreaterThan(0);
    expect(s.cpuUtilization).toBeGreaterThan(0);

    const domains = await getJson<{ domains: DomainView[] }>(app, `/api/live/${id}/domains`);
    expect(domains.status).toBe(200);
    const d = domains.body.domains[0]!;
    expect(d.extension).toBe('e1000');
    expect(d.writablePages).toBeGreaterThan(0);
    expect(d.stacks).toBeGreaterThan(0);
    const rw = d.ranges.filter((r) => r.access === 'rw');
    expect(rw.reduce((n, r) => n + (r.end - r.start) / 4096, 0)).toBe(d.writablePages);
    expect(d.ranges.some((r) => r.access === 'ro' && r.what === 'kernel')).toBe(true);
    expect(rw.some((r) => r.what === 'domain stack')).toBe(true);
    expect(rw.some((r) => r.what.startsWith('network buffers'))).toBe(true);

    const injected = await sendJson<{ injected: Array<{ kind: string; trigger: string }> }>(app, 'POST', `/api/live/${id}/inject`, { kind: 'bug-signal' });
    expect(injected.status).toBe(200);
    expect(injected.body.injected).toEqual([expect.objectContaining({ kind: 'bug-signal', trigger: 'signal' })]);

    // Read until the failure shows its recovery (bounded).
    const deadline = Date.now() + 40_000;
    let recovered: LiveSample | undefined;
    while (!recovered && Date.now() < deadline) {
      const x = await nextSample(sse);
      if (x.failures.some((f) => f.recoveredAt !== undefined)) recovered = x;
    }
    expect(recovered).toBeDefined();
    const f = recovered!.failures[0]!;
    expect(f.trigger).toBe('signal');
    expect(f.recoveredAt!).toBeGreaterThan(f.detectedAt);
    expect(f.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['detected', 'released', 'unloaded', 'reloaded', 'interface-up']));
    expect(recovered!.alive).toBe(true);

    const del = await sendJson<{ deleted: string }>(app, 'DELETE', `/api/live/${id}`, undefined);
    expect(del.status).toBe(200);
    // The event stream says it ended, then closes.
    let end: { event: string; data: string } | undefined;
    for (let i = 0; i < 50; i++) {
      const e = await sse.next(5_000);
      if (!e || e.event === 'end') {
        end = e;
        break;
      }
    }
    expect(end?.event).toBe('end');
    expect(await sse.next(5_000)).toBeUndefined();
    expect((await getJson(app, `/api/live/${id}`)).status).toBe(404);
  });

  it('runs a hand-made bug variant under Nooks: its failure is caught and the correct driver replaces it', async () => {
    const created = await sendJson<{ id: string }>(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks', workload: 'receive-stream', bug: 'e1000-double-free' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const sse = new SseReader((await app.request(`/api/live/${id}/events`)).body!);
    const deadline = Date.now() + 40_000;
    let recovered: LiveSample | undefined;
    while (!recovered && Date.now() < deadline) {
      const x = await nextSample(sse);
      if (x.failures.some((f) => f.recoveredAt !== undefined)) recovered = x;
    }
    expect(recovered).toBeDefined();
    const f = recovered!.failures[0]!;
    expect(f.trigger).toBe('wrapper-check');
    expect(f.reason).toMatch(/sk_buff/);
    expect(recovered!.alive).toBe(true);
    expect((await sendJson(app, 'DELETE', `/api/live/${id}`, undefined)).status).toBe(200);
  });

  it('injects faults natively, refuses a bug signal there, and limits live systems', async () => {
    const a = await sendJson<{ id: string }>(app, 'POST', '/api/live', { extension: 'e1000', mode: 'native', workload: 'send-stream' });
    const b = await sendJson<{ id: string }>(app, 'POST', '/api/live', { extension: 'e1000', mode: 'native' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    try {
      const third = await sendJson<{ error: { code: string; message: string } }>(app, 'POST', '/api/live', { extension: 'e1000', mode: 'nooks' });
      expect(third.status).toBe(429);
      expect(third.body.error.code).toBe('TOO_MANY_LIVE_SYSTEMS');
      expect(third.body.error.message).toMatch(/2 live systems are running.*stop one first/);

      const signal = await sendJson<{ error: { message: string } }>(app, 'POST', `/api/live/${a.body.id}/inject`, { kind: 'bug-signal' });
      expect(signal.status).toBe(409);
      expect(signal.body.error.message).toMatch(/runs natively/);

      const bad = await sendJson<{ error: { message: string } }>(app, 'POST', `/api/live/${a.body.id}/inject`, { kind: 'faults', seed: -1 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/seed must be non-negative/);
      const kind = await sendJson<{ error: { message: string } }>(app, 'POST', `/api/live/${a.body.id}/inject`, { kind: 'meteor' });
      expect(kind.status).toBe(400);
      expect(kind.body.error.message).toMatch(/kind must be "faults" or "bug-signal"/);

      const faults = await sendJson<{ injected: Array<{ kind: string; type: string; before: string; after: string }> }>(app, 'POST', `/api/live/${a.body.id}/inject`, { kind: 'faults', seed: 11, count: 2 });
      expect(faults.status).toBe(200);
      expect(faults.body.injected).toHaveLength(2);
      for (const f of faults.body.injected) {
        expect(f.kind).toBe('fault');
        expect(f.before).not.toBe(f.after);
      }
      const native = await getJson<{ domains: unknown[]; note: string }>(app, `/api/live/${a.body.id}/domains`);
      expect(native.body.domains).toEqual([]);
      expect(native.body.note).toMatch(/native/);
      const list = await getJson<{ systems: Array<{ id: string }> }>(app, '/api/live');
      expect(list.body.systems.map((s) => s.id).sort()).toEqual([a.body.id, b.body.id].sort());
    } finally {
      await sendJson(app, 'DELETE', `/api/live/${a.body.id}`, undefined);
      await sendJson(app, 'DELETE', `/api/live/${b.body.id}`, undefined);
    }
    expect((await getJson<{ systems: unknown[] }>(app, '/api/live')).body.systems).toEqual([]);
  });
});

describe('LiveRegistry', () => {
  it('stops a live system left idle', () => {
    const registry = new LiveRegistry({ idleMs: 1000 });
    try {
      const live = registry.create({ extension: 'e1000', mode: 'native', workload: 'receive-stream' });
      registry.sweep(live.lastActive + 500);
      expect(registry.list()).toHaveLength(1);
      registry.sweep(live.lastActive + 1001);
      expect(registry.list()).toHaveLength(0);
    } finally {
      registry.close();
    }
  });
});
