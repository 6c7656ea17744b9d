/**
 * Native sanity checks of the differential corpus: every program builds at
 * every optimisation level, runs natively, terminates normally with
 * deterministic output, and contains no x87/MMX/SSE instructions and no
 * system calls other than `int $0x80`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { CORPUS_OPT_LEVELS, buildCorpus, listCorpusPrograms, runNative, type CorpusProgram } from './corpus.js';

/** x87 / MMX / SSE / other-syscall mnemonics and registers that must not appear */
const FORBIDDEN =
	/%st\b|%st\(|%mm\d|%xmm\d|\bf(ld|st|stp|ild|ist|istp|add|sub|mul|div|xch|com|ucom|init|ninit|nstcw|ldcw|wait)\w*\b|\bemms\b|\bsysenter\b|\bsyscall\b|\bcpuid\b|\brdtsc\b|\bendbr32\b/;

describe('native corpus', () => {
	let programs: CorpusProgram[] = [];

	it('builds every program at every optimisation level', async () => {
		programs = await buildCorpus();
		expect(listCorpusPrograms().length).toBeGreaterThanOrEqual(32);
		expect(programs).toHaveLength(listCorpusPrograms().length * CORPUS_OPT_LEVELS.length);
	}, 600_000);

	it('contains no x87/MMX/SSE instructions, cpuid, rdtsc or sysenter', () => {
		for (const p of programs) {
			const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', p.path], { encoding: 'utf8', maxBuffer: 64 << 20 });
			expect(r.status, `objdump ${p.path}`).toBe(0);
			const bad = r.stdout
				.split('\n')
				.map((l) => /^\s*[0-9a-f]+:\t(.*)$/.exec(l)?.[1]?.replace(/<[^>]*>|#.*$/g, '') ?? '')
				.filter((insn) => FORBIDDEN.test(insn));
			expect(bad, `${p.name} ${p.opt}`).toEqual([]);
		}
	}, 120_000);

	it('runs natively, deterministically, with normal termination', () => {
		for (const p of programs) {
			const a = runNative(p.path);
			const b = runNative(p.path);
			expect(a.stdout.length, `${p.name} ${p.opt} prints something`).toBeGreaterThan(0);
			expect(b.stdout.equals(a.stdout), `${p.name} ${p.opt} output is deterministic`).toBe(true);
			expect(b.status, `${p.name} ${p.opt}`).toBe(a.status);
		}
	}, 300_000);

	it('gives the same output at every optimisation level', () => {
		for (const name of listCorpusPrograms()) {
			const runs = programs.filter((p) => p.name === name).map((p) => runNative(p.path));
			for (const r of runs.slice(1)) {
				expect(r.stdout.toString(), name).toEqual(runs[0]!.stdout.toString());
				expect(r.status, name).toBe(runs[0]!.status);
			}
		}
	}, 300_000);
});
