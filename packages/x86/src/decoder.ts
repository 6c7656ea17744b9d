// The one IA-32 decoder. It turns bytes into an `Instr`: the decoded form shared by the
// interpreter (which attaches an exec function and a cycle cost), the disassembler and the
// fault injector. Decoding is table-driven: each opcode names an operation and an operand
// specification in the Intel manual's notation (Eb, Gv, Iz, Jb, ...), so the same table tells
// the decoder what to read and the disassembler what to print.

/** Register numbers in ModRM order. */
export const Reg = { EAX: 0, ECX: 1, EDX: 2, EBX: 3, ESP: 4, EBP: 5, ESI: 6, EDI: 7 } as const;

/** Segment register numbers in the order of the sreg field (and of override prefixes). */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;

/** What an operation is, for the cycle model and the fault injector. */
export type OpClass =
  | 'alu' | 'mov' | 'lea' | 'mul' | 'div' | 'shift' | 'bit' | 'branch' | 'call' | 'ret' | 'stack'
  | 'string' | 'io' | 'system' | 'nop' | 'flag' | 'xchg' | 'cmov' | 'setcc' | 'misc' | 'hostcall' | 'invalid';

export interface OpInfo {
  /** Index in OPS; stable within a build. */
  readonly id: number;
  /** Base mnemonic (Intel, lower case): 'add', 'jcc', 'movzx', ... */
  readonly name: string;
  /** Operand specification, comma-separated, Intel order (destination first). */
  readonly operands: readonly string[];
  readonly klass: OpClass;
}

export const OPS: OpInfo[] = [];
const OP_BY_NAME = new Map<string, number>();

function op(name: string, operands: string, klass: OpClass): OpInfo {
  const key = `${name}|${operands}`;
  const known = OP_BY_NAME.get(key);
  if (known !== undefined) return OPS[known] as OpInfo;
  const info: OpInfo = { id: OPS.length, name, operands: operands ? operands.split(',') : [], klass };
  OPS.push(info);
  OP_BY_NAME.set(key, info.id);
  return info;
}

/** Looks an operation up by mnemonic and operand spec (for the interpreter's exec table). */
export function opId(name: string, operands: string): number {
  const id = OP_BY_NAME.get(`${name}|${operands}`);
  if (id === undefined) throw new Error(`no operation ${name} ${operands}`);
  return id;
}

type Entry = OpInfo | ((reg: number, mod: number, rm: number) => OpInfo | undefined) | undefined;

/** The invalid operation: decodes to #UD. */
export const OP_INVALID = op('(bad)', '', 'invalid');
/** x87 escape opcodes: out of scope, #UD with a diagnostic. */
export const OP_X87 = op('(x87)', 'Ex', 'invalid');
/** fwait (9B): an x87 instruction of one byte. */
export const OP_FWAIT = op('fwait', '', 'invalid');
/** Host call escape `0F 3F iw`: runs a host function (see Machine.addHostCall). */
export const OP_HOSTCALL = op('hostcall', 'Iw', 'hostcall');

const ONE: Entry[] = new Array<Entry>(256).fill(undefined);
const TWO: Entry[] = new Array<Entry>(256).fill(undefined);

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
for (let i = 0; i < 8; i++) {
  const n = ALU[i] as string;
  ONE[i * 8 + 0] = op(n, 'Eb,Gb', 'alu');
  ONE[i * 8 + 1] = op(n, 'Ev,Gv', 'alu');
  ONE[i * 8 + 2] = op(n, 'Gb,Eb', 'alu');
  ONE[i * 8 + 3] = op(n, 'Gv,Ev', 'alu');
  ONE[i * 8 + 4] = op(n, 'AL,Ib', 'alu');
  ONE[i * 8 + 5] = op(n, 'eAX,Iz', 'alu');
}
for (let r = 0; r < 8; r++) {
  ONE[0x40 + r] = op('inc', 'Zv', 'alu');
  ONE[0x48 + r] = op('dec', 'Zv', 'alu');
  ONE[0x50 + r] = op('push', 'Zv', 'stack');
  ONE[0x58 + r] = op('pop', 'Zv', 'stack');
  ONE[0xb0 + r] = op('mov', 'Zb,Ib', 'mov');
  ONE[0xb8 + r] = op('mov', 'Zv,Iv', 'mov');
  if (r > 0) ONE[0x90 + r] = op('xchg', 'Zv,eAX', 'xchg');
  TWO[0xc8 + r] = op('bswap', 'Zd', 'alu');
}
ONE[0x60] = op('pusha', '', 'stack');
ONE[0x61] = op('popa', '', 'stack');
ONE[0x68] = op('push', 'Iz', 'stack');
ONE[0x69] = op('imul', 'Gv,Ev,Iz', 'mul');
ONE[0x6a] = op('push', 'Ibs', 'stack');
ONE[0x6b] = op('imul', 'Gv,Ev,Ibs', 'mul');
ONE[0x6c] = op('ins', 'Yb,DX', 'string');
ONE[0x6d] = op('ins', 'Yv,DX', 'string');
ONE[0x6e] = op('outs', 'DX,Xb', 'string');
ONE[0x6f] = op('outs', 'DX,Xv', 'string');
for (let c = 0; c < 16; c++) {
  ONE[0x70 + c] = op('jcc', 'Jb', 'branch');
  TWO[0x80 + c] = op('jcc', 'Jz', 'branch');
  TWO[0x90 + c] = op('setcc', 'Eb', 'setcc');
  TWO[0x40 + c] = op('cmovcc', 'Gv,Ev', 'cmov');
}
const grp1 = (spec: string): Entry => (reg) => op(ALU[reg] as string, spec, 'alu');
ONE[0x80] = grp1('Eb,Ib');
ONE[0x81] = grp1('Ev,Iz');
ONE[0x82] = grp1('Eb,Ib');
ONE[0x83] = grp1('Ev,Ibs');
ONE[0x84] = op('test', 'Eb,Gb', 'alu');
ONE[0x85] = op('test', 'Ev,Gv', 'alu');
ONE[0x86] = op('xchg', 'Eb,Gb', 'xchg');
ONE[0x87] = op('xchg', 'Ev,Gv', 'xchg');
ONE[0x88] = op('mov', 'Eb,Gb', 'mov');
ONE[0x89] = op('mov', 'Ev,Gv', 'mov');
ONE[0x8a] = op('mov', 'Gb,Eb', 'mov');
ONE[0x8b] = op('mov', 'Gv,Ev', 'mov');
ONE[0x8c] = op('mov', 'Ew,Sw', 'mov');
ONE[0x8d] = (_reg, mod) => (mod === 3 ? undefined : op('lea', 'Gv,M', 'lea'));
ONE[0x8e] = op('mov', 'Sw,Ew', 'mov');
ONE[0x8f] = (reg) => (reg === 0 ? op('pop', 'Ev', 'stack') : undefined);
ONE[0x90] = op('nop', '', 'nop');
ONE[0x98] = op('cwde', '', 'alu');
ONE[0x99] = op('cdq', '', 'alu');
ONE[0x9b] = OP_FWAIT;
ONE[0x9c] = op('pushf', '', 'stack');
ONE[0x9d] = op('popf', '', 'stack');
ONE[0x9e] = op('sahf', '', 'flag');
ONE[0x9f] = op('lahf', '', 'flag');
ONE[0xa0] = op('mov', 'AL,Ob', 'mov');
ONE[0xa1] = op('mov', 'eAX,Ov', 'mov');
ONE[0xa2] = op('mov', 'Ob,AL', 'mov');
ONE[0xa3] = op('mov', 'Ov,eAX', 'mov');
ONE[0xa4] = op('movs', 'Yb,Xb', 'string');
ONE[0xa5] = op('movs', 'Yv,Xv', 'string');
ONE[0xa6] = op('cmps', 'Xb,Yb', 'string');
ONE[0xa7] = op('cmps', 'Xv,Yv', 'string');
ONE[0xa8] = op('test', 'AL,Ib', 'alu');
ONE[0xa9] = op('test', 'eAX,Iz', 'alu');
ONE[0xaa] = op('stos', 'Yb,AL', 'string');
ONE[0xab] = op('stos', 'Yv,eAX', 'string');
ONE[0xac] = op('lods', 'AL,Xb', 'string');
ONE[0xad] = op('lods', 'eAX,Xv', 'string');
ONE[0xae] = op('scas', 'AL,Yb', 'string');
ONE[0xaf] = op('scas', 'eAX,Yv', 'string');
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'shl', 'sar'];
const grp2 = (spec: string): Entry => (reg) => op(SHIFTS[reg] as string, spec, 'shift');
ONE[0xc0] = grp2('Eb,Ib');
ONE[0xc1] = grp2('Ev,Ib');
ONE[0xc2] = op('ret', 'Iw', 'ret');
ONE[0xc3] = op('ret', '', 'ret');
ONE[0xc6] = (reg) => (reg === 0 ? op('mov', 'Eb,Ib', 'mov') : undefined);
ONE[0xc7] = (reg) => (reg === 0 ? op('mov', 'Ev,Iz', 'mov') : undefined);
ONE[0xc8] = op('enter', 'Iw,Ib', 'stack');
ONE[0xc9] = op('leave', '', 'stack');
ONE[0xcc] = op('int3', '', 'system');
ONE[0xcd] = op('int', 'Ib', 'system');
ONE[0xce] = op('into', '', 'system');
ONE[0xcf] = op('iret', '', 'system');
ONE[0xd0] = grp2('Eb,1');
ONE[0xd1] = grp2('Ev,1');
ONE[0xd2] = grp2('Eb,CL');
ONE[0xd3] = grp2('Ev,CL');
ONE[0xd7] = op('xlat', '', 'mov');
for (let i = 0xd8; i <= 0xdf; i++) ONE[i] = OP_X87;
ONE[0xe0] = op('loopne', 'Jb', 'branch');
ONE[0xe1] = op('loope', 'Jb', 'branch');
ONE[0xe2] = op('loop', 'Jb', 'branch');
ONE[0xe3] = op('jecxz', 'Jb', 'branch');
ONE[0xe4] = op('in', 'AL,Ib', 'io');
ONE[0xe5] = op('in', 'eAX,Ib', 'io');
ONE[0xe6] = op('out', 'Ib,AL', 'io');
ONE[0xe7] = op('out', 'Ib,eAX', 'io');
ONE[0xe8] = op('call', 'Jz', 'call');
ONE[0xe9] = op('jmp', 'Jz', 'branch');
ONE[0xeb] = op('jmp', 'Jb', 'branch');
ONE[0xec] = op('in', 'AL,DX', 'io');
ONE[0xed] = op('in', 'eAX,DX', 'io');
ONE[0xee] = op('out', 'DX,AL', 'io');
ONE[0xef] = op('out', 'DX,eAX', 'io');
ONE[0xf4] = op('hlt', '', 'system');
ONE[0xf5] = op('cmc', '', 'flag');
const GRP3 = ['test', 'test', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'];
const grp3 = (b: 'b' | 'v'): Entry => (reg) => {
  const n = GRP3[reg] as string;
  if (reg < 2) return op('test', `E${b},I${b === 'b' ? 'b' : 'z'}`, 'alu');
  return op(n, `E${b}`, reg >= 6 ? 'div' : reg >= 4 ? 'mul' : 'alu');
};
ONE[0xf6] = grp3('b');
ONE[0xf7] = grp3('v');
ONE[0xf8] = op('clc', '', 'flag');
ONE[0xf9] = op('stc', '', 'flag');
ONE[0xfa] = op('cli', '', 'system');
ONE[0xfb] = op('sti', '', 'system');
ONE[0xfc] = op('cld', '', 'flag');
ONE[0xfd] = op('std', '', 'flag');
ONE[0xfe] = (reg) => (reg === 0 ? op('inc', 'Eb', 'alu') : reg === 1 ? op('dec', 'Eb', 'alu') : undefined);
ONE[0xff] = (reg, mod) => {
  switch (reg) {
    case 0: return op('inc', 'Ev', 'alu');
    case 1: return op('dec', 'Ev', 'alu');
    case 2: return op('call', 'Ev', 'call');
    case 4: return op('jmp', 'Ev', 'branch');
    case 6: return op('push', 'Ev', 'stack');
    default: return mod === 3 || reg === 7 ? undefined : undefined; // far call/jmp: not in a flat model
  }
};

// Two-byte opcodes (0F xx).
TWO[0x01] = (reg, mod) => {
  if (mod === 3) return undefined;
  switch (reg) {
    case 0: return op('sgdt', 'M', 'system');
    case 1: return op('sidt', 'M', 'system');
    case 2: return op('lgdt', 'M', 'system');
    case 3: return op('lidt', 'M', 'system');
    case 7: return op('invlpg', 'M', 'system');
    default: return undefined;
  }
};
TWO[0x06] = op('clts', '', 'system');
TWO[0x08] = op('invd', '', 'system');
TWO[0x09] = op('wbinvd', '', 'system');
TWO[0x0b] = op('ud2', '', 'invalid');
TWO[0x0d] = (_reg, mod) => (mod === 3 ? undefined : op('nop', 'Ev', 'nop'));
TWO[0x18] = (_reg, mod) => (mod === 3 ? undefined : op('nop', 'Ev', 'nop'));
for (let i = 0x19; i <= 0x1f; i++) TWO[i] = op('nop', 'Ev', 'nop');
TWO[0x20] = op('mov', 'Rd,Cd', 'system');
TWO[0x22] = op('mov', 'Cd,Rd', 'system');
TWO[0x31] = op('rdtsc', '', 'misc');
TWO[0x3f] = OP_HOSTCALL;
TWO[0xa2] = op('cpuid', '', 'misc');
TWO[0xa3] = op('bt', 'Ev,Gv', 'bit');
TWO[0xa4] = op('shld', 'Ev,Gv,Ib', 'shift');
TWO[0xa5] = op('shld', 'Ev,Gv,CL', 'shift');
TWO[0xab] = op('bts', 'Ev,Gv', 'bit');
TWO[0xac] = op('shrd', 'Ev,Gv,Ib', 'shift');
TWO[0xad] = op('shrd', 'Ev,Gv,CL', 'shift');
TWO[0xaf] = op('imul', 'Gv,Ev', 'mul');
TWO[0xb0] = op('cmpxchg', 'Eb,Gb', 'xchg');
TWO[0xb1] = op('cmpxchg', 'Ev,Gv', 'xchg');
TWO[0xb3] = op('btr', 'Ev,Gv', 'bit');
TWO[0xb6] = op('movzx', 'Gv,Eb', 'mov');
TWO[0xb7] = op('movzx', 'Gv,Ew', 'mov');
const BT = [undefined, undefined, undefined, undefined, 'bt', 'bts', 'btr', 'btc'];
TWO[0xba] = (reg) => (BT[reg] ? op(BT[reg] as string, 'Ev,Ib', 'bit') : undefined);
TWO[0xbb] = op('btc', 'Ev,Gv', 'bit');
TWO[0xbc] = op('bsf', 'Gv,Ev', 'bit');
TWO[0xbd] = op('bsr', 'Gv,Ev', 'bit');
TWO[0xbe] = op('movsx', 'Gv,Eb', 'mov');
TWO[0xbf] = op('movsx', 'Gv,Ew', 'mov');
TWO[0xc0] = op('xadd', 'Eb,Gb', 'xchg');
TWO[0xc1] = op('xadd', 'Ev,Gv', 'xchg');
TWO[0xc7] = (reg, mod) => (reg === 1 && mod !== 3 ? op('cmpxchg8b', 'Mq', 'xchg') : undefined);

const LOCKABLE = new Set(['add', 'adc', 'and', 'btc', 'btr', 'bts', 'cmpxchg', 'dec', 'inc', 'neg', 'not', 'or', 'sbb', 'sub', 'xor', 'xadd', 'xchg']);

/** True when a lock prefix is allowed: a read-modify-write instruction with a memory destination (else #UD). */
export function lockAllowed(ins: Instr): boolean {
  const info = OPS[ins.op] as OpInfo;
  if (ins.rm !== -1) return false;
  if (info.name === 'cmpxchg8b') return true;
  return LOCKABLE.has(info.name) && info.operands[0]![0] === 'E';
}

// Register every operation a group can produce now, so OPS is complete before any decoding.
for (const table of [ONE, TWO]) {
  for (const e of table) {
    if (typeof e !== 'function') continue;
    for (let reg = 0; reg < 8; reg++) for (let mod = 0; mod < 4; mod++) e(reg, mod, 0);
  }
}

// Operations decoded from prefixes or special encodings.
export const OP_PAUSE = op('pause', '', 'nop');
const OP_CBW = op('cbw', '', 'alu');
const OP_CWD = op('cwd', '', 'alu');

/** Opcodes whose ModRM byte is read before the table lookup (every spec with E, G, M, S, C, R). */
function needsModrm(e: Entry): boolean {
  if (typeof e === 'function') return true;
  if (!e) return false;
  return e.operands.some((s) => /^[EGMSCR]/.test(s));
}
const MODRM_ONE = new Uint8Array(256);
const MODRM_TWO = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  MODRM_ONE[b] = needsModrm(ONE[b]) ? 1 : 0;
  MODRM_TWO[b] = needsModrm(TWO[b]) ? 1 : 0;
}

/**
 * A decoded instruction. One class (one hidden class for V8) for every instruction; fields not
 * used by an operation keep their defaults. `exec` and `cycles` are filled in by the
 * interpreter, which caches Instr objects by physical address.
 */
export class Instr {
  /** Linear address of the first byte. */
  eip = 0;
  /** Length in bytes (1..15). */
  len = 0;
  /** Opcode: 0x00-0xff, or 0x100 | second byte for 0F xx. */
  opcode = 0;
  /** Operation (index into OPS). */
  op = 0;
  /** Operand size in bytes: 1, 2 or 4. */
  size = 4;
  /** ModRM.reg, or the register encoded in the opcode (Zv), or the condition code (jcc/setcc/cmovcc). */
  reg = 0;
  /** Register operand of ModRM (mod = 3), or -1 for a memory operand, or -2 when there is no ModRM. */
  rm = -2;
  /** Memory operand: base register or -1. */
  base = -1;
  /** Memory operand: index register or -1. */
  index = -1;
  /** Memory operand: log2 of the scale. */
  scale = 0;
  /** Memory operand: displacement (or moffs address). */
  disp = 0;
  /** Segment override prefix (Seg.*) or -1. */
  seg = -1;
  /** First immediate (sign- or zero-extended as the spec says). */
  imm = 0;
  /** Second immediate (enter's nesting level). */
  imm2 = 0;
  /** Branch target (linear) of a relative branch or call. */
  target = 0;
  /** Condition code 0..15 for jcc/setcc/cmovcc. */
  cc = 0;
  /** 0, 0xf2 (repne) or 0xf3 (rep/repe). */
  rep = 0;
  lock = false;
  /** 0x66 present. */
  opsize16 = false;
  /** ModRM byte present: its mod field (0..3), else -1. */
  mod = -1;
  /** Byte offsets of the ModRM, immediate and displacement within the instruction (for the fault injector); -1 when absent. */
  modrmOffset = -1;
  immOffset = -1;
  dispOffset = -1;
  /** Linear address of the next instruction (eip + len). */
  next = 0;
  /** Cycles the interpreter charges (set by the interpreter). */
  cycles = 0;
  /** Cycles of the instructions before this one in its interpreter block (set by the interpreter). */
  cycBefore = 0;
  /** Interpreter's handler (set by the interpreter; typed there). */
  exec: unknown = null;

  get info(): OpInfo {
    return OPS[this.op] as OpInfo;
  }
}

/** Why decoding stopped: a byte source that cannot supply byte `i` throws; this one is for too-long instructions. */
export class DecodeError extends Error {
  readonly code = 'DECODE';
  override readonly name = 'DecodeError';
}

/** Reads the instruction byte at offset i from the instruction's start. May throw (e.g. a page fault). */
export type ByteSource = (i: number) => number;

function sizeOf(spec: string, opsize: number): number {
  const c = spec.charCodeAt(spec.length - 1);
  // b w d v z q
  if (spec === 'AL' || spec === 'CL') return 1;
  if (spec === 'eAX' || spec === 'DX') return opsize;
  switch (c) {
    case 0x62: return 1; // b
    case 0x77: return 2; // w
    case 0x64: return 4; // d
    default: return opsize;
  }
}

/**
 * Decodes one instruction at linear address `eip`, reading its bytes through `fetch`.
 * Undefined encodings decode to OP_INVALID (the interpreter raises #UD); x87 escapes to OP_X87.
 */
export function decode(fetch: ByteSource, eip: number, into: Instr = new Instr()): Instr {
  const ins = into;
  ins.eip = eip;
  ins.seg = -1;
  ins.rep = 0;
  ins.lock = false;
  ins.opsize16 = false;
  ins.rm = -2;
  ins.mod = -1;
  ins.base = -1;
  ins.index = -1;
  ins.scale = 0;
  ins.disp = 0;
  ins.imm = 0;
  ins.imm2 = 0;
  ins.target = 0;
  ins.cc = 0;
  ins.reg = 0;
  ins.modrmOffset = -1;
  ins.immOffset = -1;
  ins.dispOffset = -1;
  let i = 0;
  let b: number;
  let addr16 = false;
  // Prefixes.
  for (;;) {
    if (i >= 14) return invalid(ins, i + 1);
    b = fetch(i++);
    switch (b) {
      case 0x26: ins.seg = 0; continue;
      case 0x2e: ins.seg = 1; continue;
      case 0x36: ins.seg = 2; continue;
      case 0x3e: ins.seg = 3; continue;
      case 0x64: ins.seg = 4; continue;
      case 0x65: ins.seg = 5; continue;
      case 0x66: ins.opsize16 = true; continue;
      case 0x67: addr16 = true; continue;
      case 0xf0: ins.lock = true; continue;
      case 0xf2: ins.rep = 0xf2; continue;
      case 0xf3: ins.rep = 0xf3; continue;
    }
    break;
  }
  let twoByte = false;
  if (b === 0x0f) {
    twoByte = true;
    b = fetch(i++);
  }
  ins.opcode = twoByte ? 0x100 | b : b;
  let e: Entry = twoByte ? TWO[b] : ONE[b];
  const opsize = ins.opsize16 ? 2 : 4;
  if ((twoByte ? MODRM_TWO[b] : MODRM_ONE[b]) === 1) {
    if (addr16) return invalid(ins, i); // 16-bit addressing: not emitted by gcc for 32-bit code
    ins.modrmOffset = i;
    const modrm = fetch(i++);
    const mod = modrm >> 6;
    const reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    ins.mod = mod;
    ins.reg = reg;
    if (mod === 3 || (twoByte && (b === 0x20 || b === 0x22))) {
      // mov to/from a control register ignores mod: the operand is always a register.
      ins.rm = rm;
    } else {
      ins.rm = -1;
      if (rm === 4) {
        const sib = fetch(i++);
        const base = sib & 7;
        const index = (sib >> 3) & 7;
        ins.scale = sib >> 6;
        ins.index = index === 4 ? -1 : index;
        if (base === 5 && mod === 0) {
          ins.base = -1;
          ins.dispOffset = i;
          ins.disp = fetch(i) | (fetch(i + 1) << 8) | (fetch(i + 2) << 16) | (fetch(i + 3) << 24);
          i += 4;
        } else {
          ins.base = base;
        }
      } else if (rm === 5 && mod === 0) {
        ins.base = -1;
        ins.dispOffset = i;
        ins.disp = fetch(i) | (fetch(i + 1) << 8) | (fetch(i + 2) << 16) | (fetch(i + 3) << 24);
        i += 4;
      } else {
        ins.base = rm;
      }
      if (mod === 1) {
        ins.dispOffset = i;
        ins.disp = (fetch(i++) << 24) >> 24;
      } else if (mod === 2) {
        ins.dispOffset = i;
        ins.disp = fetch(i) | (fetch(i + 1) << 8) | (fetch(i + 2) << 16) | (fetch(i + 3) << 24);
        i += 4;
      }
    }
    if (typeof e === 'function') e = e(reg, mod, rm);
  } else if (addr16 && e && typeof e !== 'function' && (e.operands.some((s) => s[0] === 'O' || s[0] === 'X' || s[0] === 'Y') || (!twoByte && (b === 0xd7 || (b >= 0xe0 && b <= 0xe3))))) {
    // 16-bit addressing (and the CX-counting loop/jcxz forms it selects) is not supported.
    return invalid(ins, i);
  }
  if (!e || typeof e === 'function') return invalid(ins, i);
  let info: OpInfo = e;
  // Encodings whose meaning depends on prefixes.
  if (!twoByte) {
    if (b === 0x90 && ins.rep === 0xf3) info = OP_PAUSE;
    else if (b === 0x98 && ins.opsize16) info = OP_CBW;
    else if (b === 0x99 && ins.opsize16) info = OP_CWD;
    if ((b >= 0x40 && b <= 0x5f) || (b >= 0x90 && b <= 0x97) || b >= 0xb0 && b <= 0xbf) ins.reg = b & 7;
    if ((b >= 0x70 && b <= 0x7f)) ins.cc = b & 15;
  } else {
    if (b >= 0xc8 && b <= 0xcf) ins.reg = b & 7;
    if ((b >= 0x80 && b <= 0x9f) || (b >= 0x40 && b <= 0x4f)) ins.cc = b & 15;
  }
  ins.op = info.id;
  // Operand size: byte operations are size 1; otherwise 2 or 4 by the 0x66 prefix.
  const ops = info.operands;
  let size = opsize;
  if (ops.length > 0) {
    const first = ops[0] as string;
    size = first === 'Iw' ? 2 : first === 'Ib' && ops.length > 1 ? sizeOf(ops[1] as string, opsize) : sizeOf(first, opsize);
    if (first === 'DX' && ops.length > 1) size = sizeOf(ops[1] as string, opsize);
    if (first === 'Ibs' || first === 'Iz') size = opsize; // push imm
    if (first === 'Jb' || first === 'Jz') size = opsize;
    if (first === 'M' || first === 'Mq') size = 4;
    if (first === 'Rd' || first === 'Cd') size = 4;
    if (info.name === 'ret' || info.name === 'enter') size = opsize;
  } else if (info.name === 'pusha' || info.name === 'popa' || info.name === 'pushf' || info.name === 'popf' || info.name === 'iret') {
    size = opsize;
  }
  ins.size = size;
  // Immediates.
  for (const s of ops) {
    switch (s) {
      case 'Ib':
        if (ins.immOffset < 0) {
          ins.immOffset = i;
          ins.imm = fetch(i++);
        } else {
          ins.imm2 = fetch(i++);
        }
        break;
      case 'Ibs':
        ins.immOffset = i;
        ins.imm = (fetch(i++) << 24) >> 24;
        break;
      case 'Iw':
        ins.immOffset = i;
        ins.imm = fetch(i) | (fetch(i + 1) << 8);
        i += 2;
        break;
      case 'Iz':
      case 'Iv':
        ins.immOffset = i;
        if (opsize === 2) {
          ins.imm = fetch(i) | (fetch(i + 1) << 8);
          i += 2;
        } else {
          ins.imm = fetch(i) | (fetch(i + 1) << 8) | (fetch(i + 2) << 16) | (fetch(i + 3) << 24);
          i += 4;
        }
        break;
      case 'Jb':
        ins.immOffset = i;
        ins.imm = (fetch(i++) << 24) >> 24;
        break;
      case 'Jz':
        ins.immOffset = i;
        if (opsize === 2) {
          ins.imm = ((fetch(i) | (fetch(i + 1) << 8)) << 16) >> 16;
          i += 2;
        } else {
          ins.imm = fetch(i) | (fetch(i + 1) << 8) | (fetch(i + 2) << 16) | (fetch(i + 3) << 24);
          i += 4;
        }
        break;
      case 'Ob':
      case 'Ov':
        if (addr16) return invalid(ins, i);
        ins.dispOffset = i;
        ins.disp = fetch(i) | (fetch(i + 1) << 8) | (fetch(i + 2) << 16) | (fetch(i + 3) << 24);
        ins.rm = -1;
        i += 4;
        break;
      default:
        break;
    }
  }
  if (i > 15) return invalid(ins, i);
  ins.len = i;
  ins.next = (eip + i) | 0;
  if (ops[0] === 'Jb' || ops[0] === 'Jz') {
    ins.target = (eip + i + ins.imm) | 0;
    if (opsize === 2) ins.target &= 0xffff;
  }
  return ins;
}

function invalid(ins: Instr, len: number): Instr {
  ins.op = OP_INVALID.id;
  ins.len = Math.min(len, 15);
  ins.next = (ins.eip + ins.len) | 0;
  ins.size = 4;
  return ins;
}

/** Decodes from a byte array (offset `at`), reading zero past its end: for tools, not for the interpreter. */
export function decodeBytes(bytes: Uint8Array, at: number, eip: number): Instr {
  return decode((i) => bytes[at + i] ?? 0, eip);
}

/** True for the condition code's meaning; names in Intel order o,no,b,ae,e,ne,be,a,s,ns,p,np,l,ge,le,g. */
export const CONDITION_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;
