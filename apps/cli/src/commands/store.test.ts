// campaign and report against a real results store (@nooks/bench), in a temporary directory.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../json-schema.js';
import { CAMPAIGN_SCHEMA, REPORT_SCHEMA } from '../schemas.js';
import { json, runCli } from '../test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'nooks-cli-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CAMPAIGN = ['campaign', '--extension', 'e1000', '--trials', '2', '--faults', '3', '--workers', '2'];

describe('nooks campaign and nooks report', () => {
  let first: Record<string, unknown>;

  beforeAll(async () => {
    const r = await runCli([...CAMPAIGN, '--json'], { cwd: dir });
    expect(r.status, r.err).toBe(0);
    first = json(r) as Record<string, unknown>;
  });

  it('runs a campaign into ./nooks-results.db: both modes, schema-valid summary', () => {
    expect(validate(CAMPAIGN_SCHEMA, first)).toEqual([]);
    expect(first).toMatchObject({ campaign: 'e1000/receive-stream/faults=3', total: 4, done: 4, ran: 4, skipped: 0, aborted: false, db: join(dir, 'nooks-results.db') });
    expect(existsSync(join(dir, 'nooks-results.db'))).toBe(true);
  });

  it('a second run resumes: nothing run twice; plain progress lines when stdout is not a terminal', async () => {
    const again = await runCli([...CAMPAIGN, '--json'], { cwd: dir });
    expect(again.status, again.err).toBe(0);
    expect(json(again)).toMatchObject({ total: 4, done: 4, ran: 0, skipped: 4 });
    const grow = await runCli(['campaign', '--extension', 'e1000', '--trials', '3', '--faults', '3', '--workers', '1'], { cwd: dir });
    expect(grow.status, grow.err).toBe(0);
    expect(grow.out).toContain('campaign e1000/receive-stream/faults=3: 6 trials, 4 already stored\n');
    expect(grow.out).toMatch(/\[5\/6\] e1000\/(native|nooks)\/receive-stream\/seed=2\/faults=3: [a-z-]+\n\[6\/6\] /);
    expect(grow.out).toMatch(/6 of 6 trials stored: ran 2 now \(4 already stored\)/);
    expect(grow.out).toContain('Fault-injection outcomes per extension and mode');
  });

  it('report --format json: extensions.<name>.<mode>.<outcome> counts and total', async () => {
    const r = await runCli(['report', '--format', 'json'], { cwd: dir });
    expect(r.status, r.err).toBe(0);
    const rep = json(r) as { extensions: Record<string, Record<string, Record<string, number>>> };
    expect(validate(REPORT_SCHEMA, rep)).toEqual([]);
    for (const mode of ['native', 'nooks']) {
      const m = rep.extensions.e1000![mode]!;
      expect(m.total).toBe(3);
      expect(m['no-effect']! + m.recovered! + m['non-fatal']! + m['system-crash']! + m.hang! + m.workerDied!).toBe(3);
    }
  });

  it('report as a table, Markdown and CSV; --campaign selects', async () => {
    const table = await runCli(['report'], { cwd: dir });
    expect(table.out).toMatch(/extension +mode +no-effect +recovered +non-fatal +system-crash +hang/);
    expect(table.out).toContain('paper native');
    const md = await runCli(['report', '--format', 'md', '--db', join(dir, 'nooks-results.db')]);
    expect(md.out).toMatch(/^## Fault-injection outcomes/);
    expect(md.out).toMatch(/\| e1000 \| native \|/);
    const csv = await runCli(['report', '--format', 'csv'], { cwd: dir });
    expect(csv.out.split('\n')[0]).toMatch(/^extension,mode,no-effect,recovered,non-fatal,system-crash,hang/);
    expect(csv.out.trim().split('\n')).toHaveLength(3);
    const none = await runCli(['report', '--campaign', 'nope'], { cwd: dir });
    expect(none.status).toBe(1);
    expect(none.err).toMatch(/no campaign "nope"/);
  });

  it('a file that is not a results store: exit 1, a clear message, the file unchanged', async () => {
    const garbage = join(dir, 'notes.txt');
    writeFileSync(garbage, 'these are my notes, not a database\n'.repeat(20));
    const before = readFileSync(garbage);
    for (const argv of [[...CAMPAIGN, '--db', garbage], ['report', '--db', garbage]]) {
      const r = await runCli(argv, { cwd: dir });
      expect(r.status, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(/notes\.txt: is not an SQLite database, so not a Nooks Lab results store/);
      expect(r.out).toBe('');
      expect(readFileSync(garbage).equals(before)).toBe(true);
    }
  });

  it("another application's SQLite database and a damaged store: refused, unchanged", async () => {
    const store = join(dir, 'nooks-results.db');
    // Another application: the store with its application_id (header bytes 68..71) changed.
    const foreign = join(dir, 'foreign.db');
    copyFileSync(store, foreign);
    const f = readFileSync(foreign);
    f.writeUInt32BE(0x12345678, 68);
    writeFileSync(foreign, f);
    const fBefore = readFileSync(foreign);
    const r1 = await runCli([...CAMPAIGN, '--db', foreign], { cwd: dir });
    expect(r1.status).toBe(1);
    expect(r1.err).toMatch(/an SQLite database of another application/);
    expect(readFileSync(foreign).equals(fBefore)).toBe(true);
    // Damaged: a page in the middle overwritten.
    const damaged = join(dir, 'damaged.db');
    const d = readFileSync(store);
    d.fill(0xa5, 4096, Math.min(d.length, 8192));
    writeFileSync(damaged, d);
    const r2 = await runCli(['report', '--db', damaged], { cwd: dir });
    expect(r2.status).toBe(1);
    expect(r2.err).toMatch(/damaged\.db: (is damaged|lacks|has a damaged)/);
    expect(readFileSync(damaged).equals(d)).toBe(true);
  });

  it('report on a missing store: exit 1, nothing created', async () => {
    const missing = join(dir, 'missing.db');
    const r = await runCli(['report', '--db', missing]);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/no such results store/);
    expect(existsSync(missing)).toBe(false);
  });
});
