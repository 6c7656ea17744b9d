import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolchainError } from './errors.js';

/**
 * Flags every extension is compiled with: freestanding, non-PIC cdecl i386 code as Linux 2.4
 * built modules (-mpreferred-stack-boundary=2, -fno-strict-aliasing, -fno-common), no FPU/SIMD
 * (the kernel never saved those registers), and frame pointers kept so crash reports can walk
 * the stack as a CONFIG_FRAME_POINTER kernel does.
 */
export const EXTENSION_CFLAGS: readonly string[] = [
  '-O2',
  '-ffreestanding',
  '-fno-pic',
  '-fno-pie',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables',
  '-fcf-protection=none',
  '-nostdinc',
  '-fno-strict-aliasing',
  '-fno-common',
  '-fno-omit-frame-pointer',
  '-mpreferred-stack-boundary=2',
  '-march=i686',
  '-mno-mmx',
  '-mno-sse',
  '-mno-80387',
  '-Wall',
];

export interface Compiler {
  /** 'gcc' or 'clang' */
  readonly kind: 'gcc' | 'clang';
  /** Executable to run. */
  readonly path: string;
  /** Flags that select the i386 target, placed before EXTENSION_CFLAGS. */
  readonly targetFlags: readonly string[];
  /** Command (argv) that links several objects into one relocatable object: append `-o out in...`. */
  readonly partialLink: readonly string[];
}

const CANDIDATES: readonly Compiler[] = [
  { kind: 'gcc', path: 'gcc', targetFlags: ['-m32'], partialLink: ['ld', '-m', 'elf_i386', '-r'] },
  {
    kind: 'clang',
    path: 'clang',
    targetFlags: ['--target=i386-unknown-none-elf'],
    partialLink: ['clang', '--target=i386-unknown-none-elf', '-nostdlib', '-r', '-fuse-ld=lld'],
  },
];

let cached: Compiler | undefined;

/** True when `bytes` start an ELF32 little-endian relocatable object for EM_386. */
export function isI386RelocatableObject(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 52 &&
    bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 &&
    bytes[4] === 1 /* ELFCLASS32 */ && bytes[5] === 1 /* little endian */ &&
    bytes[16] === 1 && bytes[17] === 0 /* ET_REL */ && bytes[18] === 3 && bytes[19] === 0 /* EM_386 */
  );
}

function probe(candidate: Compiler): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'nooks-cc-'));
  try {
    const src = join(dir, 'probe.c');
    const obj = join(dir, 'probe.o');
    writeFileSync(src, 'int nooks_probe(int x) { return x * 3; }\n');
    const r = spawnSync(candidate.path, [...candidate.targetFlags, ...EXTENSION_CFLAGS, '-c', src, '-o', obj], {
      encoding: 'utf8',
    });
    if (r.error) return r.error.message;
    if (r.status !== 0) return (r.stderr || r.stdout || `exit status ${r.status}`).trim().split('\n')[0];
    if (!isI386RelocatableObject(readFileSync(obj))) return 'output is not an ELF32 i386 relocatable object';
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Finds a C compiler that produces i386 ELF relocatable objects: gcc -m32 first, then clang
 * --target=i386-unknown-none-elf. NOOKS_CC=gcc|clang forces one. Throws ToolchainError saying
 * what to install when none works.
 */
export function findCompiler(): Compiler {
  if (cached) return cached;
  const forced = process.env['NOOKS_CC'];
  const candidates = forced ? CANDIDATES.filter((c) => c.kind === forced) : CANDIDATES;
  if (forced && candidates.length === 0) {
    throw new ToolchainError(`NOOKS_CC='${forced}' is not supported; use 'gcc' or 'clang', or unset it.`);
  }
  const failures: string[] = [];
  for (const c of candidates) {
    const why = probe(c);
    if (why === undefined) {
      cached = c;
      return c;
    }
    failures.push(`  ${c.path} ${c.targetFlags.join(' ')}: ${why}`);
  }
  throw new ToolchainError(
    [
      'No C compiler that can build i386 (ELF32) kernel extensions was found.',
      'Tried:',
      ...failures,
      'Install one: `apt-get install gcc binutils` (gcc -m32 -c needs no multilib for freestanding code)',
      'or `apt-get install clang lld`.',
    ].join('\n'),
  );
}
