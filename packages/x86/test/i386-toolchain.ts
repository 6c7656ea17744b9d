// Test helpers that build small i386 programs and objects with the host gcc at test time
// (gcc -m32 needs no extra packages for freestanding code; there is no 32-bit libc here).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Flags for freestanding ELF32 relocatable objects, as the extensions build uses. */
export const OBJECT_CFLAGS: readonly string[] = [
  '-m32',
  '-O2',
  '-ffreestanding',
  '-fno-pic',
  '-fno-pie',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
];

/** Flags for static freestanding ELF32 executables (the program provides _start). */
export const PROGRAM_CFLAGS: readonly string[] = [
  '-m32',
  '-static',
  '-nostdlib',
  '-ffreestanding',
  '-fno-pic',
  '-fno-pie',
  '-no-pie',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-O2',
];

/** Runs a tool; throws with its stderr if it fails. */
export function run(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** A scratch directory for one test file's build products. */
export class Scratch {
  readonly dir: string;
  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `nooks-x86-${prefix}-`));
  }
  path(name: string): string {
    return join(this.dir, name);
  }
  write(name: string, text: string): string {
    const p = this.path(name);
    writeFileSync(p, text);
    return p;
  }
  /** gcc the given sources (written into the scratch dir) with `flags`; returns the output path. */
  gcc(output: string, sources: Readonly<Record<string, string>>, flags: readonly string[]): string {
    const files = Object.entries(sources).map(([name, text]) => this.write(name, text));
    const out = this.path(output);
    run('gcc', [...flags, ...files, '-o', out]);
    return out;
  }
  read(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
