// Where a command's output goes. Commands never touch `process` directly: the bin passes the
// real streams, tests pass memory buffers (and say whether "stdout" is a terminal).

export interface OutputStream {
  write(chunk: string): unknown;
  /** True on a terminal: campaign draws a progress bar instead of plain lines. */
  readonly isTTY?: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

export interface Io {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Relative paths (--db, --trace) are resolved against this directory. */
  readonly cwd: string;
  /** Milliseconds clock for ETAs (injectable so tests are deterministic). */
  readonly now: () => number;
  /** Aborted on Ctrl-C: long commands stop cleanly (a campaign keeps what it finished). */
  readonly signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    now: () => performance.now(),
    ...(signal ? { signal } : {}),
  };
}

/** An Io that keeps what is written, for tests. */
export interface MemoryIo extends Io {
  readonly out: () => string;
  readonly err: () => string;
}

export function memoryIo(options: { cwd?: string; tty?: boolean; now?: () => number; signal?: AbortSignal } = {}): MemoryIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: options.tty ?? false, columns: 100 },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    cwd: options.cwd ?? process.cwd(),
    now: options.now ?? (() => performance.now()),
    ...(options.signal ? { signal: options.signal } : {}),
    out: () => out,
    err: () => err,
  };
}
