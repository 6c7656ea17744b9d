// Runs the CLI in-process for tests: main(argv) with memory streams.

import { main } from './cli.js';
import { memoryIo } from './io.js';

export interface RunResult {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(argv: readonly string[], options: { cwd?: string; tty?: boolean } = {}): Promise<RunResult> {
  const io = memoryIo(options);
  const status = await main(argv, io);
  return { status, out: io.out(), err: io.err() };
}

/** Parses a command's --json output (one JSON document on stdout). */
export function json(r: RunResult): unknown {
  return JSON.parse(r.out) as unknown;
}
