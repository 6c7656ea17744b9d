import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { STORE_SCHEMA_VERSION, StoreError, openStore } from './store.js';
import type { CampaignSpec, StoreErrorCode, TrialRecordInput } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'nooks-store-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `t${n++}.db`);

const SPEC: CampaignSpec = { extension: 'e1000', workload: 'receive-stream', trials: 2, faults: 5, firstSeed: 0, modes: ['native', 'nooks'] };

function trial(seed: number, mode: 'native' | 'nooks', outcome: TrialRecordInput['outcome'], status: TrialRecordInput['status'] = 'done'): TrialRecordInput {
  return { trialId: `e1000/${mode}/receive-stream/seed=${seed}/faults=5`, extension: 'e1000', mode, seed, outcome, status, attempts: 1, hostSeconds: 0.5, simulatedSeconds: 0.03, result: { error: 'synthetic' } };
}

/** Opening `path` fails with `code`, and the file's bytes are exactly as they were. */
function expectRejected(path: string, code: StoreErrorCode, readonly = false): void {
  const before = readFileSync(path);
  let error: unknown;
  try {
    openStore(path, { readonly }).close();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  expect((error as StoreError).message).toContain(path);
  expect(readFileSync(path).equals(before)).toBe(true);
}

describe('results store', () => {
  it('creates a store in WAL mode, keeps campaigns and trials across a reopen', () => {
    const path = fresh();
    const s = openStore(path);
    const c = s.createCampaign('c1', SPEC, new Date('2026-01-02T03:04:05Z'));
    expect(c).toEqual({ id: 1, name: 'c1', created: '2026-01-02T03:04:05.000Z', spec: SPEC });
    expect(s.recordTrial(c.id, trial(0, 'native', 'system-crash'))).toBe(true);
    expect(s.recordTrial(c.id, trial(0, 'nooks', 'recovered'))).toBe(true);
    expect(s.recordTrial(c.id, trial(1, 'native', 'hang', 'runaway'))).toBe(true);
    // a second write of the same trial is refused, the first one kept
    expect(s.recordTrial(c.id, trial(0, 'native', 'no-effect'))).toBe(false);
    s.close();

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(STORE_SCHEMA_VERSION);
    raw.close();

    const r = openStore(path);
    expect(r.listCampaigns()).toEqual([c]);
    expect(r.findCampaign('c1')).toEqual(c);
    expect(r.findCampaign('nope')).toBeUndefined();
    expect([...r.doneTrialIds(c.id)].sort()).toEqual([trial(0, 'native', null).trialId, trial(0, 'nooks', null).trialId, trial(1, 'native', null).trialId].sort());
    const rows = r.readTrials(c.id);
    expect(rows).toHaveLength(3);
    expect(rows.find((t) => t.trialId === trial(0, 'native', null).trialId)).toMatchObject({ outcome: 'system-crash', status: 'done', attempts: 1, result: { error: 'synthetic' } });
    expect(r.countOutcomes()).toEqual([
      { extension: 'e1000', mode: 'native', outcome: 'hang', status: 'runaway', count: 1 },
      { extension: 'e1000', mode: 'native', outcome: 'system-crash', status: 'done', count: 1 },
      { extension: 'e1000', mode: 'nooks', outcome: 'recovered', status: 'done', count: 1 },
    ]);
    expect(r.countOutcomes([])).toEqual([]);
    expect(() => r.createCampaign('c1', SPEC)).toThrow(StoreError);
    r.close();
  });

  it('opens read-only without creating or writing', () => {
    const path = fresh();
    expect(() => openStore(path, { readonly: true })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }) as Error);
    expect(existsSync(path)).toBe(false);
    openStore(path).close();
    const ro = openStore(path, { readonly: true });
    expect(ro.listCampaigns()).toEqual([]);
    expect(() => ro.createCampaign('x', SPEC)).toThrow(expect.objectContaining({ code: 'CANNOT_OPEN' }) as Error);
    ro.close();
  });

  it('turns an empty file into a store', () => {
    const path = fresh();
    writeFileSync(path, '');
    const s = openStore(path);
    expect(s.listCampaigns()).toEqual([]);
    s.close();
    openStore(path).close();
  });

  it("rejects another application's SQLite database without touching it", () => {
    const path = fresh();
    const other = new Database(path);
    other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');");
    other.close();
    expectRejected(path, 'NOT_A_NOOKS_DB');
    expectRejected(path, 'NOT_A_NOOKS_DB', true);
  });

  it('rejects a file that is not SQLite at all without touching it', () => {
    const path = fresh();
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    writeFileSync(path, garbage);
    expectRejected(path, 'NOT_A_NOOKS_DB');
    const text = fresh();
    writeFileSync(text, 'id,outcome\n1,hang\n');
    expectRejected(text, 'NOT_A_NOOKS_DB');
  });

  it('rejects a damaged store without touching it', () => {
    const path = fresh();
    const s = openStore(path);
    s.createCampaign('c1', SPEC);
    s.close();
    const bytes = readFileSync(path);
    // keep the 100-byte header (application id, schema version), wreck the schema page after it
    for (let i = 100; i < Math.min(bytes.length, 4096); i++) bytes[i] = 0xa5;
    writeFileSync(path, bytes);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    expectRejected(path, 'CORRUPT');
  });

  it('rejects a store written by a newer schema without touching it', () => {
    const path = fresh();
    openStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${STORE_SCHEMA_VERSION + 1}`);
    raw.pragma('journal_mode = DELETE');
    raw.close();
    expectRejected(path, 'NEWER_SCHEMA');
  });
});
