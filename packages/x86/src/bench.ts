// `pnpm bench` for @nooks/x86: MIPS of the emulator on the corpus's CPU-bound programs, beside
// the native run of the same binaries (the host CPU running the i386 code directly). Prints
// figures; asserts nothing. Each program runs once natively and twice under the emulator (the
// first run warms V8 up; the second is reported).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { buildCorpus } from '../test/corpus.js';
import { runElfProgram } from './run-program.js';

interface Row {
  program: string;
  instructions: number;
  emuSeconds: number;
  nativeSeconds: number;
}

function timeNative(path: string): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(path, [], { stdio: ['ignore', 'ignore', 'ignore'] });
    const dt = (performance.now() - t0) / 1000;
    if (r.status === null) throw new Error(`${path} did not exit normally`);
    best = Math.min(best, dt);
  }
  return best;
}

function timeEmulated(bytes: Uint8Array): { instructions: number; seconds: number; status: number } {
  let last = { instructions: 0, seconds: 0, status: 0 };
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const r = runElfProgram(bytes);
    last = { instructions: r.instructions, seconds: (performance.now() - t0) / 1000, status: r.exitStatus };
  }
  return last;
}

async function main(): Promise<void> {
  const programs = (await buildCorpus({ includeBench: true, optLevels: ['-O2'] })).filter((p) => p.name.startsWith('bench-'));
  const rows: Row[] = [];
  for (const p of programs) {
    const bytes = readFileSync(p.path);
    const emu = timeEmulated(bytes);
    const nativeSeconds = timeNative(p.path);
    rows.push({ program: `${p.name} ${p.opt}`, instructions: emu.instructions, emuSeconds: emu.seconds, nativeSeconds });
  }
  const pad = (s: string, n: number): string => s.padStart(n);
  console.log('@nooks/x86 interpreter speed (corpus CPU-bound programs, gcc -O2 -m32)');
  console.log(`${'program'.padEnd(20)}${pad('instructions', 14)}${pad('emulated s', 12)}${pad('MIPS', 9)}${pad('native s', 11)}${pad('native MIPS', 13)}${pad('slowdown', 10)}`);
  let totalI = 0, totalE = 0;
  for (const r of rows) {
    totalI += r.instructions;
    totalE += r.emuSeconds;
    const mips = r.instructions / r.emuSeconds / 1e6;
    const nmips = r.instructions / r.nativeSeconds / 1e6;
    console.log(
      `${r.program.padEnd(20)}${pad(r.instructions.toLocaleString('en-US'), 14)}${pad(r.emuSeconds.toFixed(2), 12)}${pad(mips.toFixed(1), 9)}${pad(r.nativeSeconds.toFixed(3), 11)}${pad(nmips.toFixed(0), 13)}${pad(`${(r.emuSeconds / r.nativeSeconds).toFixed(0)}x`, 10)}`,
    );
  }
  console.log(`${'all'.padEnd(20)}${pad(totalI.toLocaleString('en-US'), 14)}${pad(totalE.toFixed(2), 12)}${pad((totalI / totalE / 1e6).toFixed(1), 9)}`);
  console.log('(native time includes process start-up, ~1 ms; MIPS are host instructions per host second)');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
