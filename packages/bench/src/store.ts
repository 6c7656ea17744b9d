// The results store (DESIGN.md section 7): an embedded SQLite database in WAL mode that holds
// campaigns and every finished trial, each written in its own transaction as it arrives, so a
// campaign killed at any moment loses nothing and resumes where it stopped.
//
// A file that is not ours (another program's SQLite database, garbage, a store written by a
// newer Nooks Lab) is rejected with a StoreError before anything is written to it: it is first
// inspected through a read-only connection, and only opened for writing once it proved to be a
// results store of this schema (or did not exist).

import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MODES } from '@nooks/system';
import type { Mode, WorkloadName } from '@nooks/system';
import type { FaultType } from '@nooks/faults';
import { OUTCOMES } from './trial.js';
import type { Outcome, TrialResult } from './trial.js';

/** `PRAGMA application_id` of a results store: "NOOK". */
export const STORE_APPLICATION_ID = 0x4e4f4f4b;
/** `PRAGMA user_version`: the schema this code writes. */
export const STORE_SCHEMA_VERSION = 1;
const APPLICATION_NAME = 'nooks-lab-results';

export type StoreErrorCode =
  | 'NOT_FOUND'
  | 'NOT_A_NOOKS_DB'
  | 'CORRUPT'
  | 'NEWER_SCHEMA'
  | 'CANNOT_OPEN'
  | 'CAMPAIGN_MISMATCH'
  | 'UNKNOWN_CAMPAIGN'
  | 'BAD_ROW';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** What a campaign runs: `trials` seeds (firstSeed, firstSeed+1, ...) in each mode. */
export interface CampaignSpec {
  readonly extension: string;
  readonly workload: WorkloadName;
  readonly trials: number;
  readonly faults: number;
  /** Seed of trial 0; trial i uses firstSeed + i (in every mode). */
  readonly firstSeed: number;
  readonly modes: readonly Mode[];
  /** Stream size in bytes (default: runTrial's). Part of the spec because it changes results. */
  readonly size?: number;
  /** Fault types to draw from (default: all). */
  readonly types?: readonly FaultType[];
}

export interface CampaignRecord {
  readonly id: number;
  readonly name: string;
  /** ISO 8601 time of creation. */
  readonly created: string;
  readonly spec: CampaignSpec;
}

/** How a trial ended on the host. */
export type TrialStatus = 'done' | 'runaway' | 'worker-died';
export const TRIAL_STATUSES: readonly TrialStatus[] = ['done', 'runaway', 'worker-died'];

export interface TrialRecordInput {
  readonly trialId: string;
  readonly extension: string;
  readonly mode: Mode;
  readonly seed: number;
  /** The trial's outcome; 'hang' for a runaway; none for a trial whose worker died twice. */
  readonly outcome: Outcome | null;
  readonly status: TrialStatus;
  readonly attempts: number;
  readonly hostSeconds: number;
  readonly simulatedSeconds: number | null;
  /** The full result ('done'), or what is known of the failure (runaway, worker-died). */
  readonly result: TrialResult | { readonly error: string };
}

export interface StoredTrial extends TrialRecordInput {
  readonly campaignId: number;
  /** ISO 8601 time the row was written. */
  readonly recorded: string;
}

/** One row of the aggregate: how many trials of an extension and mode ended so. */
export interface OutcomeCount {
  readonly extension: string;
  readonly mode: Mode;
  readonly outcome: Outcome | null;
  readonly status: TrialStatus;
  readonly count: number;
}

export interface OpenStoreOptions {
  /** Open an existing store for reading only (reports): never creates or writes. */
  readonly readonly?: boolean;
}

const SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE campaigns (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL UNIQUE,
  created TEXT NOT NULL,
  spec    TEXT NOT NULL
) STRICT;
CREATE TABLE trials (
  campaign_id       INTEGER NOT NULL REFERENCES campaigns(id),
  trial_id          TEXT NOT NULL,
  extension         TEXT NOT NULL,
  mode              TEXT NOT NULL CHECK (mode IN ('native', 'nooks')),
  seed              INTEGER NOT NULL,
  outcome           TEXT CHECK (outcome IN ('no-effect', 'recovered', 'non-fatal', 'system-crash', 'hang')),
  status            TEXT NOT NULL CHECK (status IN ('done', 'runaway', 'worker-died')),
  attempts          INTEGER NOT NULL,
  host_seconds      REAL NOT NULL,
  simulated_seconds REAL,
  result            TEXT NOT NULL,
  recorded          TEXT NOT NULL,
  UNIQUE (campaign_id, trial_id)
) STRICT;
CREATE INDEX trials_by_extension_mode ON trials (extension, mode, outcome);
`;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Opens (or creates) a results store. Throws StoreError for anything that is not one. */
export function openStore(path: string, options: OpenStoreOptions = {}): ResultsStore {
  const exists = existsSync(path);
  if (!exists && options.readonly) throw new StoreError('NOT_FOUND', path, 'no such results store (run a campaign first, or pass the path of an existing store)');
  if (exists) {
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new StoreError('CANNOT_OPEN', path, 'is not a regular file');
      size = st.size;
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError('CANNOT_OPEN', path, `cannot read it: ${(e as Error).message}`);
    }
    if (size === 0) {
      // An empty file (mktemp's) holds nothing to lose: it becomes a new store.
      if (options.readonly) throw new StoreError('NOT_A_NOOKS_DB', path, 'is an empty file, not a results store');
    } else {
      inspect(path, size);
      const db = connect(path, options.readonly === true);
      return new ResultsStore(db, path, options.readonly === true);
    }
  }
  const db = connect(path, false);
  try {
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.exec(SCHEMA);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('application', APPLICATION_NAME, 'schema_version', String(STORE_SCHEMA_VERSION));
      db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
      db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
    })();
  } catch (e) {
    db.close();
    throw new StoreError('CANNOT_OPEN', path, `cannot create the results store: ${(e as Error).message}`);
  }
  return new ResultsStore(db, path, false);
}

function connect(path: string, readonly: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    throw new StoreError('CANNOT_OPEN', path, `cannot open it: ${(e as Error).message}`);
  }
  try {
    // Another connection (a report, a second runner) may hold the lock briefly.
    db.pragma('busy_timeout = 10000');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      // Every committed trial must survive a kill of the process (and of the machine).
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    }
  } catch (e) {
    db.close();
    throw new StoreError('CANNOT_OPEN', path, `cannot configure it: ${(e as Error).message}`);
  }
  return db;
}

/** Proves an existing non-empty file is a results store of a schema we know, without writing. */
function inspect(path: string, size: number): void {
  const head = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 16, 0);
  } catch (e) {
    throw new StoreError('CANNOT_OPEN', path, `cannot read it: ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const advice = 'Nothing was changed; pass --db with the path of a results store or a new file name.';
  if (size < 100 || !head.equals(SQLITE_MAGIC)) throw new StoreError('NOT_A_NOOKS_DB', path, `is not an SQLite database, so not a Nooks Lab results store. ${advice}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const appId = db.pragma('application_id', { simple: true });
    const version = db.pragma('user_version', { simple: true });
    if (appId !== STORE_APPLICATION_ID) throw new StoreError('NOT_A_NOOKS_DB', path, `is an SQLite database of another application (application_id ${String(appId)}), not a Nooks Lab results store. ${advice}`);
    if (typeof version !== 'number' || version > STORE_SCHEMA_VERSION) {
      throw new StoreError('NEWER_SCHEMA', path, `was written by a newer Nooks Lab (schema ${String(version)}; this one reads ${STORE_SCHEMA_VERSION}). Upgrade Nooks Lab to read it. Nothing was changed.`);
    }
    if (version !== STORE_SCHEMA_VERSION) throw new StoreError('CORRUPT', path, `has the results store's application id but schema version ${version}, which no Nooks Lab wrote. ${advice}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new StoreError('CORRUPT', path, `is damaged (SQLite: ${String(check)}). ${advice}`);
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: unknown; value: unknown }>).map((r) => [String(r.key), String(r.value)]));
    if (meta.get('application') !== APPLICATION_NAME || meta.get('schema_version') !== String(STORE_SCHEMA_VERSION)) {
      throw new StoreError('CORRUPT', path, `has a damaged meta table (application ${JSON.stringify(meta.get('application'))}, schema ${JSON.stringify(meta.get('schema_version'))}). ${advice}`);
    }
    for (const table of ['campaigns', 'trials']) {
      const row = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table);
      if (!row) throw new StoreError('CORRUPT', path, `lacks its ${table} table. ${advice}`);
    }
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_ERROR') throw new StoreError('CORRUPT', path, `is damaged or not a results store (SQLite: ${(e as Error).message}). ${advice}`);
    throw new StoreError('CANNOT_OPEN', path, `cannot read it: ${(e as Error).message}`);
  } finally {
    db?.close();
  }
}

interface TrialRow {
  campaign_id: number;
  trial_id: string;
  extension: string;
  mode: string;
  seed: number;
  outcome: string | null;
  status: string;
  attempts: number;
  host_seconds: number;
  simulated_seconds: number | null;
  result: string;
  recorded: string;
}

/** A results store: campaigns and their trials. Only one thread writes (the campaign runner's). */
export class ResultsStore {
  private readonly insertTrial: Database.Statement | undefined;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly readonly: boolean,
  ) {
    this.insertTrial = readonly
      ? undefined
      : db.prepare(
          `INSERT INTO trials (campaign_id, trial_id, extension, mode, seed, outcome, status, attempts, host_seconds, simulated_seconds, result, recorded)
           VALUES (@campaignId, @trialId, @extension, @mode, @seed, @outcome, @status, @attempts, @hostSeconds, @simulatedSeconds, @result, @recorded)
           ON CONFLICT (campaign_id, trial_id) DO NOTHING`,
        );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Creates a campaign; its name must be new (StoreError CAMPAIGN_MISMATCH otherwise). */
  createCampaign(name: string, spec: CampaignSpec, created: Date = new Date()): CampaignRecord {
    this.writable();
    if (this.findCampaign(name)) throw new StoreError('CAMPAIGN_MISMATCH', this.path, `a campaign named ${JSON.stringify(name)} already exists`);
    const info = this.db.prepare('INSERT INTO campaigns (name, created, spec) VALUES (?, ?, ?)').run(name, created.toISOString(), JSON.stringify(spec));
    return { id: Number(info.lastInsertRowid), name, created: created.toISOString(), spec };
  }

  /** Raises a campaign's trial count (a campaign grown by a later run with more trials). */
  updateCampaignSpec(id: number, spec: CampaignSpec): void {
    this.writable();
    this.db.prepare('UPDATE campaigns SET spec = ? WHERE id = ?').run(JSON.stringify(spec), id);
  }

  findCampaign(name: string): CampaignRecord | undefined {
    const row = this.db.prepare('SELECT id, name, created, spec FROM campaigns WHERE name = ?').get(name);
    return row === undefined ? undefined : this.campaignFromRow(row);
  }

  getCampaign(id: number): CampaignRecord {
    const row = this.db.prepare('SELECT id, name, created, spec FROM campaigns WHERE id = ?').get(id);
    if (row === undefined) throw new StoreError('UNKNOWN_CAMPAIGN', this.path, `no campaign with id ${id}`);
    return this.campaignFromRow(row);
  }

  listCampaigns(): CampaignRecord[] {
    return this.db
      .prepare('SELECT id, name, created, spec FROM campaigns ORDER BY id')
      .all()
      .map((r) => this.campaignFromRow(r));
  }

  /** Trial ids already recorded for a campaign (whatever their status): a resumed run skips them. */
  doneTrialIds(campaignId: number): Set<string> {
    return new Set(this.doneTrials(campaignId).keys());
  }

  /** The trials recorded for a campaign, by id, with how each ended (without the results). */
  doneTrials(campaignId: number): Map<string, { readonly outcome: Outcome | null; readonly status: TrialStatus }> {
    const rows = this.db.prepare('SELECT trial_id, outcome, status FROM trials WHERE campaign_id = ?').all(campaignId) as Array<{ trial_id: string; outcome: string | null; status: string }>;
    return new Map(rows.map((r) => [r.trial_id, { outcome: this.checkOutcome(r.outcome), status: this.checkStatus(r.status) }]));
  }

  /** Writes one finished trial in its own transaction. False if it was already there (kept as was). */
  recordTrial(campaignId: number, trial: TrialRecordInput, recorded: Date = new Date()): boolean {
    const insert = this.writable();
    const info = insert.run({
      campaignId,
      trialId: trial.trialId,
      extension: trial.extension,
      mode: trial.mode,
      seed: trial.seed,
      outcome: trial.outcome,
      status: trial.status,
      attempts: trial.attempts,
      hostSeconds: trial.hostSeconds,
      simulatedSeconds: trial.simulatedSeconds,
      result: JSON.stringify(trial.result),
      recorded: recorded.toISOString(),
    });
    return info.changes === 1;
  }

  /** Trials of one campaign (or all), ordered by campaign, trial id. */
  readTrials(campaignId?: number): StoredTrial[] {
    const rows = (
      campaignId === undefined
        ? this.db.prepare('SELECT * FROM trials ORDER BY campaign_id, trial_id').all()
        : this.db.prepare('SELECT * FROM trials WHERE campaign_id = ? ORDER BY trial_id').all(campaignId)
    ) as TrialRow[];
    return rows.map((r) => this.trialFromRow(r));
  }

  /** How many trials ended how, per extension and mode (of the given campaigns, or all). */
  countOutcomes(campaignIds?: readonly number[]): OutcomeCount[] {
    const where = campaignIds === undefined ? '' : `WHERE campaign_id IN (${campaignIds.map(() => '?').join(', ') || 'NULL'})`;
    const rows = this.db
      .prepare(`SELECT extension, mode, outcome, status, COUNT(*) AS count FROM trials ${where} GROUP BY extension, mode, outcome, status ORDER BY extension, mode, outcome, status`)
      .all(...(campaignIds ?? [])) as Array<{ extension: string; mode: string; outcome: string | null; status: string; count: number }>;
    return rows.map((r) => ({
      extension: r.extension,
      mode: this.checkMode(r.mode),
      outcome: this.checkOutcome(r.outcome),
      status: this.checkStatus(r.status),
      count: r.count,
    }));
  }

  private writable(): Database.Statement {
    if (!this.insertTrial) throw new StoreError('CANNOT_OPEN', this.path, 'was opened read-only');
    return this.insertTrial;
  }

  private campaignFromRow(row: unknown): CampaignRecord {
    const r = row as { id: number; name: string; created: string; spec: string };
    let spec: unknown;
    try {
      spec = JSON.parse(r.spec);
    } catch {
      throw new StoreError('BAD_ROW', this.path, `campaign ${r.id} has a spec that is not JSON`);
    }
    if (!isCampaignSpec(spec)) throw new StoreError('BAD_ROW', this.path, `campaign ${r.id} has a malformed spec`);
    return { id: r.id, name: r.name, created: r.created, spec };
  }

  private trialFromRow(r: TrialRow): StoredTrial {
    let result: unknown;
    try {
      result = JSON.parse(r.result);
    } catch {
      throw new StoreError('BAD_ROW', this.path, `trial ${r.trial_id} has a result that is not JSON`);
    }
    if (typeof result !== 'object' || result === null) throw new StoreError('BAD_ROW', this.path, `trial ${r.trial_id} has a malformed result`);
    return {
      campaignId: r.campaign_id,
      trialId: r.trial_id,
      extension: r.extension,
      mode: this.checkMode(r.mode),
      seed: r.seed,
      outcome: this.checkOutcome(r.outcome),
      status: this.checkStatus(r.status),
      attempts: r.attempts,
      hostSeconds: r.host_seconds,
      simulatedSeconds: r.simulated_seconds,
      result: result as TrialResult | { error: string },
      recorded: r.recorded,
    };
  }

  private checkMode(m: string): Mode {
    if (!(MODES as readonly string[]).includes(m)) throw new StoreError('BAD_ROW', this.path, `unknown mode ${JSON.stringify(m)}`);
    return m as Mode;
  }

  private checkOutcome(o: string | null): Outcome | null {
    if (o !== null && !(OUTCOMES as readonly string[]).includes(o)) throw new StoreError('BAD_ROW', this.path, `unknown outcome ${JSON.stringify(o)}`);
    return o as Outcome | null;
  }

  private checkStatus(s: string): TrialStatus {
    if (!(TRIAL_STATUSES as readonly string[]).includes(s)) throw new StoreError('BAD_ROW', this.path, `unknown status ${JSON.stringify(s)}`);
    return s as TrialStatus;
  }
}

/** A guard for a campaign spec read from outside (the database). */
export function isCampaignSpec(v: unknown): v is CampaignSpec {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const int = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  return (
    typeof s.extension === 'string' &&
    typeof s.workload === 'string' &&
    int(s.trials) &&
    int(s.faults) &&
    int(s.firstSeed) &&
    Array.isArray(s.modes) &&
    s.modes.every((m) => (MODES as readonly unknown[]).includes(m)) &&
    (s.size === undefined || (int(s.size) && (s.size as number) > 0)) &&
    (s.types === undefined || (Array.isArray(s.types) && s.types.every((t) => typeof t === 'string')))
  );
}
