/**
 * Self-test of the native single-instruction harness and of the case
 * generator: hand-written cases with known results (so the native side of
 * the differential test is trustworthy), plus consistency checks of the
 * generator's flag annotations against the real CPU.
 */
import { describe, expect, it } from 'vitest';

import {
	FLAG_AF,
	FLAG_CF,
	FLAG_DF,
	FLAG_OF,
	FLAG_PF,
	FLAG_SF,
	FLAG_ZF,
	FLAGS_COMPARED,
	FLAGS_STATUS,
	MEM_REG_NONE,
	REG_NAMES,
	SCRATCH_SIZE,
	buildHarness,
	diffResults,
	formatCase,
	runHarness,
	type DiffCase,
	type DiffResult,
} from './harness.js';
import { CASE_CATEGORIES, generateCases, generateCategory } from './gen-cases.js';

type RegName = (typeof REG_NAMES)[number];

function mk(
	code: number[],
	regs: Partial<Record<RegName, number>>,
	opts: { eflags?: number; mem?: number[]; memReg?: RegName; description?: string } = {},
): DiffCase {
	const r = new Int32Array(8);
	for (const [name, v] of Object.entries(regs)) r[REG_NAMES.indexOf(name as RegName)] = v | 0;
	const mem = new Uint8Array(SCRATCH_SIZE);
	(opts.mem ?? []).forEach((v, i) => (mem[i] = v));
	return {
		code: Uint8Array.from(code),
		regs: r,
		eflags: opts.eflags ?? 0,
		mem,
		memReg: opts.memReg ? REG_NAMES.indexOf(opts.memReg) : MEM_REG_NONE,
		definedFlags: FLAGS_COMPARED,
		undefinedRegs: 0,
		description: opts.description ?? code.map((b) => b.toString(16)).join(' '),
	};
}

const u32 = (v: number): number => v >>> 0;
const reg = (res: DiffResult, name: RegName): number => u32(res.regs[REG_NAMES.indexOf(name)]!);

describe('native harness', () => {
	it('builds', () => {
		expect(buildHarness()).toMatch(/native-harness$/);
	});

	it('executes hand-written cases with known results', () => {
		const cases: DiffCase[] = [
			/* 0 */ mk([0x01, 0xd8], { eax: 0xffffffff, ebx: 1 }, { description: 'add eax, ebx' }),
			/* 1 */ mk([0x29, 0xd8], { eax: 0, ebx: 1 }, { description: 'sub eax, ebx' }),
			/* 2 */ mk([0x00, 0xd8], { eax: 0x1234567f, ebx: 1 }, { description: 'add al, bl' }),
			/* 3 */ mk([0x8b, 0x43, 0x04], { ebx: 0 }, { memReg: 'ebx', mem: [0, 1, 2, 3, 0x78, 0x56, 0x34, 0x12], description: 'mov eax, [ebx+4]' }),
			/* 4 */ mk([0x89, 0x4e, 0x10], { ecx: 0xdeadbeef, esi: 0 }, { memReg: 'esi', description: 'mov [esi+0x10], ecx' }),
			/* 5 */ mk([0xfd], {}, { description: 'std' }),
			/* 6 */ mk([0xfc], {}, { eflags: FLAG_DF | FLAG_CF, description: 'cld' }),
			/* 7 */ mk([0xf7, 0xe1], { eax: 0x10000, ecx: 0x10000 }, { description: 'mul ecx' }),
			/* 8 */ mk([0xf7, 0xf1], { eax: 0, edx: 1, ecx: 0x10 }, { description: 'div ecx' }),
			/* 9 */ mk([0x0f, 0xbc, 0xc1], { ecx: 0x80 }, { eflags: FLAG_ZF, description: 'bsf eax, ecx' }),
			/* 10 */ mk([0xd3, 0xe0], { eax: 0x80000000, ecx: 0x20 }, { eflags: FLAG_OF | FLAG_CF | FLAG_PF, description: 'shl eax, cl (cl=32: no-op)' }),
			/* 11 */ mk([0x8d, 0x44, 0x8b, 0x08], { ebx: 0x1000, ecx: 3 }, { description: 'lea eax, [ebx+ecx*4+8]' }),
			/* 12 */ mk([0x0f, 0xab, 0x0b], { ebx: 0, ecx: 35 }, { memReg: 'ebx', description: 'bts [ebx], ecx (bit 35 -> byte 4 bit 3)' }),
			/* 13 */ mk([0x0f, 0xc1, 0xd8], { eax: 5, ebx: 7 }, { description: 'xadd eax, ebx' }),
			/* 14 */ mk([0x0f, 0xb1, 0x0e], { eax: 0x11223344, ecx: 0x99, esi: 8 }, { memReg: 'esi', mem: [0, 0, 0, 0, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11], description: 'cmpxchg [esi], ecx (equal)' }),
			/* 15 */ mk([0x9f], { eax: 0 }, { eflags: FLAG_SF | FLAG_CF, description: 'lahf' }),
			/* 16 */ mk([0x9e], { eax: 0xd500 }, { eflags: FLAG_OF, description: 'sahf' }),
			/* 17 */ mk([0x66, 0x99], { eax: 0x8000, edx: 0x12345678 }, { description: 'cwd' }),
			/* 18 */ mk([0x0f, 0xc8], { eax: 0x12345678 }, { description: 'bswap eax' }),
			/* 19 */ mk([0x11, 0xd8], { eax: 0x7fffffff, ebx: 0 }, { eflags: FLAG_CF, description: 'adc eax, ebx' }),
			/* 20 */ mk([0xf6, 0xfb], { eax: 0xffff, ebx: 0x02 }, { description: 'idiv bl (-1 / 2)' }),
			/* 21 */ mk([0xd1, 0xd8], { eax: 1 }, { eflags: 0, description: 'rcr eax, 1' }),
			/* 22 */ mk([0x0f, 0xa4, 0xd8, 0x04], { eax: 0x12345678, ebx: 0x9abcdef0 }, { description: 'shld eax, ebx, 4' }),
			/* 23 */ mk([0x83, 0x6b, 0xfc, 0x01], { ebx: 4 }, { memReg: 'ebx', mem: [0, 0, 0, 0], description: 'sub dword [ebx-4], 1' }),
		];
		const res = runHarness(cases);
		expect(res).toHaveLength(cases.length);
		for (const r of res) expect(r.status).toBe(0);

		expect(reg(res[0]!, 'eax')).toBe(0);
		expect(res[0]!.eflags & FLAGS_STATUS).toBe(FLAG_CF | FLAG_ZF | FLAG_PF | FLAG_AF);

		expect(reg(res[1]!, 'eax')).toBe(0xffffffff);
		expect(res[1]!.eflags & FLAGS_STATUS).toBe(FLAG_CF | FLAG_SF | FLAG_PF | FLAG_AF);

		expect(reg(res[2]!, 'eax')).toBe(0x12345680);
		expect(res[2]!.eflags & FLAGS_STATUS).toBe(FLAG_OF | FLAG_SF | FLAG_AF);

		expect(reg(res[3]!, 'eax')).toBe(0x12345678);
		expect(reg(res[3]!, 'ebx')).toBe(0); // reported relative to the scratch base
		expect(reg(res[3]!, 'esp')).toBe(0);

		expect(Array.from(res[4]!.mem.subarray(0x10, 0x14))).toEqual([0xef, 0xbe, 0xad, 0xde]);

		expect(res[5]!.eflags & FLAG_DF).toBe(FLAG_DF);
		expect(res[6]!.eflags).toBe(FLAG_CF);

		expect([reg(res[7]!, 'edx'), reg(res[7]!, 'eax')]).toEqual([1, 0]);
		expect(res[7]!.eflags & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);

		expect([reg(res[8]!, 'eax'), reg(res[8]!, 'edx')]).toEqual([0x10000000, 0]);

		expect(reg(res[9]!, 'eax')).toBe(7);
		expect(res[9]!.eflags & FLAG_ZF).toBe(0);

		expect(reg(res[10]!, 'eax')).toBe(0x80000000);
		expect(res[10]!.eflags).toBe(FLAG_OF | FLAG_CF | FLAG_PF); // count masked to 0: flags unchanged

		expect(reg(res[11]!, 'eax')).toBe(0x1000 + 12 + 8);

		expect(res[12]!.mem[4]).toBe(0x08);
		expect(res[12]!.eflags & FLAG_CF).toBe(0);

		expect([reg(res[13]!, 'eax'), reg(res[13]!, 'ebx')]).toEqual([12, 5]);

		expect(Array.from(res[14]!.mem.subarray(8, 12))).toEqual([0x99, 0, 0, 0]);
		expect(res[14]!.eflags & FLAG_ZF).toBe(FLAG_ZF);
		expect(reg(res[14]!, 'esi')).toBe(8);

		expect(reg(res[15]!, 'eax')).toBe(0x8300); // SF, bit 1, CF
		expect(res[16]!.eflags & FLAGS_STATUS).toBe(FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF);

		expect(reg(res[17]!, 'edx')).toBe(0x1234ffff);
		expect(reg(res[18]!, 'eax')).toBe(0x78563412);

		expect(reg(res[19]!, 'eax')).toBe(0x80000000);
		expect(res[19]!.eflags & (FLAG_OF | FLAG_CF | FLAG_SF)).toBe(FLAG_OF | FLAG_SF);

		expect(reg(res[20]!, 'eax') & 0xffff).toBe(0xff00); // AL = 0 (quotient), AH = -1 (remainder)

		expect(reg(res[21]!, 'eax')).toBe(0);
		expect(res[21]!.eflags & FLAG_CF).toBe(FLAG_CF);

		expect(reg(res[22]!, 'eax')).toBe(0x23456789);

		expect(Array.from(res[23]!.mem.subarray(0, 4))).toEqual([0xff, 0xff, 0xff, 0xff]);
		expect(res[23]!.eflags & (FLAG_CF | FLAG_SF | FLAG_ZF)).toBe(FLAG_CF | FLAG_SF);
	});

	it('reports a faulting case instead of hanging', () => {
		const bad = mk([0x8b, 0x00], { eax: 0 }, { description: 'mov eax, [eax] with eax=0' });
		expect(() => runHarness([mk([0x90], {}), bad])).toThrow(/case 1 raised signal 11/);
	});

	it('diffResults ignores undefined flags and registers', () => {
		const c = { ...mk([0x90], {}), definedFlags: FLAG_CF | FLAG_DF, undefinedRegs: 1 };
		const a: DiffResult = { regs: new Int32Array(8), eflags: FLAG_CF, mem: new Uint8Array(64), status: 0 };
		const b: DiffResult = { regs: Int32Array.from([5, 0, 0, 0, 9, 0, 0, 0]), eflags: FLAG_CF | FLAG_ZF, mem: new Uint8Array(64), status: 0 };
		expect(diffResults(c, a, b)).toEqual([]);
		expect(diffResults(c, a, { ...b, eflags: 0 })).toHaveLength(1);
		expect(diffResults(c, a, { ...b, regs: Int32Array.from([5, 1, 0, 0, 0, 0, 0, 0]) })).toHaveLength(1);
	});
});

describe('case generator', () => {
	it('is deterministic for a given seed', () => {
		const a = generateCases(42, 300);
		const b = generateCases(42, 300);
		expect(a.map(formatCase)).toEqual(b.map(formatCase));
		expect(a.map((c) => Array.from(c.mem))).toEqual(b.map((c) => Array.from(c.mem)));
		expect(generateCases(43, 50).map(formatCase)).not.toEqual(a.slice(0, 50).map(formatCase));
	});

	it('produces well-formed cases', () => {
		for (const c of generateCases(7, 3000)) {
			expect(c.code.length).toBeGreaterThanOrEqual(1);
			expect(c.code.length).toBeLessThanOrEqual(15);
			expect(c.regs[4]).toBe(0);
			expect(c.mem).toHaveLength(SCRATCH_SIZE);
			expect(c.definedFlags & FLAG_DF).toBe(FLAG_DF);
			expect(c.definedFlags & ~FLAGS_COMPARED).toBe(0);
			expect((c.preservedFlags ?? 0) & ~c.definedFlags).toBe(0);
			expect(c.undefinedRegs & 0x10).toBe(0);
		}
	});

	it('every category runs natively without faults or stray accesses', () => {
		for (const cat of CASE_CATEGORIES) {
			const cases = generateCategory(cat, 2024, 500);
			const res = runHarness(cases);
			res.forEach((r, i) => {
				if (r.status !== 0) throw new Error(`status ${r.status} for ${formatCase(cases[i]!)}`);
			});
		}
	}, 60_000);

	it('flags marked as preserved really are preserved by the CPU', () => {
		const cases = generateCases(99, 10_000);
		const flipped = cases.map((c) => ({ ...c, eflags: c.eflags ^ FLAGS_STATUS }));
		const all = [...cases, ...flipped];
		const res = runHarness(all);
		all.forEach((c, i) => {
			const p = c.preservedFlags ?? 0;
			if ((res[i]!.eflags ^ c.eflags) & p) throw new Error(`preserved flags changed: ${formatCase(c)}`);
		});
	}, 60_000);

	it('defined results do not depend on input flags other than CF (except setcc/cmovcc/lahf/sahf)', () => {
		const cases = generateCases(1234, 10_000).filter((c) => !/^(set|cmov|lahf|sahf)/.test(c.description));
		const other = cases.map((c) => ({ ...c, eflags: c.eflags ^ (FLAGS_STATUS & ~FLAG_CF) }));
		const r1 = runHarness(cases);
		const r2 = runHarness(other);
		cases.forEach((c, i) => {
			const computed = c.definedFlags & ~(c.preservedFlags ?? 0);
			const a = { ...r1[i]!, eflags: r1[i]!.eflags & computed };
			const b = { ...r2[i]!, eflags: r2[i]!.eflags & computed };
			const d = diffResults({ ...c, definedFlags: computed }, a, b);
			if (d.length) throw new Error(`${formatCase(c)}\n${d.join('\n')}`);
		});
	}, 60_000);
});
