import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { memoryIo } from '../io.js';
import { runCli } from '../test-support.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('nooks dashboard', () => {
  it('--help shows the flags', async () => {
    const r = await runCli(['dashboard', '--help']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/usage: nooks dashboard \[--db FILE\] \[--port P\] \[--host H\]/);
    expect(r.out).toMatch(/--host H .*default 127\.0\.0\.1/);
  });

  it('rejects bad ports and stray arguments with exit 2', async () => {
    for (const port of ['0', '65536', 'http', '-1']) {
      const r = await runCli(['dashboard', `--port=${port}`]);
      expect(r.status, port).toBe(2);
      expect(r.err).toMatch(/--port must be an integer from 1 to 65535/);
    }
    const stray = await runCli(['dashboard', 'now']);
    expect(stray.status).toBe(2);
    expect(stray.err).toMatch(/unexpected argument 'now'/);
    const host = await runCli(['dashboard', '--host=']);
    expect(host.status).toBe(2);
  });

  it('serves the API on 127.0.0.1, prints the URL, and stops when aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nooks-cli-dashboard-'));
    const port = await freePort();
    const controller = new AbortController();
    const io = memoryIo({ cwd: dir, signal: controller.signal });
    const running = main(['dashboard', '--db', 'results.db', '--port', String(port)], io);
    try {
      for (let i = 0; i < 100 && !io.out().includes('http://'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(io.out()).toMatch(new RegExp(`Nooks Lab dashboard: http://127\\.0\\.0\\.1:${port}/`));
      expect(io.err()).toMatch(/no results store at .*results\.db yet/);
      const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as { ok: boolean; store: { available: boolean } };
      expect(health.ok).toBe(true);
      expect(health.store.available).toBe(false);
      const campaigns = await fetch(`http://127.0.0.1:${port}/api/campaigns`);
      expect(campaigns.status).toBe(503);
      // A second server on the same port cannot start: exit 1 with a message.
      const busy = await runCli(['dashboard', '--db', join(dir, 'results.db'), '--port', String(port)]);
      expect(busy.status).toBe(1);
      expect(busy.err).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      controller.abort();
      expect(await running).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
