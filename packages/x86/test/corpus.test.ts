// The emulator against the real CPU: every corpus program, compiled at -O0 and -O2, run
// natively (32-bit programs run on this x86-64 host) and under runElfProgram. Output and exit
// status must be identical.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runElfProgram } from '../src/index.js';
import type { CorpusProgram } from './corpus.js';
import { buildCorpus, listCorpusPrograms, runNative } from './corpus.js';

let programs: CorpusProgram[] = [];

beforeAll(async () => {
  programs = await buildCorpus();
});

/** -O0 builds run on the plain interpreter, -O2 builds with every block compiled: both engines meet the real CPU. */
function emulate(path: string, compileThreshold: number): { stdout: Buffer; stderr: Buffer; status: number; reason: string; error: string | undefined } {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const r = runElfProgram(readFileSync(path), {
    maxInstructions: 500_000_000,
    compileThreshold,
    stdout: (b) => out.push(b.slice()),
    stderr: (b) => err.push(b.slice()),
  });
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), status: r.exitStatus, reason: r.reason, error: r.error };
}

describe('corpus: emulator output equals the native CPU', () => {
  it('has at least 30 programs at -O0 and -O2', () => {
    expect(listCorpusPrograms().length).toBeGreaterThanOrEqual(30);
    expect(programs.filter((p) => p.opt === '-O0').length).toBeGreaterThanOrEqual(30);
    expect(programs.filter((p) => p.opt === '-O2').length).toBeGreaterThanOrEqual(30);
  });

  for (const name of listCorpusPrograms()) {
    for (const opt of ['-O0', '-O2']) {
      it(`${name} ${opt}`, () => {
        const p = programs.find((q) => q.name === name && q.opt === opt);
        expect(p, `${name} ${opt} was built`).toBeDefined();
        const native = runNative(p!.path);
        const emu = emulate(p!.path, opt === '-O0' ? Infinity : 1);
        expect(emu.reason, emu.error).toBe('exit');
        expect(emu.stdout.toString('latin1')).toBe(native.stdout.toString('latin1'));
        expect(emu.stderr.toString('latin1')).toBe(native.stderr.toString('latin1'));
        expect(emu.status).toBe(native.status);
      });
    }
  }
});
