// Test helpers: a small results store made by a real campaign, JSON requests, and a reader of
// server-sent events.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '@nooks/bench';
import type { CampaignSummary } from '@nooks/bench';

export interface TinyStore {
  readonly dir: string;
  readonly dbPath: string;
  readonly summary: CampaignSummary;
}

/** 2 trials x 2 modes of e1000 with 64 KiB streams, on two workers. */
export async function tinyStore(): Promise<TinyStore> {
  const dir = mkdtempSync(join(tmpdir(), 'nooks-dashboard-'));
  const dbPath = join(dir, 'results.db');
  const summary = await runCampaign({ store: dbPath, spec: { extension: 'e1000', trials: 2, size: 64 << 10, firstSeed: 3 }, workers: 2 });
  return { dir, dbPath, summary };
}

export interface JsonResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

interface Requester {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

export async function getJson<T = Record<string, unknown>>(app: Requester, path: string): Promise<JsonResponse<T>> {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as T };
}

export async function sendJson<T = Record<string, unknown>>(app: Requester, method: string, path: string, body: unknown, raw = false): Promise<JsonResponse<T>> {
  const res = await app.request(path, { method, headers: { 'Content-Type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Reads events from a text/event-stream body, one at a time, each within `timeoutMs`. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  async next(timeoutMs = 10_000): Promise<SseEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        return { event, data: data.join('\n') };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no server-sent event within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') continue;
      if (chunk.done) return undefined;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}
