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
 * those are supported.
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

/** Runs one DiffCase in the emulator and returns the result in harness form. */
function runInEmulator(c: DiffCase): DiffResult {
	const m = new Machine({ memoryBytes: 1 << 20 });
	m.writePhys(EMU_CODE_ADDR, c.code);
	m.writePhys(EMU_SCRATCH_ADDR, c.mem);
	for (let i = 0; i < 8; i++) {
		if (i === REG_ESP) continue; // the instruction never uses ESP
		m.cpu.regs[i] = i === c.memReg ? (EMU_SCRATCH_ADDR + c.regs[i]!) | 0 : c.regs[i]!;
	}
	m.cpu.eip = EMU_CODE_ADDR;
	m.cpu.setEflags((m.cpu.getEflags() & ~FLAGS_COMPARED) | c.eflags);
	const r = m.run({ until: EMU_CODE_ADDR + c.code.length, maxInstructions: 10 });
	if (m.cpu.eip !== EMU_CODE_ADDR + c.code.length) throw new Error(`stopped at ${m.cpu.eip.toString(16)}: ${JSON.stringify(r)}`);
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

describe.skip('differential: single instructions (emulator vs native CPU)', () => {
	it('matches the CPU on 10,000 random instructions', () => {
		const cases = generateCases(0x5eed, 10_000);
		const native = runHarness(cases);
		const failures: string[] = [];
		cases.forEach((c, i) => {
			let diff: string[];
			try {
				diff = diffResults(c, native[i]!, runInEmulator(c));
			} catch (e) {
				diff = [String(e)];
			}
			if (diff.length && failures.length < 20) failures.push(`${formatCase(c)}\n    ${diff.join('\n    ')}`);
		});
		expect(failures, failures.join('\n')).toEqual([]);
	}, 120_000);
});
