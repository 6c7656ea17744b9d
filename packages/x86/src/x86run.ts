#!/usr/bin/env node
// The x86run command: runs a static freestanding ELF32 i386 program on the emulator.
//   x86run FILE [--stats] [--max-instructions N] [--memory MIB]
// The program's stdout/stderr are the command's; its exit status is the command's. The library
// part is run-program.ts (re-exported here); this file is only a CLI, so that the bundler keeps
// it as its own entry chunk: index.ts must not import it (the main-module check below compares
// this module's own file with the script node was started with).

import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ElfFormatError } from './elf.js';
import { ExitStatus, ProgramLoadError, runElfProgram, simulatedSeconds } from './run-program.js';
import type { RunProgramResult } from './run-program.js';

export { ExitStatus, ProgramLoadError, loadElfProgram, runElfProgram } from './run-program.js';
export type { LoadedProgram, RunProgramOptions, RunProgramReason, RunProgramResult } from './run-program.js';

const USAGE = `usage: x86run FILE [--stats] [--max-instructions N] [--memory MIB]

Runs a static, freestanding ELF32 i386 executable (gcc -m32 -static -nostdlib -ffreestanding
-fno-pie -no-pie) on the @nooks/x86 emulator, with the Linux system calls exit, exit_group,
write (fds 1 and 2) and brk.

  --stats                 print instructions, cycles, simulated time and host speed to stderr
  --max-instructions N    stop after N instructions (exit status 124)
  --memory MIB            physical memory of the machine in MiB (default 64)

Exit status: the program's; 124 instruction limit; 125 unsupported system call;
126 invalid or unsupported instruction; 127 CPU exception (e.g. a page fault); 2 bad usage
or a file that cannot be read or run.
`;

/** The outcome of parsing argv: options, or a usage error / help request. */
export type CliArgs =
  | { kind: 'run'; file: string; stats: boolean; maxInstructions: number | undefined; memoryBytes: number | undefined }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9][0-9_]*$/.test(text)) return undefined;
  const n = Number(text.replaceAll('_', ''));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Parses x86run's arguments (without node and the script path). */
export function parseX86runArgs(args: readonly string[]): CliArgs {
  let file: string | undefined;
  let stats = false;
  let maxInstructions: number | undefined;
  let memoryBytes: number | undefined;
  let onlyFiles = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!onlyFiles && arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(0, eq) : arg;
      const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      const value = (): string | undefined => inline ?? args[++i];
      switch (name) {
        case '--':
          onlyFiles = true;
          break;
        case '-h':
        case '--help':
          return { kind: 'help' };
        case '--stats':
          if (inline !== undefined) return { kind: 'error', message: '--stats takes no value' };
          stats = true;
          break;
        case '--max-instructions': {
          const v = value();
          const n = positiveInt(v);
          if (n === undefined) return { kind: 'error', message: `--max-instructions needs a positive whole number, got ${v === undefined ? 'nothing' : `'${v}'`}` };
          maxInstructions = n;
          break;
        }
        case '--memory': {
          const v = value();
          const n = positiveInt(v);
          if (n === undefined || n < 2 || n > 2048) return { kind: 'error', message: `--memory needs a size in MiB from 2 to 2048, got ${v === undefined ? 'nothing' : `'${v}'`}` };
          memoryBytes = n << 20;
          break;
        }
        default:
          return { kind: 'error', message: `unknown option '${arg}'` };
      }
      continue;
    }
    if (file !== undefined) return { kind: 'error', message: `one program at a time: '${file}' and '${arg}' given (programs take no arguments)` };
    file = arg;
  }
  if (file === undefined) return { kind: 'error', message: 'no program given' };
  return { kind: 'run', file, stats, maxInstructions, memoryBytes };
}

/** The --stats lines. `totalSeconds` includes loading; MIPS is over the run alone. */
export function formatStats(result: Pick<RunProgramResult, 'instructions' | 'cycles' | 'hostSeconds'>, totalSeconds: number): string {
  const sim = simulatedSeconds(result.cycles);
  const mips = result.hostSeconds > 0 ? result.instructions / result.hostSeconds / 1e6 : 0;
  return [
    `x86run: instructions     ${result.instructions}`,
    `x86run: cycles           ${result.cycles}`,
    `x86run: simulated time   ${sim.toPrecision(6)} s (cycles / 1.7 GHz)`,
    `x86run: host time        ${result.hostSeconds.toFixed(3)} s running, ${totalSeconds.toFixed(3)} s with loading`,
    `x86run: host speed       ${mips.toFixed(2)} MIPS`,
    '',
  ].join('\n');
}

interface CliIo {
  stdout: (b: Uint8Array) => void;
  stderr: (b: Uint8Array) => void;
  readFile: (path: string) => Uint8Array;
}

/** Runs the command; returns its exit status. Writes only through `io`. */
export function x86runMain(args: readonly string[], io: CliIo): number {
  const say = (text: string): void => io.stderr(new TextEncoder().encode(text));
  const parsed = parseX86runArgs(args);
  if (parsed.kind === 'help') {
    io.stdout(new TextEncoder().encode(USAGE));
    return 0;
  }
  if (parsed.kind === 'error') {
    say(`x86run: ${parsed.message}\n${USAGE.split('\n')[0] ?? ''}\n(x86run --help says more)\n`);
    return ExitStatus.USAGE;
  }
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(parsed.file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    say(`x86run: cannot read ${parsed.file}: ${why}\n`);
    return ExitStatus.USAGE;
  }
  const t0 = performance.now();
  let result: RunProgramResult;
  try {
    result = runElfProgram(bytes, {
      stdout: io.stdout,
      stderr: io.stderr,
      maxInstructions: parsed.maxInstructions,
      memoryBytes: parsed.memoryBytes,
      argv: [parsed.file],
    });
  } catch (e) {
    if (e instanceof ElfFormatError || e instanceof ProgramLoadError) {
      say(`x86run: ${parsed.file}: ${e.message}\n`);
      return ExitStatus.USAGE;
    }
    throw e;
  }
  const hostSeconds = (performance.now() - t0) / 1000;
  if (result.error !== undefined) say(`x86run: ${result.error}\n`);
  if (parsed.stats) say(formatStats(result, hostSeconds));
  return result.exitStatus;
}

/** True when this module is the script node was started with (also through a symlinked bin). */
function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  // `x86run prog | head -1`: a closed pipe is not an error of the program; drop the rest.
  let stdoutClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
  });
  let status: number;
  try {
    status = x86runMain(process.argv.slice(2), {
      stdout: (b) => {
        if (!stdoutClosed) process.stdout.write(b);
      },
      stderr: (b) => process.stderr.write(b),
      readFile: (p) => new Uint8Array(readFileSync(p)),
    });
  } catch (e) {
    process.stderr.write(`x86run: internal error in the emulator: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    status = 70;
  }
  // Let pending writes to pipes drain instead of process.exit().
  process.exitCode = status;
}
