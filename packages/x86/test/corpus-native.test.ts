/**
 * Native sanity checks of the corpus itself (no emulator involved): the
 * programs contain no x87/MMX/SSE instructions, no cpuid/rdtsc and no
 * system-call instruction other than `int $0x80`, exit with a status below
 * 100 (so they never collide with x86run's 124-127), and print the same
 * output at every optimisation level.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

import type { CorpusProgram } from './corpus.js';
import { buildCorpus, listCorpusPrograms, runNative } from './corpus.js';

/** x87 / MMX / SSE mnemonics and registers, and instructions the corpus must not use */
const FORBIDDEN =
	/%st\b|%st\(|%mm\d|%xmm\d|\bf(ld|st|stp|ild|ist|istp|add|sub|mul|div|xch|com|ucom|init|ninit|nstcw|ldcw|wait)\w*\b|\bemms\b|\bsysenter\b|\bsyscall\b|\bcpuid\b|\brdtsc\b|\bendbr32\b/;

let programs: CorpusProgram[] = [];

beforeAll(async () => {
	programs = await buildCorpus({ includeBench: true });
});

describe('corpus programs (native)', () => {
	it('contain no x87/MMX/SSE instructions, cpuid, rdtsc, sysenter or endbr32', () => {
		for (const p of programs) {
			const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', p.path], { encoding: 'utf8', maxBuffer: 64 << 20 });
			expect(r.status, `objdump ${p.path}`).toBe(0);
			const bad = r.stdout
				.split('\n')
				.map((l) => /^\s*[0-9a-f]+:\t(.*)$/.exec(l)?.[1]?.replace(/<[^>]*>|#.*$/g, '') ?? '')
				.filter((insn) => FORBIDDEN.test(insn));
			expect(bad, `${p.name} ${p.opt}`).toEqual([]);
		}
	});

	it('exit normally with a status below 100 and the same output at every optimisation level', () => {
		for (const name of listCorpusPrograms()) {
			const runs = programs.filter((p) => p.name === name).map((p) => runNative(p.path));
			expect(runs.length, name).toBeGreaterThan(1);
			for (const r of runs) {
				expect(r.status, name).toBeLessThan(100);
				expect(r.stdout.length, name).toBeGreaterThan(0);
				expect(r.stdout.toString('latin1'), name).toBe(runs[0]!.stdout.toString('latin1'));
				expect(r.status, name).toBe(runs[0]!.status);
			}
		}
	});
});
