import { resolve } from 'node:path';
import { stringFlag } from './args.js';
import type { Parsed } from './args.js';
import type { Io } from './io.js';

/** The results store a campaign writes and a report reads, unless --db says otherwise. */
export const DEFAULT_DB = 'nooks-results.db';

export function dbPath(args: Parsed, io: Io): string {
  return resolve(io.cwd, stringFlag(args, 'db') ?? DEFAULT_DB);
}
