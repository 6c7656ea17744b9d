/**
 * Native single-instruction harness for the randomized differential test.
 *
 * A DiffCase describes one instruction (raw bytes), the initial general
 * registers, the initial arithmetic flags and a 64-byte scratch memory
 * area. `runHarness` executes a batch of cases on the real CPU (one process
 * for the whole batch) and returns the resulting registers, flags and
 * scratch memory. The emulator side runs the same cases and compares with
 * `diffResults`, honouring `definedFlags` and `undefinedRegs`.
 *
 * Conventions (shared by the native harness and the emulator side):
 *  - Register arrays are in encoding order EAX ECX EDX EBX ESP EBP ESI EDI.
 *  - ESP is never used by a case's instruction (no push/pop/call/enter, no
 *    [esp] addressing); regs[4] is ignored on input and is 0 in results.
 *  - The scratch area is 64 bytes. `memReg` (0..7 except 4, or -1 for none)
 *    names the register that points into it: regs[memReg] holds an OFFSET
 *    relative to the start of the scratch area. Native: the register is
 *    loaded with nativeScratchBase + offset. Emulator: put the scratch area
 *    at EMU_SCRATCH_ADDR and load EMU_SCRATCH_ADDR + offset. In results,
 *    regs[memReg] is again reported relative to the scratch base (the
 *    generator never lets an instruction modify or compute with memReg
 *    other than as an address).
 *  - Flags: only CF PF AF ZF SF OF and DF are set on input and compared
 *    on output (FLAGS_COMPARED = 0x0CD5). `definedFlags` is the subset whose
 *    value after the instruction is architecturally defined (including
 *    flags the instruction leaves unchanged; DF is always included).
 *  - `undefinedRegs` is a bitmask (bit i = register i) of registers whose
 *    value after the instruction is architecturally undefined.
 *  - Instructions never fault and always fall through to the next byte.
 *
 * The binary protocol spoken with the native process is documented in
 * native-harness/harness.c.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BUILD_DIR, CC, FREESTANDING_FLAGS, PACKAGE_DIR, checkCompilerAvailable } from './corpus.js';

export const FLAG_CF = 0x001;
export const FLAG_PF = 0x004;
export const FLAG_AF = 0x010;
export const FLAG_ZF = 0x040;
export const FLAG_SF = 0x080;
export const FLAG_DF = 0x400;
export const FLAG_OF = 0x800;
/** the six arithmetic status flags */
export const FLAGS_STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
/** flags that cases set on input and results report (status flags + DF) */
export const FLAGS_COMPARED = FLAGS_STATUS | FLAG_DF;

export const REG_EAX = 0;
export const REG_ECX = 1;
export const REG_EDX = 2;
export const REG_EBX = 3;
export const REG_ESP = 4;
export const REG_EBP = 5;
export const REG_ESI = 6;
export const REG_EDI = 7;
export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
/** memReg value meaning "no register points at the scratch area" */
export const MEM_REG_NONE = -1;

export const SCRATCH_SIZE = 64;
export const MAX_CODE_LENGTH = 15;
/** Suggested emulator layout (paging off, physical = linear). */
export const EMU_CODE_ADDR = 0x1000;
export const EMU_SCRATCH_ADDR = 0x8000;

export interface DiffCase {
	/** instruction bytes (1..15) */
	code: Uint8Array;
	/** 8 entries, EAX ECX EDX EBX ESP EBP ESI EDI; ESP ignored; regs[memReg] is an offset into the scratch area */
	regs: Int32Array;
	/** initial EFLAGS, only bits in FLAGS_COMPARED */
	eflags: number;
	/** initial scratch memory, 64 bytes */
	mem: Uint8Array;
	/** register holding the scratch pointer, or MEM_REG_NONE (-1) */
	memReg: number;
	/** flags (within FLAGS_COMPARED) whose value after the instruction is architecturally defined */
	definedFlags: number;
	/** bitmask of registers (bit i = regs[i]) whose value afterwards is undefined */
	undefinedRegs: number;
	/** human-readable description, e.g. "add ecx, dword [ebx+0x10]" */
	description: string;
	/** optional: flags the instruction architecturally leaves unchanged (subset of definedFlags) */
	preservedFlags?: number;
}

export interface DiffResult {
	/** 8 entries, ESP entry is 0; regs[memReg] relative to the scratch base */
	regs: Int32Array;
	/** EFLAGS & FLAGS_COMPARED */
	eflags: number;
	/** scratch memory after the instruction, 64 bytes */
	mem: Uint8Array;
	/** native harness status: 0 ok; bit 0 ESP changed; bit 1 guard zone around the scratch area modified */
	status: number;
}

const HARNESS_DIR = join(PACKAGE_DIR, 'test', 'native-harness');
const HARNESS_SOURCES = ['harness.c', 'harness.S'];
const HARNESS_FLAGS: readonly string[] = [
	...FREESTANDING_FLAGS,
	'-O2',
	'-fno-tree-loop-distribute-patterns',
	'-Wall',
	'-Wextra',
];
const MAGIC = 0x31464458; // "XDF1"
const IN_SIZE = 128;
const OUT_SIZE = 104;

let harnessPath: string | undefined;

/**
 * Builds (or reuses) the native harness executable in corpus/.build/ and
 * returns its path. Cached on a hash of the sources, flags and compiler.
 */
export function buildHarness(): string {
	if (harnessPath && existsSync(harnessPath)) return harnessPath;
	checkCompilerAvailable();
	mkdirSync(BUILD_DIR, { recursive: true });
	const version = spawnSync(CC, ['--version'], { encoding: 'utf8' }).stdout ?? '';
	const h = createHash('sha256');
	h.update(version.split('\n')[0] ?? '');
	h.update(HARNESS_FLAGS.join(' '));
	for (const f of HARNESS_SOURCES) h.update(readFileSync(join(HARNESS_DIR, f)));
	const key = h.digest('hex');
	const out = join(BUILD_DIR, 'native-harness');
	const keyFile = `${out}.key`;
	if (!(existsSync(out) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key)) {
		const tmp = `${out}.tmp-${process.pid}`;
		const r = spawnSync(CC, [...HARNESS_FLAGS, ...HARNESS_SOURCES.map((f) => join(HARNESS_DIR, f)), '-o', tmp], {
			encoding: 'utf8',
		});
		if (r.error || r.status !== 0) {
			rmSync(tmp, { force: true });
			throw new Error(`building the native harness failed:\n${r.error?.message ?? r.stderr}`);
		}
		renameSync(tmp, out);
		writeFileSync(keyFile, key);
	}
	harnessPath = out;
	return out;
}

/** Serialises cases into the harness input format (see harness.c). */
export function encodeCases(cases: readonly DiffCase[]): Buffer {
	const buf = Buffer.alloc(8 + cases.length * IN_SIZE);
	buf.writeUInt32LE(MAGIC, 0);
	buf.writeUInt32LE(cases.length, 4);
	cases.forEach((c, i) => {
		const o = 8 + i * IN_SIZE;
		if (c.code.length < 1 || c.code.length > MAX_CODE_LENGTH) throw new Error(`case ${i}: bad code length ${c.code.length}`);
		if (c.regs.length !== 8) throw new Error(`case ${i}: regs must have 8 entries`);
		if (c.mem.length !== SCRATCH_SIZE) throw new Error(`case ${i}: mem must have ${SCRATCH_SIZE} bytes`);
		if (c.memReg !== MEM_REG_NONE && (c.memReg < 0 || c.memReg > 7 || c.memReg === REG_ESP))
			throw new Error(`case ${i}: bad memReg ${c.memReg}`);
		buf[o] = c.code.length;
		buf[o + 1] = c.memReg === MEM_REG_NONE ? 0xff : c.memReg;
		buf.set(c.code, o + 4);
		for (let r = 0; r < 8; r++) buf.writeInt32LE(c.regs[r]!, o + 20 + 4 * r);
		buf.writeUInt32LE((c.eflags & FLAGS_COMPARED) >>> 0, o + 52);
		buf.set(c.mem, o + 56);
	});
	return buf;
}

/** Parses the harness output (104 bytes per case). */
export function decodeResults(out: Buffer, count: number): DiffResult[] {
	if (out.length !== count * OUT_SIZE) throw new Error(`harness output has ${out.length} bytes, expected ${count * OUT_SIZE}`);
	const results: DiffResult[] = [];
	for (let i = 0; i < count; i++) {
		const o = i * OUT_SIZE;
		const regs = new Int32Array(8);
		for (let r = 0; r < 8; r++) regs[r] = out.readInt32LE(o + 4 * r);
		results.push({
			regs,
			eflags: out.readUInt32LE(o + 32),
			mem: new Uint8Array(out.subarray(o + 36, o + 100)),
			status: out.readUInt32LE(o + 100),
		});
	}
	return results;
}

/**
 * Executes all cases natively in one harness process and returns one
 * result per case, in order. Throws if the harness fails (e.g. a case
 * faulted: the message names the case index and signal).
 */
export function runHarness(cases: readonly DiffCase[]): DiffResult[] {
	if (cases.length === 0) return [];
	const exe = buildHarness();
	const r = spawnSync(exe, [], {
		input: encodeCases(cases),
		maxBuffer: cases.length * OUT_SIZE + (1 << 20),
		timeout: 60_000,
	});
	if (r.error) throw new Error(`native harness failed to run: ${r.error.message}`);
	if (r.status !== 0) {
		const msg = r.stderr.toString().trim();
		const m = /case (\d+) raised signal (\d+)/.exec(msg);
		const extra = m ? `\n  case ${m[1]}: ${cases[Number(m[1])]?.description ?? '?'}` : '';
		throw new Error(`native harness exited with status ${r.status ?? r.signal}: ${msg}${extra}`);
	}
	return decodeResults(r.stdout, cases.length);
}

const hex32 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

function flagNames(mask: number): string {
	const names: [number, string][] = [
		[FLAG_OF, 'OF'],
		[FLAG_DF, 'DF'],
		[FLAG_SF, 'SF'],
		[FLAG_ZF, 'ZF'],
		[FLAG_AF, 'AF'],
		[FLAG_PF, 'PF'],
		[FLAG_CF, 'CF'],
	];
	return names
		.filter(([b]) => mask & b)
		.map(([, n]) => n)
		.join(',');
}

/**
 * Compares an actual result (e.g. from the emulator) with the expected
 * (native) one, ignoring ESP, undefined registers and undefined flags.
 * Returns a list of human-readable mismatches (empty if equal).
 */
export function diffResults(c: DiffCase, expected: DiffResult, actual: DiffResult): string[] {
	const problems: string[] = [];
	for (let r = 0; r < 8; r++) {
		if (r === REG_ESP || c.undefinedRegs & (1 << r)) continue;
		if (expected.regs[r] !== actual.regs[r])
			problems.push(`${REG_NAMES[r]}: expected ${hex32(expected.regs[r]!)} got ${hex32(actual.regs[r]!)}`);
	}
	const mask = c.definedFlags & FLAGS_COMPARED;
	const bad = (expected.eflags ^ actual.eflags) & mask;
	if (bad)
		problems.push(
			`flags ${flagNames(bad)}: expected ${hex32(expected.eflags & mask)} got ${hex32(actual.eflags & mask)} (compared ${flagNames(mask)})`,
		);
	for (let i = 0; i < SCRATCH_SIZE; i++) {
		if (expected.mem[i] !== actual.mem[i]) {
			problems.push(`mem[${i}]: expected ${expected.mem[i]!.toString(16)} got ${actual.mem[i]!.toString(16)}`);
			if (problems.length > 12) break;
		}
	}
	return problems;
}

/** Formats a case for failure messages. */
export function formatCase(c: DiffCase): string {
	const bytes = Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join(' ');
	const regs = Array.from(c.regs, (v, i) => `${REG_NAMES[i]}=${hex32(v)}`).join(' ');
	const memReg = c.memReg === MEM_REG_NONE ? 'none' : REG_NAMES[c.memReg];
	return `${c.description}  [${bytes}]\n  ${regs} eflags=${hex32(c.eflags)} memReg=${memReg} defined=${flagNames(c.definedFlags)}`;
}
