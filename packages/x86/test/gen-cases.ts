/**
 * Seeded generator of single-instruction DiffCases for the randomized
 * differential test (see harness.ts for the conventions).
 *
 * Every case carries the set of flags the Intel SDM defines after the
 * instruction (`definedFlags`, always including DF and flags that are left
 * unchanged), the flags it guarantees to leave unchanged
 * (`preservedFlags`) and the registers whose value is undefined
 * afterwards (`undefinedRegs`). Operands are chosen so that nothing
 * faults: divisions never divide by zero or overflow, memory operands
 * stay inside the 64-byte scratch area, ESP is never touched.
 *
 * Usage: generateCases(seed, count) or generateCategory(category, seed, count).
 */
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
	REG_EAX,
	REG_ECX,
	REG_EDX,
	REG_ESP,
	SCRATCH_SIZE,
	type DiffCase,
} from './harness.js';

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

/** mulberry32: small, fast, deterministic 32-bit PRNG. Returns uint32 values. */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	};
}

export class Rng {
	private readonly next: () => number;
	constructor(seed: number) {
		this.next = mulberry32(seed);
	}
	u32(): number {
		return this.next();
	}
	/** integer in [0, n) */
	int(n: number): number {
		return Math.floor((this.next() / 4294967296) * n);
	}
	/** integer in [lo, hi] */
	range(lo: number, hi: number): number {
		return lo + this.int(hi - lo + 1);
	}
	bool(p = 0.5): boolean {
		return this.next() / 4294967296 < p;
	}
	pick<T>(items: readonly T[]): T {
		return items[this.int(items.length)]!;
	}
	/** an "interesting" 32-bit value: edge cases with some probability, else uniform */
	value(): number {
		const r = this.int(100);
		if (r < 30) {
			return this.pick([
				0, 1, 2, 0xffffffff, 0x80000000, 0x7fffffff, 0x80, 0x7f, 0xff, 0x100, 0x8000, 0x7fff, 0xffff, 0x10000,
				0xfffffffe, 0x80000001, 0xff80, 0xffffff80, 0xffff8000, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f,
			]) >>> 0;
		}
		if (r < 40) return this.int(64);
		if (r < 45) return (0 - this.range(1, 64)) >>> 0;
		return this.u32();
	}
}

// ---------------------------------------------------------------------------
// encoding helpers
// ---------------------------------------------------------------------------

const ALL = FLAGS_STATUS;
const DF = FLAG_DF;
const NOT_AF = ALL & ~FLAG_AF;

type Width = 8 | 16 | 32;

const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SIZE_NAME: Record<Width, string> = { 8: 'byte', 16: 'word', 32: 'dword' };
const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

function regName(r: number, w: Width): string {
	return (w === 8 ? R8 : w === 16 ? R16 : R32)[r]!;
}
/** full 32-bit register touched by register operand r of width w */
function fullReg(r: number, w: Width): number {
	return w === 8 ? r & 3 : r;
}
function modrm(mod: number, reg: number, rm: number): number {
	return ((mod & 3) << 6) | ((reg & 7) << 3) | (rm & 7);
}
function le(v: number, bytes: number): number[] {
	const out: number[] = [];
	for (let i = 0; i < bytes; i++) out.push((v >>> (8 * i)) & 0xff);
	return out;
}
function hex(v: number): string {
	return `0x${(v >>> 0).toString(16)}`;
}
function signedHex(v: number): string {
	return v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`;
}
function fitsS8(v: number): boolean {
	return v >= -128 && v <= 127;
}
/** v truncated to w bits, as a non-negative number */
function trunc(v: number, w: Width): number {
	return w === 32 ? v >>> 0 : v & ((1 << w) - 1);
}

/** A register or memory r/m operand. `rm` bytes = [modrm placeholder info] */
type RM =
	| { kind: 'reg'; reg: number; width: Width }
	| { kind: 'mem'; mod: number; rm: number; tail: number[]; ea: number; text: string; width: Width };

function encodeRM(regField: number, op: RM): number[] {
	if (op.kind === 'reg') return [modrm(3, regField, op.reg)];
	return [modrm(op.mod, regField, op.rm), ...op.tail];
}
function rmText(op: RM): string {
	return op.kind === 'reg' ? regName(op.reg, op.width) : `${SIZE_NAME[op.width]} ${op.text}`;
}

// ---------------------------------------------------------------------------
// case builder
// ---------------------------------------------------------------------------

class Builder {
	readonly regs = new Int32Array(8);
	readonly mem = new Uint8Array(SCRATCH_SIZE);
	eflags: number;
	memReg = MEM_REG_NONE;
	/** full registers used as data (cannot hold the scratch pointer) */
	private readonly reserved = new Set<number>([REG_ESP]);
	private segPrefix: number | undefined;

	constructor(readonly rng: Rng) {
		for (let i = 0; i < 8; i++) this.regs[i] = rng.value() | 0;
		this.regs[REG_ESP] = 0;
		for (let i = 0; i < SCRATCH_SIZE; i++) this.mem[i] = rng.bool(0.15) ? rng.pick([0, 0xff, 0x80, 0x7f]) : rng.int(256);
		this.eflags = rng.u32() & FLAGS_STATUS;
		if (rng.bool(0.1)) this.eflags |= DF;
	}

	reserve(...fullRegs: number[]): void {
		for (const r of fullRegs) this.reserved.add(r);
	}

	/** random register operand of width w (never ESP for 16/32), reserved as data */
	reg(w: Width, avoid: readonly number[] = []): number {
		for (;;) {
			const r = this.rng.int(8);
			if (w !== 8 && r === REG_ESP) continue;
			if (avoid.includes(fullReg(r, w))) continue;
			this.reserve(fullReg(r, w));
			return r;
		}
	}

	/** candidates for the scratch pointer register */
	private freeRegs(): number[] {
		return [0, 1, 2, 3, 5, 6, 7].filter((r) => !this.reserved.has(r));
	}

	/**
	 * Memory operand of `size` bytes (`width` is the operand width used for
	 * the description), or undefined when no register is free. The access
	 * [ea, ea+size) stays inside the scratch area.
	 */
	memOp(width: Width, size = width / 8, eaOverride?: number): RM | undefined {
		const rng = this.rng;
		const free = this.freeRegs();
		if (free.length === 0) return undefined;
		const base = rng.pick(free);
		this.memReg = base;
		this.reserve(base);
		const ea = eaOverride ?? (rng.bool(0.5) ? rng.int(SCRATCH_SIZE / 4 - Math.ceil(size / 4) + 1) * 4 : rng.int(SCRATCH_SIZE - size + 1));
		let off = rng.bool(0.4) ? ea : rng.range(-32, 96);
		const form = rng.int(6);
		let mod: number;
		let rmField: number;
		let tail: number[] = [];
		let text: string;
		const dispEnc = (disp: number, forceWide: boolean): { mod: number; bytes: number[] } =>
			fitsS8(disp) && !forceWide ? { mod: 1, bytes: le(disp, 1) } : { mod: 2, bytes: le(disp, 4) };
		if (form === 0) {
			// [base]
			off = ea;
			if (base === 5) {
				mod = 1;
				rmField = 5;
				tail = [0];
			} else {
				mod = 0;
				rmField = base;
			}
			text = `[${R32[base]}]`;
		} else if (form <= 2) {
			// [base+disp8] / [base+disp32]
			const disp = ea - off;
			const d = dispEnc(disp, form === 2);
			mod = d.mod;
			rmField = base;
			tail = d.bytes;
			text = `[${R32[base]}${signedHex(disp)}]`;
		} else if (form === 3) {
			// [base+index*scale+disp]
			const idxChoices = [0, 1, 2, 3, 5, 6, 7].filter((r) => !this.reserved.has(r));
			if (idxChoices.length === 0) return this.memOpSimple(base, ea, width);
			const index = rng.pick(idxChoices);
			this.reserve(index);
			const ss = rng.int(4);
			const k = rng.range(-8, 8);
			this.regs[index] = k;
			const disp = ea - off - k * (1 << ss);
			let d = dispEnc(disp, rng.bool(0.3));
			if (disp === 0 && base !== 5 && rng.bool(0.5)) d = { mod: 0, bytes: [] };
			mod = d.mod;
			rmField = 4;
			tail = [(ss << 6) | (index << 3) | base, ...d.bytes];
			text = `[${R32[base]}+${R32[index]}*${1 << ss}${d.mod ? signedHex(disp) : ''}]`;
		} else if (form === 4) {
			// SIB without index: [base+disp] encoded via SIB (index=100)
			const disp = ea - off;
			let d = dispEnc(disp, rng.bool(0.3));
			if (disp === 0 && base !== 5 && rng.bool(0.5)) d = { mod: 0, bytes: [] };
			mod = d.mod;
			rmField = 4;
			tail = [(rng.int(4) << 6) | (4 << 3) | base, ...d.bytes]; // scale ignored when index=none
			text = `[${R32[base]}${d.mod ? signedHex(disp) : ''}] (sib)`;
		} else {
			// SIB without base: [base*1+disp32]
			const disp = ea - off;
			mod = 0;
			rmField = 4;
			tail = [(0 << 6) | (base << 3) | 5, ...le(disp, 4)];
			text = `[${R32[base]}*1${signedHex(disp)}] (sib,nobase)`;
		}
		this.regs[base] = off;
		if (rng.bool(0.08)) this.segPrefix = rng.pick([0x26, 0x36, 0x3e]);
		return { kind: 'mem', mod, rm: rmField, tail, ea, text, width };
	}

	private memOpSimple(base: number, ea: number, width: Width): RM {
		this.regs[base] = ea;
		return base === 5
			? { kind: 'mem', mod: 1, rm: 5, tail: [0], ea, text: `[${R32[base]}]`, width }
			: { kind: 'mem', mod: 0, rm: base, tail: [], ea, text: `[${R32[base]}]`, width };
	}

	/** register or memory operand */
	rm(w: Width, memProb = 0.4, avoid: readonly number[] = []): RM {
		if (this.rng.bool(memProb)) {
			const m = this.memOp(w);
			if (m) return m;
		}
		return { kind: 'reg', reg: this.reg(w, avoid), width: w };
	}

	/** current value of an operand */
	get(op: RM): number {
		if (op.kind === 'reg') return readReg(this.regs, op.reg, op.width);
		let v = 0;
		for (let i = op.width / 8 - 1; i >= 0; i--) v = v * 256 + this.mem[op.ea + i]!;
		return v >>> 0;
	}
	set(op: RM, value: number): void {
		if (op.kind === 'reg') writeReg(this.regs, op.reg, op.width, value);
		else for (let i = 0; i < op.width / 8; i++) this.mem[op.ea + i] = (value >>> (8 * i)) & 0xff;
	}

	prefixBytes(opts: { opsize?: boolean; lock?: boolean } = {}): number[] {
		const p: number[] = [];
		if (opts.lock) p.push(0xf0);
		if (this.segPrefix !== undefined) p.push(this.segPrefix);
		if (opts.opsize) p.push(0x66);
		return p;
	}

	finish(
		code: number[],
		description: string,
		definedFlags: number,
		preservedFlags: number,
		undefinedRegs = 0,
		changesDF = false,
	): DiffCase {
		if (code.length > 15) throw new Error(`instruction too long: ${description}`);
		const seg = this.segPrefix === 0x26 ? 'es:' : this.segPrefix === 0x36 ? 'ss:' : this.segPrefix === 0x3e ? 'ds:' : '';
		return {
			code: Uint8Array.from(code),
			regs: this.regs,
			eflags: this.eflags,
			mem: this.mem,
			memReg: this.memReg,
			definedFlags: (definedFlags & FLAGS_COMPARED) | DF,
			preservedFlags: (preservedFlags & FLAGS_STATUS) | (changesDF ? 0 : DF),
			undefinedRegs,
			description: seg ? `${description} (${seg})` : description,
		};
	}
}

function readReg(regs: Int32Array, r: number, w: Width): number {
	if (w === 32) return regs[r]! >>> 0;
	if (w === 16) return regs[r]! & 0xffff;
	return r < 4 ? regs[r]! & 0xff : (regs[r - 4]! >>> 8) & 0xff;
}
function writeReg(regs: Int32Array, r: number, w: Width, v: number): void {
	if (w === 32) regs[r] = v | 0;
	else if (w === 16) regs[r] = (regs[r]! & ~0xffff) | (v & 0xffff);
	else if (r < 4) regs[r] = (regs[r]! & ~0xff) | (v & 0xff);
	else regs[r - 4] = (regs[r - 4]! & ~0xff00) | ((v & 0xff) << 8);
}

function pickWidth(rng: Rng): Width {
	return rng.pick([8, 16, 32, 32] as const);
}
/** opcode low bit for byte (0) vs word/dword (1) forms */
function wbit(w: Width): number {
	return w === 8 ? 0 : 1;
}
function immBytes(v: number, w: Width): number[] {
	return le(v, w / 8);
}

// ---------------------------------------------------------------------------
// instruction categories
// ---------------------------------------------------------------------------

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];

function genAlu(b: Builder): DiffCase {
	const rng = b.rng;
	const op = rng.int(9);
	const isTest = op === 8;
	const w = pickWidth(rng);
	const name = ALU_NAMES[op]!;
	const defined = op === 1 || op === 4 || op === 6 || isTest ? NOT_AF : ALL;
	const forms = isTest ? ['rr', 'ri', 'mr', 'mi', 'acc'] : ['rr', 'ri', 'rm', 'mr', 'mi', 'acc', 'ri8', 'mi8'];
	let form = rng.pick(forms);
	if (w === 8 && (form === 'ri8' || form === 'mi8')) form = 'ri';
	const writesDest = op !== 7 && !isTest;
	const opsize = w === 16;
	const imm = trunc(rng.value(), w);
	switch (form) {
		case 'rr': {
			const dst = b.reg(w);
			const src = b.reg(w);
			const opc = isTest ? 0x84 + wbit(w) : op * 8 + wbit(w);
			return b.finish([...b.prefixBytes({ opsize }), opc, modrm(3, src, dst)], `${name} ${regName(dst, w)}, ${regName(src, w)}`, defined, 0);
		}
		case 'rm': {
			const dst = b.reg(w);
			const m = b.memOp(w);
			if (!m) return genAlu(b);
			return b.finish(
				[...b.prefixBytes({ opsize }), op * 8 + 2 + wbit(w), ...encodeRM(dst, m)],
				`${name} ${regName(dst, w)}, ${rmText(m)}`,
				defined,
				0,
			);
		}
		case 'mr': {
			const src = b.reg(w);
			const m = b.memOp(w);
			if (!m) return genAlu(b);
			const lock = writesDest && rng.bool(0.2);
			const opc = isTest ? 0x84 + wbit(w) : op * 8 + wbit(w);
			return b.finish(
				[...b.prefixBytes({ opsize, lock }), opc, ...encodeRM(src, m)],
				`${lock ? 'lock ' : ''}${name} ${rmText(m)}, ${regName(src, w)}`,
				defined,
				0,
			);
		}
		case 'ri':
		case 'mi': {
			const dst = form === 'ri' ? { kind: 'reg' as const, reg: b.reg(w), width: w } : b.memOp(w);
			if (!dst) return genAlu(b);
			const lock = dst.kind === 'mem' && writesDest && rng.bool(0.2);
			const bytes = isTest
				? [0xf6 + wbit(w), ...encodeRM(0, dst), ...immBytes(imm, w)]
				: [0x80 + wbit(w), ...encodeRM(op, dst), ...immBytes(imm, w)];
			return b.finish(
				[...b.prefixBytes({ opsize, lock }), ...bytes],
				`${lock ? 'lock ' : ''}${name} ${rmText(dst)}, ${hex(imm)}`,
				defined,
				0,
			);
		}
		case 'ri8':
		case 'mi8': {
			const dst = form === 'ri8' ? { kind: 'reg' as const, reg: b.reg(w), width: w } : b.memOp(w);
			if (!dst) return genAlu(b);
			const lock = dst.kind === 'mem' && writesDest && rng.bool(0.2);
			const i8 = rng.value() & 0xff;
			return b.finish(
				[...b.prefixBytes({ opsize, lock }), 0x83, ...encodeRM(op, dst), i8],
				`${lock ? 'lock ' : ''}${name} ${rmText(dst)}, ${hex(i8)} (imm8 sign-extended)`,
				defined,
				0,
			);
		}
		default: {
			// accumulator, imm
			b.reserve(REG_EAX);
			const opc = isTest ? 0xa8 + wbit(w) : op * 8 + 4 + wbit(w);
			return b.finish([...b.prefixBytes({ opsize }), opc, ...immBytes(imm, w)], `${name} ${regName(0, w)}, ${hex(imm)}`, defined, 0);
		}
	}
}

function genIncDec(b: Builder): DiffCase {
	const rng = b.rng;
	const dec = rng.bool();
	const w = pickWidth(rng);
	const name = dec ? 'dec' : 'inc';
	const opsize = w === 16;
	if (w !== 8 && rng.bool(0.4)) {
		const r = b.reg(w);
		return b.finish([...b.prefixBytes({ opsize }), (dec ? 0x48 : 0x40) + r], `${name} ${regName(r, w)} (short form)`, ALL, FLAG_CF);
	}
	const dst = b.rm(w);
	const lock = dst.kind === 'mem' && rng.bool(0.2);
	return b.finish(
		[...b.prefixBytes({ opsize, lock }), 0xfe + wbit(w), ...encodeRM(dec ? 1 : 0, dst)],
		`${lock ? 'lock ' : ''}${name} ${rmText(dst)}`,
		ALL,
		FLAG_CF,
	);
}

function genNegNot(b: Builder): DiffCase {
	const rng = b.rng;
	const neg = rng.bool();
	const w = pickWidth(rng);
	const dst = b.rm(w);
	if (neg && rng.bool(0.2)) b.set(dst, trunc(rng.pick([0, 0x80, 0x8000, 0x80000000]), w));
	const lock = dst.kind === 'mem' && rng.bool(0.2);
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16, lock }), 0xf6 + wbit(w), ...encodeRM(neg ? 3 : 2, dst)],
		`${lock ? 'lock ' : ''}${neg ? 'neg' : 'not'} ${rmText(dst)}`,
		ALL,
		neg ? 0 : ALL,
	);
}

function genMul(b: Builder): DiffCase {
	const rng = b.rng;
	const w = pickWidth(rng);
	const signed = rng.bool();
	b.reserve(REG_EAX, REG_EDX);
	// any register may be the source, including the accumulator itself
	const src: RM = rng.bool(0.35) ? b.memOp(w) ?? { kind: 'reg', reg: rng.pick([0, 1, 2, 3, 5, 6, 7]), width: w } : { kind: 'reg', reg: w === 8 ? rng.int(8) : rng.pick([0, 1, 2, 3, 5, 6, 7]), width: w };
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16 }), 0xf6 + wbit(w), ...encodeRM(signed ? 5 : 4, src)],
		`${signed ? 'imul' : 'mul'} ${rmText(src)}`,
		FLAG_CF | FLAG_OF,
		0,
	);
}

function genImulMulti(b: Builder): DiffCase {
	const rng = b.rng;
	const w: Width = rng.bool(0.3) ? 16 : 32;
	const form = rng.int(3);
	const dst = b.reg(w);
	const src = b.rm(w, 0.35);
	const opsize = w === 16;
	if (form === 0) {
		return b.finish(
			[...b.prefixBytes({ opsize }), 0x0f, 0xaf, ...encodeRM(dst, src)],
			`imul ${regName(dst, w)}, ${rmText(src)}`,
			FLAG_CF | FLAG_OF,
			0,
		);
	}
	if (form === 1) {
		const i8 = rng.value() & 0xff;
		return b.finish(
			[...b.prefixBytes({ opsize }), 0x6b, ...encodeRM(dst, src), i8],
			`imul ${regName(dst, w)}, ${rmText(src)}, ${hex(i8)} (imm8 sign-extended)`,
			FLAG_CF | FLAG_OF,
			0,
		);
	}
	const imm = trunc(rng.value(), w);
	return b.finish(
		[...b.prefixBytes({ opsize }), 0x69, ...encodeRM(dst, src), ...immBytes(imm, w)],
		`imul ${regName(dst, w)}, ${rmText(src)}, ${hex(imm)}`,
		FLAG_CF | FLAG_OF,
		0,
	);
}

/** Whether DIV/IDIV of the given width neither divides by zero nor overflows. */
export function divisionIsSafe(w: Width, signed: boolean, dividend: bigint, divisor: bigint): boolean {
	if (divisor === 0n) return false;
	const bits = BigInt(w);
	let n = dividend;
	let d = divisor;
	if (signed) {
		n = BigInt.asIntN(2 * w, n);
		d = BigInt.asIntN(w, d);
		const q = n / d; // truncates toward zero, like IDIV
		// exclude the most negative quotient too (some old CPUs fault on it)
		return q > -(1n << (bits - 1n)) && q <= (1n << (bits - 1n)) - 1n;
	}
	return BigInt.asUintN(2 * w, n) / BigInt.asUintN(w, d) <= (1n << bits) - 1n;
}

function dividendOf(regs: Int32Array, w: Width): bigint {
	if (w === 8) return BigInt(regs[REG_EAX]! & 0xffff);
	if (w === 16) return (BigInt(regs[REG_EDX]! & 0xffff) << 16n) | BigInt(regs[REG_EAX]! & 0xffff);
	return (BigInt(regs[REG_EDX]! >>> 0) << 32n) | BigInt(regs[REG_EAX]! >>> 0);
}
function setDividend(regs: Int32Array, w: Width, v: bigint): void {
	if (w === 8) writeReg(regs, REG_EAX, 16, Number(BigInt.asUintN(16, v)));
	else if (w === 16) {
		writeReg(regs, REG_EAX, 16, Number(BigInt.asUintN(16, v)));
		writeReg(regs, REG_EDX, 16, Number(BigInt.asUintN(16, v >> 16n)));
	} else {
		regs[REG_EAX] = Number(BigInt.asIntN(32, v));
		regs[REG_EDX] = Number(BigInt.asIntN(32, v >> 32n));
	}
}

function genDiv(b: Builder): DiffCase {
	const rng = b.rng;
	const w = pickWidth(rng);
	const signed = rng.bool();
	b.reserve(REG_EAX, REG_EDX);
	let src: RM | undefined = rng.bool(0.35) ? b.memOp(w) : undefined;
	if (!src) src = { kind: 'reg', reg: w === 8 ? rng.int(8) : rng.pick([0, 1, 2, 3, 5, 6, 7]), width: w };
	const aliases =
		src.kind === 'reg' && (w === 8 ? src.reg === 0 || src.reg === 4 : src.reg === REG_EAX || src.reg === REG_EDX);
	const W = BigInt(w);
	let ok = false;
	for (let attempt = 0; attempt < 400 && !ok; attempt++) {
		if (!aliases) {
			let d = b.get(src);
			if (d === 0 || (attempt > 0 && rng.bool(0.3))) d = trunc(rng.value(), w) || 1 + rng.int(100);
			b.set(src, d);
			const dBig = BigInt(d);
			if (signed) {
				// dividend = q*d + r with |r| < |d|, q in range
				const ds = BigInt.asIntN(w, dBig);
				const lim = (1n << (W - 1n)) - 1n;
				const qRaw = BigInt(rng.u32()) * BigInt(rng.u32());
				let q = rng.bool(0.5) ? BigInt(rng.range(-200, 200)) : (qRaw % (2n * lim)) - lim;
				if (q > lim) q = lim;
				const absd = ds < 0n ? -ds : ds;
				let r = absd > 1n ? BigInt(rng.u32()) % absd : 0n;
				const n0 = q * ds;
				if (n0 < 0n || (n0 === 0n && rng.bool())) r = -r; // remainder takes the sign of the dividend
				setDividend(b.regs, w, n0 + r);
			} else {
				const hi = BigInt(rng.u32()) % dBig;
				const lo = BigInt(rng.u32()) & ((1n << W) - 1n);
				setDividend(b.regs, w, (hi << W) | lo);
			}
		} else {
			// the divisor is part of the dividend: randomise until safe
			const lo = BigInt(rng.value()) & ((1n << W) - 1n);
			const hiChoices = [0n, BigInt(rng.int(16)), signed && (lo >> (W - 1n)) & 1n ? (1n << W) - 1n : 0n];
			setDividend(b.regs, w, (rng.pick(hiChoices) << W) | lo);
		}
		ok = divisionIsSafe(w, signed, dividendOf(b.regs, w), BigInt(b.get(src)));
	}
	if (!ok) {
		// fall back to a trivially safe case
		src = { kind: 'reg', reg: w === 8 ? 1 : 3, width: w };
		b.set(src, 7);
		setDividend(b.regs, w, 100n);
	}
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16 }), 0xf6 + wbit(w), ...encodeRM(signed ? 7 : 6, src)],
		`${signed ? 'idiv' : 'div'} ${rmText(src)}`,
		0, // all six status flags are undefined after DIV/IDIV
		0,
	);
}

const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', '(sal)', 'sar'];

/** Flags defined / preserved after a shift or rotate (Intel SDM), given the raw count. */
export function shiftFlags(op: number, w: Width, count: number): { defined: number; preserved: number } {
	const masked = count & 31;
	if (masked === 0) return { defined: ALL, preserved: ALL };
	if (op >= 4) {
		// SHL/SHR/SAR: CF = last bit out, OF only for 1-bit shifts, AF undefined
		let defined = FLAG_CF | FLAG_SF | FLAG_ZF | FLAG_PF;
		if (masked === 1) defined |= FLAG_OF;
		if ((op === 4 || op === 5) && masked >= w) defined &= ~FLAG_CF; // CF undefined for SHL/SHR count >= width
		return { defined, preserved: 0 };
	}
	// rotates: SF ZF AF PF untouched; OF defined only for 1-bit rotates
	let preserved = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF;
	if ((op === 2 || op === 3) && w < 32 && masked % (w + 1) === 0) preserved |= FLAG_CF; // RCL/RCR: no rotation
	let defined = preserved | FLAG_CF;
	if (masked === 1) defined |= FLAG_OF;
	return { defined, preserved };
}

function shiftCount(rng: Rng): number {
	const r = rng.int(100);
	if (r < 8) return 0;
	if (r < 20) return 1;
	if (r < 80) return rng.int(32);
	return rng.pick([32, 33, 63, 64, 65, 127, 128, 255, 8, 9, 16, 17, 31]);
}

function genShift(b: Builder): DiffCase {
	const rng = b.rng;
	const op = rng.pick([0, 1, 2, 3, 4, 5, 7]);
	const w = pickWidth(rng);
	const form = rng.int(3); // 0: by 1, 1: by imm8, 2: by cl
	const name = SHIFT_NAMES[op]!;
	let count: number;
	let code: number[];
	let desc: string;
	const opsize = w === 16;
	if (form === 2) {
		b.reserve(REG_ECX);
		count = shiftCount(rng);
		writeReg(b.regs, REG_ECX, 8, count);
		const dst = b.rm(w);
		count = readReg(b.regs, REG_ECX, 8); // dst may be cl itself; count is cl before the shift
		code = [...b.prefixBytes({ opsize }), 0xd2 + wbit(w), ...encodeRM(op, dst)];
		desc = `${name} ${rmText(dst)}, cl (cl=${count})`;
	} else if (form === 1) {
		count = shiftCount(rng);
		const dst = b.rm(w);
		code = [...b.prefixBytes({ opsize }), 0xc0 + wbit(w), ...encodeRM(op, dst), count];
		desc = `${name} ${rmText(dst)}, ${count}`;
	} else {
		count = 1;
		const dst = b.rm(w);
		code = [...b.prefixBytes({ opsize }), 0xd0 + wbit(w), ...encodeRM(op, dst)];
		desc = `${name} ${rmText(dst)}, 1 (short form)`;
	}
	const f = shiftFlags(op, w, count);
	return b.finish(code, desc, f.defined, f.preserved);
}

function genShxd(b: Builder): DiffCase {
	const rng = b.rng;
	const right = rng.bool();
	const w: Width = rng.bool(0.35) ? 16 : 32;
	const byCl = rng.bool();
	let count = shiftCount(rng);
	if (byCl) {
		b.reserve(REG_ECX);
		writeReg(b.regs, REG_ECX, 8, count);
	}
	const src = b.reg(w);
	let dst = b.rm(w, 0.35);
	if (byCl) count = readReg(b.regs, REG_ECX, 8);
	const masked = count & 31;
	let undefinedRegs = 0;
	let defined: number;
	let preserved = 0;
	if (w === 16 && masked > 16) {
		if (dst.kind === 'mem') {
			// result undefined: avoid memory destinations for this case
			dst = { kind: 'reg', reg: b.reg(w), width: w };
		}
		undefinedRegs = 1 << dst.reg;
		defined = 0;
	} else if (masked === 0) {
		defined = ALL;
		preserved = ALL;
	} else {
		defined = FLAG_CF | FLAG_SF | FLAG_ZF | FLAG_PF | (masked === 1 ? FLAG_OF : 0);
	}
	const name = right ? 'shrd' : 'shld';
	const opc = (right ? 0xac : 0xa4) + (byCl ? 1 : 0);
	const code = [...b.prefixBytes({ opsize: w === 16 }), 0x0f, opc, ...encodeRM(src, dst), ...(byCl ? [] : [count])];
	return b.finish(code, `${name} ${rmText(dst)}, ${regName(src, w)}, ${byCl ? `cl (cl=${count})` : count}`, defined, preserved, undefinedRegs);
}

const BT_NAMES = ['bt', 'bts', 'btr', 'btc'];

function genBt(b: Builder): DiffCase {
	const rng = b.rng;
	const op = rng.int(4);
	const w: Width = rng.bool(0.3) ? 16 : 32;
	const name = BT_NAMES[op]!;
	const opsize = w === 16;
	const defined = FLAG_CF | FLAG_ZF; // ZF unaffected, OF SF AF PF undefined
	const form = rng.int(4);
	if (form === 0 || form === 1) {
		// register or memory destination, immediate bit offset (taken modulo the operand size)
		const dst = form === 0 ? { kind: 'reg' as const, reg: b.reg(w), width: w } : b.memOp(w);
		if (!dst) return genBt(b);
		const imm = rng.bool(0.8) ? rng.int(w) : rng.int(256);
		const lock = dst.kind === 'mem' && op !== 0 && rng.bool(0.2);
		return b.finish(
			[...b.prefixBytes({ opsize, lock }), 0x0f, 0xba, ...encodeRM(4 + op, dst), imm],
			`${lock ? 'lock ' : ''}${name} ${rmText(dst)}, ${imm}`,
			defined,
			FLAG_ZF,
		);
	}
	const opc = [0xa3, 0xab, 0xb3, 0xbb][op]!;
	if (form === 2) {
		// register destination, register bit offset (taken modulo the operand size)
		const dst = b.reg(w);
		const off = b.reg(w);
		return b.finish(
			[...b.prefixBytes({ opsize }), 0x0f, opc, modrm(3, off, dst)],
			`${name} ${regName(dst, w)}, ${regName(off, w)}`,
			defined,
			FLAG_ZF,
		);
	}
	// memory bit string with a signed register offset: keep the accessed unit inside the scratch area
	const off = b.reg(w);
	const unit = w / 8;
	const ea = rng.int(SCRATCH_SIZE - 4 + 1);
	const m = b.memOp(w, unit, ea);
	if (!m) return genBt(b);
	const kmin = Math.ceil(-ea / unit);
	const kmax = Math.floor((SCRATCH_SIZE - 4 - ea) / unit);
	const k = rng.range(kmin, kmax);
	const bit = k * w + rng.int(w);
	writeReg(b.regs, off, w, trunc(bit, w));
	const lock = op !== 0 && rng.bool(0.2);
	return b.finish(
		[...b.prefixBytes({ opsize, lock }), 0x0f, opc, ...encodeRM(off, m)],
		`${lock ? 'lock ' : ''}${name} ${rmText(m)}, ${regName(off, w)} (bit offset ${bit})`,
		defined,
		FLAG_ZF,
	);
}

function genBsx(b: Builder): DiffCase {
	const rng = b.rng;
	const reverse = rng.bool();
	const w: Width = rng.bool(0.3) ? 16 : 32;
	const dst = b.reg(w);
	const src = b.rm(w, 0.35);
	if (rng.bool(0.15)) b.set(src, 0);
	else if (b.get(src) === 0) b.set(src, trunc(rng.u32(), w) || 1);
	else if (rng.bool(0.3)) b.set(src, (1 << rng.int(w)) >>> 0);
	const zero = b.get(src) === 0;
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16 }), 0x0f, reverse ? 0xbd : 0xbc, ...encodeRM(dst, src)],
		`${reverse ? 'bsr' : 'bsf'} ${regName(dst, w)}, ${rmText(src)}${zero ? ' (source 0: destination undefined)' : ''}`,
		FLAG_ZF,
		0,
		zero ? 1 << dst : 0,
	);
}

function genSetcc(b: Builder): DiffCase {
	const rng = b.rng;
	const cc = rng.int(16);
	const dst = b.rm(8, 0.3);
	return b.finish([...b.prefixBytes(), 0x0f, 0x90 + cc, ...encodeRM(0, dst)], `set${CC_NAMES[cc]} ${rmText(dst)}`, ALL, ALL);
}

function genCmov(b: Builder): DiffCase {
	const rng = b.rng;
	const cc = rng.int(16);
	const w: Width = rng.bool(0.3) ? 16 : 32;
	const dst = b.reg(w);
	const src = b.rm(w, 0.35);
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16 }), 0x0f, 0x40 + cc, ...encodeRM(dst, src)],
		`cmov${CC_NAMES[cc]} ${regName(dst, w)}, ${rmText(src)}`,
		ALL,
		ALL,
	);
}

function genMovx(b: Builder): DiffCase {
	const rng = b.rng;
	const sign = rng.bool();
	const srcW: Width = rng.bool() ? 8 : 16;
	const dstW: Width = srcW === 8 && rng.bool(0.3) ? 16 : 32;
	const dst = b.reg(dstW);
	const src = b.rm(srcW, 0.4);
	const opc = (sign ? 0xbe : 0xb6) + (srcW === 16 ? 1 : 0);
	return b.finish(
		[...b.prefixBytes({ opsize: dstW === 16 }), 0x0f, opc, ...encodeRM(dst, src)],
		`${sign ? 'movsx' : 'movzx'} ${regName(dst, dstW)}, ${rmText(src)}`,
		ALL,
		ALL,
	);
}

function genXchg(b: Builder): DiffCase {
	const rng = b.rng;
	const w = pickWidth(rng);
	if (w !== 8 && rng.bool(0.3)) {
		const r = rng.pick([0, 1, 2, 3, 5, 6, 7]);
		b.reserve(REG_EAX, r);
		return b.finish([...b.prefixBytes({ opsize: w === 16 }), 0x90 + r], `xchg ${regName(0, w)}, ${regName(r, w)} (short form)`, ALL, ALL);
	}
	const r = b.reg(w);
	const other = b.rm(w, 0.4);
	const lock = other.kind === 'mem' && rng.bool(0.3);
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16, lock }), 0x86 + wbit(w), ...encodeRM(r, other)],
		`${lock ? 'lock ' : ''}xchg ${rmText(other)}, ${regName(r, w)}`,
		ALL,
		ALL,
	);
}

function genXadd(b: Builder): DiffCase {
	const rng = b.rng;
	const w = pickWidth(rng);
	const src = b.reg(w);
	const dst = b.rm(w, 0.4);
	const lock = dst.kind === 'mem' && rng.bool(0.3);
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16, lock }), 0x0f, 0xc0 + wbit(w), ...encodeRM(src, dst)],
		`${lock ? 'lock ' : ''}xadd ${rmText(dst)}, ${regName(src, w)}`,
		ALL,
		0,
	);
}

function genCmpxchg(b: Builder): DiffCase {
	const rng = b.rng;
	const w = pickWidth(rng);
	b.reserve(REG_EAX);
	const src = b.reg(w);
	const dst = b.rm(w, 0.5);
	if (rng.bool(0.5)) writeReg(b.regs, REG_EAX, w, b.get(dst)); // make the comparison succeed
	const lock = dst.kind === 'mem' && rng.bool(0.3);
	return b.finish(
		[...b.prefixBytes({ opsize: w === 16, lock }), 0x0f, 0xb0 + wbit(w), ...encodeRM(src, dst)],
		`${lock ? 'lock ' : ''}cmpxchg ${rmText(dst)}, ${regName(src, w)}`,
		ALL,
		0,
	);
}

function genBswap(b: Builder): DiffCase {
	const r = b.reg(32);
	return b.finish([0x0f, 0xc8 + r], `bswap ${R32[r]}`, ALL, ALL);
}

function genSignExtend(b: Builder): DiffCase {
	const k = b.rng.int(4);
	b.reserve(REG_EAX, REG_EDX);
	const forms: [number[], string][] = [
		[[0x66, 0x98], 'cbw'],
		[[0x98], 'cwde'],
		[[0x66, 0x99], 'cwd'],
		[[0x99], 'cdq'],
	];
	const [code, name] = forms[k]!;
	return b.finish(code, name, ALL, ALL);
}

function genLea16(b: Builder): DiffCase {
	return genLea(b, true);
}

function genLea(b: Builder, addr16 = false): DiffCase {
	const rng = b.rng;
	const w: Width = rng.bool(0.25) ? 16 : 32;
	const dst = b.reg(w);
	const opsize = w === 16;
	if (addr16) {
		// 16-bit addressing (0x67 prefix): [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [bp]/[disp16] [bx]
		const names16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
		const mod = rng.int(3);
		const rmField = rng.int(8);
		let tail: number[] = [];
		let text: string;
		if (mod === 0 && rmField === 6) {
			const d = rng.u32() & 0xffff;
			tail = le(d, 2);
			text = `[${hex(d)}]`;
		} else if (mod === 0) text = `[${names16[rmField]}]`;
		else if (mod === 1) {
			const d = rng.range(-128, 127);
			tail = le(d, 1);
			text = `[${names16[rmField]}${signedHex(d)}]`;
		} else {
			const d = rng.u32() & 0xffff;
			tail = le(d, 2);
			text = `[${names16[rmField]}+${hex(d)}]`;
		}
		return b.finish(
			[...(opsize ? [0x66] : []), 0x67, 0x8d, modrm(mod, dst, rmField), ...tail],
			`lea ${regName(dst, w)}, ${text} (16-bit addressing)`,
			ALL,
			ALL,
		);
	}
	// 32-bit addressing: any form; registers other than ESP may be base/index
	const nonEsp = [0, 1, 2, 3, 5, 6, 7];
	const form = rng.int(5);
	const mod = form === 0 ? 0 : rng.int(3);
	let code: number[];
	let text: string;
	const dispFor = (m: number): { bytes: number[]; v: number } => {
		if (m === 1) {
			const v = rng.range(-128, 127);
			return { bytes: le(v, 1), v };
		}
		if (m === 2) {
			const v = rng.value() | 0;
			return { bytes: le(v, 4), v };
		}
		return { bytes: [], v: 0 };
	};
	if (form === 0) {
		// [disp32]
		const v = rng.value() | 0;
		code = [0x8d, modrm(0, dst, 5), ...le(v, 4)];
		text = `[${hex(v)}]`;
	} else if (form === 1) {
		// [base + disp]
		let base = rng.pick(nonEsp);
		if (mod === 0 && base === 5) base = 3;
		const d = dispFor(mod);
		code = [0x8d, modrm(mod, dst, base), ...d.bytes];
		text = `[${R32[base]}${mod ? signedHex(d.v) : ''}]`;
	} else {
		// SIB forms
		const ss = rng.int(4);
		const index = rng.bool(0.15) ? 4 : rng.pick(nonEsp); // 4 = no index
		let base = rng.pick(nonEsp);
		let m = mod;
		let noBase = false;
		if (form === 4) {
			m = 0;
			noBase = true;
			base = 5;
		} else if (m === 0 && base === 5) base = 6;
		const d = noBase ? { bytes: le(rng.value(), 4), v: 0 } : dispFor(m);
		if (noBase) d.v = (d.bytes[0]! | (d.bytes[1]! << 8) | (d.bytes[2]! << 16) | (d.bytes[3]! << 24)) | 0;
		code = [0x8d, modrm(m, dst, 4), (ss << 6) | (index << 3) | base, ...d.bytes];
		const parts: string[] = [];
		if (!noBase) parts.push(R32[base]!);
		if (index !== 4) parts.push(`${R32[index]}*${1 << ss}`);
		text = `[${parts.join('+')}${noBase || m ? signedHex(d.v) : ''}]${index === 4 ? ' (sib, no index)' : ''}`;
	}
	return b.finish([...(opsize ? [0x66] : []), ...code], `lea ${regName(dst, w)}, ${text}`, ALL, ALL);
}

function genLahfSahf(b: Builder): DiffCase {
	b.reserve(REG_EAX);
	if (b.rng.bool()) return b.finish([0x9f], 'lahf', ALL, ALL);
	return b.finish([0x9e], 'sahf', ALL, FLAG_OF);
}

function genFlagOps(b: Builder): DiffCase {
	const ops: [number, string, number, boolean][] = [
		[0xf8, 'clc', ALL & ~FLAG_CF, false],
		[0xf9, 'stc', ALL & ~FLAG_CF, false],
		[0xf5, 'cmc', ALL & ~FLAG_CF, false],
		[0xfc, 'cld', ALL, true],
		[0xfd, 'std', ALL, true],
	];
	const [opc, name, preserved, changesDF] = b.rng.pick(ops);
	return b.finish([opc], name, ALL, preserved, 0, changesDF);
}

function genMov(b: Builder): DiffCase {
	const rng = b.rng;
	const w = pickWidth(rng);
	const opsize = w === 16;
	const form = rng.int(4);
	if (form === 0) {
		const r = b.reg(w);
		const imm = trunc(rng.value(), w);
		return b.finish([...b.prefixBytes({ opsize }), (w === 8 ? 0xb0 : 0xb8) + r, ...immBytes(imm, w)], `mov ${regName(r, w)}, ${hex(imm)}`, ALL, ALL);
	}
	if (form === 1) {
		const dst = b.rm(w, 0.5);
		const imm = trunc(rng.value(), w);
		return b.finish([...b.prefixBytes({ opsize }), 0xc6 + wbit(w), ...encodeRM(0, dst), ...immBytes(imm, w)], `mov ${rmText(dst)}, ${hex(imm)}`, ALL, ALL);
	}
	const r = b.reg(w);
	const other = b.rm(w, 0.6);
	const toRm = form === 2;
	return b.finish(
		[...b.prefixBytes({ opsize }), (toRm ? 0x88 : 0x8a) + wbit(w), ...encodeRM(r, other)],
		toRm ? `mov ${rmText(other)}, ${regName(r, w)}` : `mov ${regName(r, w)}, ${rmText(other)}`,
		ALL,
		ALL,
	);
}

// ---------------------------------------------------------------------------
// public API
// ---------------------------------------------------------------------------

const GENERATORS = {
	alu: genAlu,
	incdec: genIncDec,
	negnot: genNegNot,
	mul: genMul,
	imul: genImulMulti,
	div: genDiv,
	shift: genShift,
	shxd: genShxd,
	bt: genBt,
	bsf_bsr: genBsx,
	setcc: genSetcc,
	cmovcc: genCmov,
	movx: genMovx,
	xchg: genXchg,
	xadd: genXadd,
	cmpxchg: genCmpxchg,
	bswap: genBswap,
	sign_extend: genSignExtend,
	lea: (b: Builder) => genLea(b),
	lea_addr16: genLea16,
	lahf_sahf: genLahfSahf,
	flag_ops: genFlagOps,
	mov: genMov,
} as const;

export type CaseCategory = keyof typeof GENERATORS;
export const CASE_CATEGORIES = Object.keys(GENERATORS) as CaseCategory[];

/** relative frequency of each category in generateCases */
const WEIGHTS: Record<CaseCategory, number> = {
	alu: 12,
	incdec: 3,
	negnot: 3,
	mul: 4,
	imul: 3,
	div: 5,
	shift: 10,
	shxd: 4,
	bt: 5,
	bsf_bsr: 3,
	setcc: 3,
	cmovcc: 3,
	movx: 3,
	xchg: 2,
	xadd: 2,
	cmpxchg: 3,
	bswap: 1,
	sign_extend: 1,
	lea: 4,
	lea_addr16: 1,
	lahf_sahf: 1,
	flag_ops: 1,
	mov: 2,
};

/** Generates one case of the given category from the PRNG. */
export function generateCase(rng: Rng, category: CaseCategory): DiffCase {
	return GENERATORS[category](new Builder(rng));
}

/** Deterministically generates `count` cases of one category. */
export function generateCategory(category: CaseCategory, seed: number, count: number): DiffCase[] {
	const rng = new Rng(seed);
	return Array.from({ length: count }, () => generateCase(rng, category));
}

export interface GenerateOptions {
	/** categories to leave out of the mix (e.g. ['lea_addr16'] while 0x67 is unsupported) */
	exclude?: readonly CaseCategory[];
}

/** Deterministically generates `count` cases from all categories (weighted mix). */
export function generateCases(seed: number, count: number, opts: GenerateOptions = {}): DiffCase[] {
	const rng = new Rng(seed);
	const cats = CASE_CATEGORIES.filter((c) => !opts.exclude?.includes(c));
	if (cats.length === 0) throw new Error('generateCases: every category excluded');
	const total = cats.reduce((s, c) => s + WEIGHTS[c], 0);
	const out: DiffCase[] = [];
	for (let i = 0; i < count; i++) {
		let r = rng.int(total);
		let cat: CaseCategory = cats[0]!;
		for (const c of cats) {
			r -= WEIGHTS[c];
			if (r < 0) {
				cat = c;
				break;
			}
		}
		out.push(generateCase(rng, cat));
	}
	return out;
}
