/**
 * Differential tests: emulator vs. the real CPU.
 *
 * SKIPPED until the emulator implements the API used below (the lead owns
 * the emulator side). It shows how the material in this directory is meant
 * to be consumed:
 *
 *  1. Single instructions: random DiffCases (gen-cases.ts) are executed
 *     natively in one batch by the harness (harness.ts) and in the emulator
 *     with paging off (physical = linear): code at EMU_CODE_ADDR, scratch
 *     memory at EMU_SCRATCH_ADDR, regs[memReg] = EMU_SCRATCH_ADDR + offset.
 *     Results are compared with diffResults(), which ignores ESP, undefined
 *     flags (definedFlags) and undefined registers (undefinedRegs).
 *
 *  2. Whole programs: every corpus program (corpus.ts) is run natively and
 *     in the emulator's Linux-i386 program runner (exit/write/brk syscalls);
 *     stdout and exit status must match byte for byte.
 */
import { describe, expect, it } from 'vitest';

import { buildCorpus, runNative } from './corpus.js';
import {
	EMU_CODE_ADDR,
	EMU_SCRATCH_ADDR,
	FLAGS_COMPARED,
	MEM_REG_NONE,
	REG_ESP,
	SCRATCH_SIZE,
	diffResults,
	formatCase,
	runHarness,
	type DiffCase,
	type DiffResult,
} from './harness.js';
import { generateCases } from './gen-cases.js';

/** The emulator API these tests are written against (to be provided by ../src/index.ts). */
interface IntendedMachine {
	writePhys(addr: number, bytes: Uint8Array): void;
	readPhys(addr: number, len: number): Uint8Array;
	cpu: { regs: Int32Array | number[]; eip: number; setEflags(v: number): void; getEflags(): number };
	run(opts: { until: number; maxInstructions: number }): unknown;
}
type MachineCtor = new (opts: { memoryBytes: number }) => IntendedMachine;

async function loadMachine(): Promise<MachineCtor> {
	const mod = (await import('../src/index.js')) as unknown as { Machine: MachineCtor };
	return mod.Machine;
}

/** Runs one DiffCase in the emulator and returns the result in harness form. */
function runInEmulator(Machine: MachineCtor, c: DiffCase): DiffResult {
	const m = new Machine({ memoryBytes: 1 << 20 });
	m.writePhys(EMU_CODE_ADDR, c.code);
	m.writePhys(EMU_SCRATCH_ADDR, c.mem);
	for (let i = 0; i < 8; i++) {
		if (i === REG_ESP) continue; // ESP is never used by the instruction; leave the emulator's value
		m.cpu.regs[i] = i === c.memReg ? (EMU_SCRATCH_ADDR + c.regs[i]!) | 0 : c.regs[i]!;
	}
	m.cpu.eip = EMU_CODE_ADDR;
	m.cpu.setEflags((m.cpu.getEflags() & ~FLAGS_COMPARED) | c.eflags);
	m.run({ until: EMU_CODE_ADDR + c.code.length, maxInstructions: 10 });
	const regs = new Int32Array(8);
	for (let i = 0; i < 8; i++) regs[i] = m.cpu.regs[i]! | 0;
	regs[REG_ESP] = 0;
	if (c.memReg !== MEM_REG_NONE) regs[c.memReg] = (regs[c.memReg]! - EMU_SCRATCH_ADDR) | 0;
	return {
		regs,
		eflags: m.cpu.getEflags() & FLAGS_COMPARED,
		mem: m.readPhys(EMU_SCRATCH_ADDR, SCRATCH_SIZE),
		status: 0,
	};
}

describe.skip('differential: single instructions (emulator vs native)', () => {
	it('matches the CPU on 10,000 random instructions', async () => {
		const Machine = await loadMachine();
		const cases = generateCases(0x5eed, 10_000);
		const native = runHarness(cases);
		const failures: string[] = [];
		cases.forEach((c, i) => {
			const diff = diffResults(c, native[i]!, runInEmulator(Machine, c));
			if (diff.length && failures.length < 20) failures.push(`${formatCase(c)}\n    ${diff.join('\n    ')}`);
		});
		expect(failures, failures.join('\n')).toEqual([]);
	}, 120_000);
});

describe.skip('differential: corpus programs (emulator vs native)', () => {
	it('produces the same stdout and exit status for every program', async () => {
		const programs = await buildCorpus();
		// const { runProgram } = await import('../src/index.js'); // emulator's ELF runner (to be written)
		for (const p of programs) {
			const native = runNative(p.path);
			// const emu = runProgram(readFileSync(p.path), { maxInstructions: 500_000_000 });
			// expect(emu.stdout, `${p.name} ${p.opt}`).toEqual(native.stdout);
			// expect(emu.exitStatus, `${p.name} ${p.opt}`).toBe(native.status);
			expect(native.stdout.length, `${p.name} ${p.opt}`).toBeGreaterThan(0);
		}
	}, 600_000);
});
