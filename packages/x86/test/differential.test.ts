/**
 * Randomized differential test of single instructions: emulator vs. the
 * real CPU.
 *
 * Random DiffCases (gen-cases.ts) are executed natively in one batch by the
 * harness (harness.ts, native-harness/) and one by one in the emulator with
 * paging off (physical = linear): code at EMU_CODE_ADDR, scratch memory at
 * EMU_SCRATCH_ADDR, regs[memReg] = EMU_SCRATCH_ADDR + offset, and the
 * memReg register reported back relative to EMU_SCRATCH_ADDR. Results are
 * compared with diffResults(), which ignores ESP, flags outside
 * definedFlags and registers in undefinedRegs.
 *
 * Skipped until the lead decides to enable it. When written, 30,000 cases
 * matched the CPU except the 0x67 (16-bit addressing) forms of LEA, which
 * the decoder rejected with #UD; enable with `exclude: ['lea_addr16']` until
 * those are supported (10,000 cases then take about a second).
 */
import { describe, expect, it } from 'vitest';

import { Machine } from '../src/index.js';
import type { DiffCase, DiffResult } from './harness.js';
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
} from './harness.js';
import { generateCases } from './gen-cases.js';

/**
 * Runs one DiffCase in the emulator and returns the result in harness form.
 * One Machine is reused for all cases (creating one per case costs ~10 ms);
 * writePhys over the code keeps the decoded-block cache coherent.
 */
function runInEmulator(m: Machine, initialEflags: number, c: DiffCase, engine: 'interpreter' | 'compiled'): DiffResult {
	// The compiled engine only runs whole blocks: end the block with hlt and compile on first use.
	m.writePhys(EMU_CODE_ADDR, engine === 'compiled' ? Uint8Array.from([...c.code, 0xf4]) : c.code);
	m.cpu.compileThreshold = engine === 'compiled' ? 1 : Infinity;
	m.cpu.halted = false;
	m.writePhys(EMU_SCRATCH_ADDR, c.mem);
	for (let i = 0; i < 8; i++) {
		if (i === REG_ESP) continue; // the instruction never uses ESP
		m.cpu.regs[i] = i === c.memReg ? (EMU_SCRATCH_ADDR + c.regs[i]!) | 0 : c.regs[i]!;
	}
	m.cpu.eip = EMU_CODE_ADDR;
	m.cpu.setEflags((initialEflags & ~FLAGS_COMPARED) | c.eflags);
	if (engine === 'compiled') {
		const r = m.run({ maxInstructions: 10 });
		if (r.reason !== 'halted' || m.cpu.eip !== EMU_CODE_ADDR + c.code.length + 1) throw new Error(`stopped at ${m.cpu.eip.toString(16)}: ${JSON.stringify(r)}`);
	} else {
		const r = m.run({ until: EMU_CODE_ADDR + c.code.length, maxInstructions: 10 });
		if (m.cpu.eip !== EMU_CODE_ADDR + c.code.length) throw new Error(`stopped at ${m.cpu.eip.toString(16)}: ${JSON.stringify(r)}`);
	}
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

describe('differential: single instructions (emulator vs native CPU)', () => {
	// 16-bit addressing (0x67) is out of scope: the decoder raises #UD for it.
	const cases = generateCases(0x5eed, 10_000, { exclude: ['lea_addr16'] });
	let native: DiffResult[] = [];

	for (const engine of ['interpreter', 'compiled'] as const) {
		it(`matches the CPU on 10,000 random instructions (${engine})`, () => {
			if (native.length === 0) native = runHarness(cases);
			const m = new Machine({ memoryBytes: 1 << 20 });
			const initialEflags = m.cpu.getEflags();
			const failures: string[] = [];
			let compared = 0;
			cases.forEach((c, i) => {
				let diff: string[];
				try {
					diff = diffResults(c, native[i]!, runInEmulator(m, initialEflags, c, engine));
				} catch (e) {
					diff = [String(e)];
				}
				compared++;
				if (diff.length && failures.length < 20) failures.push(`${formatCase(c)}\n    ${diff.join('\n    ')}`);
			});
			expect(compared).toBe(cases.length);
			expect(failures, failures.join('\n')).toEqual([]);
		}, 120_000);
	}
});
