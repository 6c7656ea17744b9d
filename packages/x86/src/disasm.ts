// AT&T-syntax disassembler whose text matches GNU objdump's `objdump -d` (binutils 2.40) for
// 32-bit code. It prints what the shared decoder decoded, so a difference from objdump is either
// a formatting bug here or a decoding bug in decoder.ts; the corpus test tells which.
import type { Instr, OpInfo } from './decoder.js';
import { CONDITION_NAMES, OPS, OP_INVALID, OP_X87, Reg, decodeBytes } from './decoder.js';

export interface DisassembleOptions {
  /**
   * Names a branch or call target for the `<sym+0x12>` annotation objdump appends (return the
   * text between the angle brackets). Without a name the target prints as `0x8049000`, as
   * objdump does when it has no symbols.
   */
  readonly symbolize?: (addr: number) => string | undefined;
}

export interface DisassembledLine {
  readonly address: number;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly text: string;
}

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] as const;
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
const SEG_PREFIX = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65] as const;
/** objdump's names for prefixes it prints on their own (not consumed by the instruction). */
const PREFIX_NAME: Readonly<Record<number, string>> = {
  0x26: 'es', 0x2e: 'cs', 0x36: 'ss', 0x3e: 'ds', 0x64: 'fs', 0x65: 'gs',
  0x66: 'data16', 0x67: 'addr16', 0xf0: 'lock', 0xf2: 'repnz', 0xf3: 'repz',
};

function reg(n: number, size: number): string {
  const names = size === 1 ? REG8 : size === 2 ? REG16 : REG32;
  return `%${names[n & 7] as string}`;
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** A displacement as objdump prints one next to a base or index register: signed. */
function signedHex(v: number): string {
  return v < 0 ? `-0x${(-v >>> 0).toString(16)}` : hex(v);
}

function suffix(size: number): string {
  return size === 1 ? 'b' : size === 2 ? 'w' : 'l';
}

/** Operand size implied by an operand spec (the decoder's `size` is that of the first operand). */
function specSize(spec: string, ins: Instr): number {
  const opsize = ins.opsize16 ? 2 : 4;
  switch (spec) {
    case 'AL': case 'CL': return 1;
    case 'eAX': return opsize;
    default: break;
  }
  switch (spec[spec.length - 1]) {
    case 'b': return 1;
    case 'w': return 2;
    case 'd': return 4;
    default: return opsize;
  }
}

/** Whether a SIB byte was present; the decoder keeps only its fields, so infer it from offsets. */
function hasSib(ins: Instr): boolean {
  if (ins.base === Reg.ESP || ins.scale !== 0 || ins.index >= 0) return true;
  if (ins.dispOffset >= 0) return ins.dispOffset - ins.modrmOffset === 2;
  const end = ins.immOffset >= 0 ? ins.immOffset : ins.len;
  return end - ins.modrmOffset === 2;
}

/** The ModRM memory operand, without the segment override. */
function memory(ins: Instr): string {
  const sib = hasSib(ins);
  const base = ins.base;
  if (base < 0 && !sib) return hex(ins.disp);
  const showEiz = sib && ins.index < 0 && (base < 0 || base !== Reg.ESP || ins.scale !== 0);
  const printDisp = ins.mod !== 0 || base < 0;
  let text = printDisp ? signedHex(ins.disp) : '';
  text += `(${base >= 0 ? reg(base, 4) : ''}`;
  if (ins.index >= 0) text += `,${reg(ins.index, 4)},${1 << ins.scale}`;
  else if (showEiz) text += `,%eiz,${1 << ins.scale}`;
  return `${text})`;
}

/** What rendering needs to know about one instruction besides the Instr itself. */
interface Ctx {
  readonly ins: Instr;
  readonly info: OpInfo;
  readonly symbolize: ((addr: number) => string | undefined) | undefined;
  /** The segment override was printed as part of an operand. */
  segUsed: boolean;
  /** A DS prefix on an indirect call or jump is CET's `notrack`, not an override. */
  readonly notrack: boolean;
}

function segPrefix(c: Ctx): string {
  if (c.ins.seg < 0 || c.notrack) return '';
  c.segUsed = true;
  return `%${SEGS[c.ins.seg] as string}:`;
}

function target(c: Ctx, addr: number): string {
  const a = addr >>> 0;
  const name = c.symbolize?.(a);
  return name === undefined ? hex(a) : `${a.toString(16)} <${name}>`;
}

function operand(c: Ctx, spec: string): string {
  const ins = c.ins;
  const size = specSize(spec, ins);
  switch (spec) {
    case 'AL': return '%al';
    case 'CL': return '%cl';
    case 'eAX': return reg(Reg.EAX, size);
    case 'DX': return '(%dx)';
    case '1': return '';
    case 'Ib': return `$${hex(ins.imm & 0xff)}`;
    case 'Ibs': case 'Iz': case 'Iv': {
      const opsize = ins.opsize16 ? 2 : 4;
      return `$${hex(opsize === 2 ? ins.imm & 0xffff : ins.imm)}`;
    }
    case 'Iw': return `$${hex(ins.imm & 0xffff)}`;
    // objdump ignores 0x66 on rel8 branches (it prints `data16`), so it does not wrap the target.
    case 'Jb': return target(c, ins.opsize16 ? ins.eip + ins.len + ins.imm : ins.target);
    case 'Jz': return target(c, ins.target);
    case 'Ob': case 'Ov': return segPrefix(c) + hex(ins.disp);
    case 'Xb': case 'Xv': {
      const seg = ins.seg >= 0 ? segPrefix(c) : '%ds:';
      return `${seg}(%esi)`;
    }
    case 'Yb': case 'Yv': return '%es:(%edi)';
    case 'Sw': return `%${SEGS[ins.reg] ?? '?'}`;
    case 'Cd': return `%cr${ins.reg}`;
    case 'Rd': return reg(ins.rm, 4);
    default: break;
  }
  switch (spec[0]) {
    case 'Z': return reg(ins.reg, size);
    case 'G': return reg(ins.reg, size);
    case 'E': case 'M':
      // A segment register moves to or from a full-width general register.
      if (ins.rm >= 0) return reg(ins.rm, c.info.operands.includes('Sw') ? (ins.opsize16 ? 2 : 4) : size);
      return segPrefix(c) + memory(ins);
    default:
      return `?${spec}`;
  }
}

/** Operation names whose AT&T spelling is fixed (no size suffix, no operand-size variants). */
const RENAME: Readonly<Record<string, string>> = { cwde: 'cwtl', cdq: 'cltd', cbw: 'cbtw', cwd: 'cwtd' };

/** Operations that honour (and so consume) the 0x66 prefix even without a v/z operand. */
const OPSIZE_NAMES = new Set(['pusha', 'popa', 'pushf', 'popf', 'iret', 'ret', 'enter', 'leave', 'cwde', 'cdq', 'cbw', 'cwd']);
/** Spellings with `w` appended under 0x66. */
const W_WHEN_16 = new Set(['pusha', 'popa', 'pushf', 'popf', 'iret', 'ret', 'enter', 'leave']);

function isRegisterSpec(spec: string, ins: Instr): boolean {
  if (spec === 'AL' || spec === 'eAX') return true;
  if (spec === 'CL' || spec === 'DX') return false; // shift counts and ports do not fix the size
  switch (spec[0]) {
    case 'G': case 'Z': case 'S': case 'C': case 'R': return true;
    case 'E': return ins.rm >= 0;
    default: return false;
  }
}

function usesOpsize(info: OpInfo): boolean {
  if (OPSIZE_NAMES.has(info.name)) return true;
  for (const s of info.operands) {
    if (s === 'eAX' || s === 'Iz' || s === 'Iv' || s === 'Jz' || s === 'Ibs') return true;
    const last = s[s.length - 1];
    if ((last === 'v' || last === 'z') && s !== 'Sw') return true;
  }
  return false;
}

/**
 * The prefix bytes of `ins` as far as the Instr records them (one of each kind). objdump prints
 * the ones an instruction does not consume in byte order; that order is lost in an Instr, so this
 * takes gas's order: segment, data16, rep/repnz, lock.
 */
function prefixesOf(ins: Instr): number[] {
  const p: number[] = [];
  if (ins.seg >= 0) p.push(SEG_PREFIX[ins.seg] as number);
  if (ins.opsize16) p.push(0x66);
  if (ins.rep) p.push(ins.rep);
  if (ins.lock) p.push(0xf0);
  return p;
}

/** Number of prefix bytes before the opcode, from the decoder's offsets. */
function prefixCount(ins: Instr): number {
  let end = ins.len;
  if (ins.modrmOffset >= 0) end = ins.modrmOffset;
  else if (ins.immOffset >= 0) end = ins.immOffset;
  else if (ins.dispOffset >= 0) end = ins.dispOffset;
  return Math.max(0, end - (ins.opcode >= 0x100 ? 2 : 1));
}

const PREFETCH_0D = ['prefetch', 'prefetchw', 'prefetchwt1'] as const;
const PREFETCH_18 = ['prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2'] as const;
/** Conditional branches, on which CS/DS overrides are static prediction hints. */
const HINTED = new Set(['jcc', 'loop', 'loope', 'loopne', 'jecxz']);
const STRING_REP = new Set(['movs', 'stos', 'lods', 'ins', 'outs']);
const STRING_REPZ = new Set(['cmps', 'scas']);
const BRANCHES = new Set(['jcc', 'jmp', 'call', 'ret']);

/** Operations a lock prefix is valid on (with a memory destination); they take xacquire/xrelease. */
const LOCKABLE = new Set(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'inc', 'dec', 'not', 'neg', 'xchg', 'xadd', 'cmpxchg', 'cmpxchg8b', 'bts', 'btr', 'btc']);

function lastIndex(prefixes: readonly number[], pred: (p: number) => boolean): number {
  for (let i = prefixes.length - 1; i >= 0; i--) if (pred(prefixes[i] as number)) return i;
  return -1;
}

/**
 * Names of the prefixes the instruction does not consume, in byte order, as objdump prints them
 * before the mnemonic; branch hints (`,pt`/`,pn`) go after it instead.
 */
function unusedPrefixes(c: Ctx, prefixes: readonly number[], used66: boolean, usedRep: boolean, mem: boolean): { names: string[]; hints: string[] } {
  const { ins, info } = c;
  const name = info.name;
  const consumed = new Set<number>();
  if (used66) consumed.add(lastIndex(prefixes, (p) => p === 0x66));
  if (c.segUsed) consumed.add(lastIndex(prefixes, (p) => SEG_PREFIX.includes(p as never)));
  if (usedRep) consumed.add(lastIndex(prefixes, (p) => p === 0xf3 || p === 0xf2));
  const names: string[] = [];
  const hints: string[] = [];
  // HLE hints need a lockable operation writing memory: locked, or xchg (always locked).
  const memDest = mem && (info.operands[0]?.[0] === 'E' || info.operands[0]?.[0] === 'M');
  const hle = memDest && LOCKABLE.has(name) && (ins.lock || name === 'xchg');
  const release = memDest && name === 'mov' && info.operands[1] !== 'Sw';
  const lastRep = lastIndex(prefixes, (p) => p === 0xf3 || p === 0xf2);
  const repName = (p: number): string | undefined => {
    if (STRING_REP.has(name)) return p === 0xf3 ? 'rep' : 'repnz';
    if (STRING_REPZ.has(name)) return p === 0xf3 ? 'repz' : 'repnz';
    if (p === 0xf2 && BRANCHES.has(name)) return 'bnd';
    if (hle) return p === 0xf2 ? 'xacquire' : 'xrelease';
    if (release && p === 0xf3) return 'xrelease';
    return undefined;
  };
  prefixes.forEach((p, i) => {
    if (consumed.has(i)) return;
    if (HINTED.has(name) && (p === 0x2e || p === 0x3e)) {
      hints.push(p === 0x2e ? ',pn' : ',pt');
      return;
    }
    const special = i === lastRep ? repName(p) : p === 0x3e && c.notrack ? 'notrack' : undefined;
    names.push(special ?? PREFIX_NAME[p] ?? hex(p));
  });
  return { names, hints };
}

function render(ins: Instr, prefixes: readonly number[], opts: DisassembleOptions | undefined): string {
  const info = OPS[ins.op] as OpInfo;
  if (info === OP_INVALID) return '(bad)';
  if (info === OP_X87) return '(x87)';
  const notrack = ins.seg === 3 && (info.name === 'call' || info.name === 'jmp') && info.operands[0] === 'Ev'
    && prefixes.filter((p) => SEG_PREFIX.includes(p as never)).length === 1;
  const c: Ctx = { ins, info, symbolize: opts?.symbolize, segUsed: false, notrack };
  const name = info.name;
  const specs = info.operands;
  const mem = specs.some((s) => (s[0] === 'E' || s[0] === 'M') && ins.rm < 0);
  const hasReg = specs.some((s) => isRegisterSpec(s, ins));
  let used66 = usesOpsize(info);
  let usedRep = false;
  let mnemonic = name;
  let ops: string[] = specs.map((s) => operand(c, s)).filter((s) => s !== '');
  let reverse = true;
  const size = ins.size;
  if (specs.includes('Sw')) used66 = ins.rm >= 0;
  switch (name) {
    case 'jcc': mnemonic = `j${CONDITION_NAMES[ins.cc] as string}`; break;
    case 'setcc': mnemonic = `set${CONDITION_NAMES[ins.cc] as string}`; break;
    case 'cmovcc': mnemonic = `cmov${CONDITION_NAMES[ins.cc] as string}`; break;
    case 'movzx': case 'movsx':
      mnemonic = `mov${name[3] as string}${suffix(specSize(specs[1] as string, ins))}${suffix(size)}`;
      break;
    case 'movs': case 'cmps': case 'ins': case 'outs':
      mnemonic = name + suffix(size);
      break;
    case 'xlat':
      ops = [`${ins.seg >= 0 ? segPrefix(c) : '%ds:'}(%ebx)`];
      break;
    case 'push': case 'pop': case 'call': case 'jmp':
      if (ins.opsize16 && !hasReg && specs[0] !== 'Jb') mnemonic += 'w';
      if (specs[0] === 'Ev' && name !== 'push' && name !== 'pop') ops = [`*${ops[0] as string}`];
      break;
    case 'lgdt': case 'lidt': case 'sgdt': case 'sidt':
      mnemonic += ins.opsize16 ? 'w' : 'l';
      used66 = true;
      break;
    case 'enter':
      if (ins.opsize16) mnemonic += 'w';
      ops = [`$${hex(ins.imm & 0xffff)}`, `$${hex(ins.imm2 & 0xff)}`];
      reverse = false;
      break;
    case 'nop': {
      // The decoder runs the hint space 0F 0D / 0F 18-1F as nops; objdump names the prefetches.
      const hint = ins.opcode === 0x10d ? (PREFETCH_0D[ins.reg] ?? 'prefetch')
        : ins.opcode === 0x118 ? PREFETCH_18[ins.reg]
          : ins.opcode === 0x11c && ins.reg === 0 && mem && ins.rep === 0 && !ins.opsize16 ? 'cldemote' : undefined;
      if (hint !== undefined) { mnemonic = hint; used66 = false; break; }
      if (specs.length === 0 && ins.opsize16) { mnemonic = 'xchg'; ops = ['%ax', '%ax']; used66 = true; break; }
      if (specs.length > 0 && mem) mnemonic += suffix(ins.opsize16 ? 2 : 4);
      // 0F 1C and 0F 1E select by the last of 66/F2/F3 in objdump's tables: with a rep prefix
      // there, the 66 is left over (but still sizes the operand).
      if (specs.length > 0) used66 = !((ins.opcode === 0x11c && ins.rep !== 0) || (ins.opcode === 0x11e && ins.rep === 0xf3));
      break;
    }
    case 'bswap':
      if (ins.opsize16) ops = [reg(ins.reg, 2)];
      used66 = true;
      break;
    default:
      if (RENAME[name] !== undefined) mnemonic = RENAME[name];
      else if (W_WHEN_16.has(name) && ins.opsize16) mnemonic += 'w';
      else if (mem && !hasReg && name !== 'invlpg' && name !== 'cmpxchg8b') mnemonic += suffix(size);
      break;
  }
  if (ins.rep === 0xf3) {
    if (name === 'bsf') { mnemonic = 'tzcnt'; usedRep = true; }
    if (name === 'bsr') { mnemonic = 'lzcnt'; usedRep = true; }
    if (ins.opcode === 0x11e && (ins.rm === 3 || ins.rm === 2) && ins.reg === 7) {
      mnemonic = ins.rm === 3 ? 'endbr32' : 'endbr64';
      ops = [];
      usedRep = true;
      used66 = false;
    }
    if (ins.opcode === 0x11e && ins.rm >= 0 && ins.reg === 1) { mnemonic = 'rdsspd'; ops = [reg(ins.rm, 4)]; usedRep = true; used66 = false; }
  }
  if (name === 'pause') usedRep = true;
  if (name === 'wbinvd' && ins.rep === 0xf3) { mnemonic = 'wbnoinvd'; usedRep = true; }
  const pre = unusedPrefixes(c, prefixes, used66, usedRep, mem);
  for (const p of pre.hints) mnemonic += p;
  const head = [...pre.names, mnemonic].join(' ');
  if (reverse) ops.reverse();
  if (ops.length === 0) return head;
  return `${head.padEnd(6)} ${ops.join(',')}`;
}

/**
 * One instruction in objdump's AT&T syntax, e.g. `mov    %eax,0x4(%esp)`. An Instr records one
 * prefix of each kind, not their order or repeats: unconsumed prefixes print in gas's order
 * (segment, data16, rep, lock), and a repeated prefix is taken for 0x66 when the instruction has
 * one (gcc's `data16 cs nopw` padding) or else for 0x67. `disassembleBytes` reads the real bytes.
 */
export function disassemble(ins: Instr, opts?: DisassembleOptions): string {
  const kinds = prefixesOf(ins);
  const extra = prefixCount(ins) - kinds.length;
  const prefixes = extra > 0 ? [...new Array<number>(extra).fill(ins.opsize16 ? 0x66 : 0x67), ...kinds] : kinds;
  return render(ins, prefixes, opts);
}

/**
 * Length of an x87 instruction (D8-DF with ModRM; 9B alone), which the decoder leaves undecoded.
 * Computed here so a sweep stays in step whatever length the decoder gives OP_X87.
 */
function x87Length(bytes: Uint8Array, at: number, opcodeAt: number): number {
  const b = bytes[opcodeAt] ?? 0;
  if (b < 0xd8 || b > 0xdf) return opcodeAt + 1 - at;
  const modrm = bytes[opcodeAt + 1] ?? 0;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  let n = opcodeAt + 2 - at;
  if (mod === 3) return n;
  if (rm === 4) {
    const base = (bytes[opcodeAt + 2] ?? 0) & 7;
    n += 1;
    if (mod === 0 && base === 5) n += 4;
  } else if (mod === 0 && rm === 5) {
    n += 4;
  }
  return n + (mod === 1 ? 1 : mod === 2 ? 4 : 0);
}

/** Linear sweep over `bytes` loaded at `address`: one line per instruction. */
export function disassembleBytes(bytes: Uint8Array, address: number, opts?: DisassembleOptions): DisassembledLine[] {
  const lines: DisassembledLine[] = [];
  let at = 0;
  while (at < bytes.length) {
    const ins = decodeBytes(bytes, at, (address + at) | 0);
    const x87 = OPS[ins.op] === OP_X87;
    let length = x87 ? x87Length(bytes, at, at + prefixCount(ins)) : ins.len;
    let text: string;
    if (length > bytes.length - at) {
      // Cut off by the end of the buffer (the decoder read zeros past it).
      length = bytes.length - at;
      text = '(bad)';
    } else if (x87) {
      text = '(x87)';
    } else {
      text = render(ins, Array.from(bytes.subarray(at, at + prefixCount(ins))), opts);
    }
    length = Math.max(1, length);
    lines.push({ address: (address + at) >>> 0, length, bytes: bytes.slice(at, at + length), text });
    at += length;
  }
  return lines;
}
