// Instruction semantics: one handler per operation (index = OpInfo.id). A handler runs with
// cpu.eip already pointing past the instruction and cpu.insStart at it; it either completes
// or raises before changing any architectural state (so faults are restartable).
//
// Flags follow the Intel SDM vol. 2 "Flags Affected" sections; where the SDM says undefined we
// produce what falls out of the computation (tests compare defined flags only).

import { Cr0, Flag, L_ADC, L_ADD, L_DEC, L_EXPL, L_INC, L_LOGIC, L_SBB, L_SUB, Vector, WRITABLE_FLAGS } from './constants.js';
import type { Cpu } from './cpu.js';
import { OPS, opId } from './decoder.js';
import type { Instr } from './decoder.js';

export type Handler = (cpu: Cpu, ins: Instr) => void;

export const EXEC: (Handler | undefined)[] = [];

function def(name: string, specs: string | string[], h: Handler): void {
  for (const s of Array.isArray(specs) ? specs : [specs]) EXEC[opId(name, s)] = h;
}

// ------------------------------------------------------------------ operand helpers

function ea(c: Cpu, ins: Instr): number {
  let a = ins.disp;
  if (ins.base >= 0) a = (a + c.regs[ins.base]!) | 0;
  if (ins.index >= 0) a = (a + (c.regs[ins.index]! << ins.scale)) | 0;
  return a;
}

function mask(size: number): number {
  return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
}

function readE(c: Cpu, ins: Instr, size: number): number {
  if (ins.rm >= 0) return c.getReg(size, ins.rm);
  return c.read(size, ea(c, ins));
}

function writeE(c: Cpu, ins: Instr, size: number, v: number): void {
  if (ins.rm >= 0) c.setReg(size, ins.rm, v);
  else c.write(size, ea(c, ins), v);
}

function sext(v: number, size: number): number {
  return size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
}

// ------------------------------------------------------------------ ALU

const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

function alu(c: Cpu, op: number, a: number, b: number, size: number): number {
  const m = mask(size);
  let r: number;
  switch (op) {
    case 0:
      r = (a + b) & m;
      c.lop = L_ADD;
      break;
    case 1:
      r = a | b;
      c.lop = L_LOGIC;
      break;
    case 2: {
      const cf = c.cf();
      r = (a + b + cf) & m;
      c.lcf = cf;
      c.lop = L_ADC;
      break;
    }
    case 3: {
      const cf = c.cf();
      r = (a - b - cf) & m;
      c.lcf = cf;
      c.lop = L_SBB;
      break;
    }
    case 4:
      r = a & b;
      c.lop = L_LOGIC;
      break;
    case 6:
      r = a ^ b;
      c.lop = L_LOGIC;
      break;
    default: // sub, cmp
      r = (a - b) & m;
      c.lop = L_SUB;
      break;
  }
  c.la = a;
  c.lb = b;
  c.lres = r;
  c.lbits = size << 3;
  return r;
}

const ALU_OF = new Int8Array(4096).fill(-1);
for (const [i, n] of ALU_NAMES.entries()) for (const o of OPS) if (o.name === n) ALU_OF[o.id] = i;

function aluEG(c: Cpu, ins: Instr): void {
  const op = ALU_OF[ins.op]!;
  const size = ins.size;
  const b = c.getReg(size, ins.reg);
  if (ins.rm >= 0) {
    const r = alu(c, op, c.getReg(size, ins.rm), b, size);
    if (op !== 7) c.setReg(size, ins.rm, r);
  } else {
    const addr = ea(c, ins);
    if (op !== 7) c.probeWrite(addr, size);
    const r = alu(c, op, c.read(size, addr), b, size);
    if (op !== 7) c.write(size, addr, r);
  }
}

function aluEG32(c: Cpu, ins: Instr): void {
  const op = ALU_OF[ins.op]!;
  const b = c.regs[ins.reg]!;
  if (ins.rm >= 0) {
    const r = alu(c, op, c.regs[ins.rm]!, b, 4);
    if (op !== 7) c.regs[ins.rm] = r;
  } else {
    const addr = ea(c, ins);
    if (op === 7) {
      alu(c, 7, c.read32(addr), b, 4);
      return;
    }
    c.probeWrite(addr, 4);
    c.write32(addr, alu(c, op, c.read32(addr), b, 4));
  }
}

function aluGE(c: Cpu, ins: Instr): void {
  const op = ALU_OF[ins.op]!;
  const size = ins.size;
  if (size === 4) {
    const b = ins.rm >= 0 ? c.regs[ins.rm]! : c.read32(ea(c, ins));
    const r = alu(c, op, c.regs[ins.reg]!, b, 4);
    if (op !== 7) c.regs[ins.reg] = r;
    return;
  }
  const b = readE(c, ins, size);
  const r = alu(c, op, c.getReg(size, ins.reg), b, size);
  if (op !== 7) c.setReg(size, ins.reg, r);
}

function aluAI(c: Cpu, ins: Instr): void {
  const op = ALU_OF[ins.op]!;
  const size = ins.size;
  const r = alu(c, op, c.getReg(size, 0), ins.imm & mask(size), size);
  if (op !== 7) c.setReg(size, 0, r);
}

function aluEI(c: Cpu, ins: Instr): void {
  const op = ALU_OF[ins.op]!;
  const size = ins.size;
  if (size === 4 && ins.rm >= 0) {
    const r = alu(c, op, c.regs[ins.rm]!, ins.imm, 4);
    if (op !== 7) c.regs[ins.rm] = r;
    return;
  }
  const b = ins.imm & mask(size);
  if (ins.rm >= 0) {
    const r = alu(c, op, c.getReg(size, ins.rm), b, size);
    if (op !== 7) c.setReg(size, ins.rm, r);
  } else {
    const addr = ea(c, ins);
    if (op !== 7) c.probeWrite(addr, size);
    const r = alu(c, op, c.read(size, addr), b, size);
    if (op !== 7) c.write(size, addr, r);
  }
}

for (const n of ALU_NAMES) {
  def(n, ['Eb,Gb'], aluEG);
  def(n, ['Ev,Gv'], (c, ins) => (ins.size === 4 ? aluEG32(c, ins) : aluEG(c, ins)));
  def(n, ['Gb,Eb', 'Gv,Ev'], aluGE);
  def(n, ['AL,Ib', 'eAX,Iz'], aluAI);
  def(n, ['Eb,Ib', 'Ev,Iz', 'Ev,Ibs'], aluEI);
}

function logic(c: Cpu, r: number, size: number): void {
  c.lop = L_LOGIC;
  c.lres = r;
  c.la = 0;
  c.lb = 0;
  c.lbits = size << 3;
}

def('test', ['Eb,Gb', 'Ev,Gv'], (c, ins) => logic(c, readE(c, ins, ins.size) & c.getReg(ins.size, ins.reg), ins.size));
def('test', ['AL,Ib', 'eAX,Iz'], (c, ins) => logic(c, c.getReg(ins.size, 0) & ins.imm & mask(ins.size), ins.size));
def('test', ['Eb,Ib', 'Ev,Iz'], (c, ins) => logic(c, readE(c, ins, ins.size) & ins.imm & mask(ins.size), ins.size));

function incdec(c: Cpu, a: number, size: number, dec: boolean): number {
  c.lcf = c.cf();
  const r = (dec ? a - 1 : a + 1) & mask(size);
  c.lop = dec ? L_DEC : L_INC;
  c.la = a;
  c.lb = 1;
  c.lres = r;
  c.lbits = size << 3;
  return r;
}

def('inc', 'Zv', (c, ins) => c.setReg(ins.size, ins.reg, incdec(c, c.getReg(ins.size, ins.reg), ins.size, false)));
def('dec', 'Zv', (c, ins) => c.setReg(ins.size, ins.reg, incdec(c, c.getReg(ins.size, ins.reg), ins.size, true)));
function incdecE(dec: boolean): Handler {
  return (c, ins) => {
    const size = ins.size;
    if (ins.rm >= 0) {
      c.setReg(size, ins.rm, incdec(c, c.getReg(size, ins.rm), size, dec));
    } else {
      const addr = ea(c, ins);
      c.probeWrite(addr, size);
      c.write(size, addr, incdec(c, c.read(size, addr), size, dec));
    }
  };
}
def('inc', ['Eb', 'Ev'], incdecE(false));
def('dec', ['Eb', 'Ev'], incdecE(true));

/** Read-modify-write of the E operand with a function of its value (no flags of its own). */
function rmw(c: Cpu, ins: Instr, size: number, f: (v: number) => number): void {
  if (ins.rm >= 0) {
    c.setReg(size, ins.rm, f(c.getReg(size, ins.rm)));
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    c.write(size, addr, f(c.read(size, addr)));
  }
}

def('not', ['Eb', 'Ev'], (c, ins) => {
  const size = ins.size;
  if (ins.rm >= 0) {
    c.setReg(size, ins.rm, ~c.getReg(size, ins.rm));
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    c.write(size, addr, ~c.read(size, addr));
  }
});
def('neg', ['Eb', 'Ev'], (c, ins) => {
  const size = ins.size;
  if (ins.rm >= 0) {
    c.setReg(size, ins.rm, alu(c, 5, 0, c.getReg(size, ins.rm), size));
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    c.write(size, addr, alu(c, 5, 0, c.read(size, addr), size));
  }
});

// ------------------------------------------------------------------ multiply and divide

/** Unsigned 32x32 -> 64: low word in MUL_LO, high word in MUL_HI. */
let MUL_LO = 0;
let MUL_HI = 0;
function mulU32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  MUL_LO = (p00 & 0xffff) | (mid << 16);
  MUL_HI = (p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536)) | 0;
}
function mulS32(a: number, b: number): void {
  mulU32(a, b);
  let hi = MUL_HI;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  MUL_HI = hi;
}

function mulFlags(c: Cpu, lo: number, size: number, overflow: boolean): void {
  c.lop = L_EXPL;
  c.lcf = c.lof = overflow ? 1 : 0;
  c.laf = 0;
  c.lres = lo & mask(size);
  c.la = 0;
  c.lb = 0;
  c.lbits = size << 3;
}

def('mul', ['Eb', 'Ev'], (c, ins) => {
  const size = ins.size;
  const src = readE(c, ins, size);
  if (size === 1) {
    const r = (c.regs[0]! & 0xff) * src;
    c.setReg(2, 0, r);
    mulFlags(c, r, 1, (r & 0xff00) !== 0);
  } else if (size === 2) {
    const r = (c.regs[0]! & 0xffff) * src;
    c.setReg(2, 0, r);
    c.setReg(2, 2, r >>> 16);
    mulFlags(c, r, 2, (r >>> 16) !== 0);
  } else {
    mulU32(c.regs[0]!, src);
    c.regs[0] = MUL_LO;
    c.regs[2] = MUL_HI;
    mulFlags(c, MUL_LO, 4, MUL_HI !== 0);
  }
});

def('imul', ['Eb', 'Ev'], (c, ins) => {
  const size = ins.size;
  const src = sext(readE(c, ins, size), size);
  if (size === 1) {
    const r = ((c.regs[0]! << 24) >> 24) * src;
    c.setReg(2, 0, r);
    mulFlags(c, r, 1, r !== (r << 24) >> 24);
  } else if (size === 2) {
    const r = ((c.regs[0]! << 16) >> 16) * src;
    c.setReg(2, 0, r);
    c.setReg(2, 2, r >> 16);
    mulFlags(c, r, 2, r !== (r << 16) >> 16);
  } else {
    mulS32(c.regs[0]!, src);
    c.regs[0] = MUL_LO;
    c.regs[2] = MUL_HI;
    mulFlags(c, MUL_LO, 4, MUL_HI !== MUL_LO >> 31);
  }
});

function imulTrunc(c: Cpu, a: number, b: number, size: number): number {
  if (size === 4) {
    mulS32(a, b);
    mulFlags(c, MUL_LO, 4, MUL_HI !== MUL_LO >> 31);
    return MUL_LO;
  }
  const r = sext(a, size) * sext(b, size);
  const t = size === 2 ? (r << 16) >> 16 : (r << 24) >> 24;
  mulFlags(c, r, size, r !== t);
  return r;
}
def('imul', 'Gv,Ev', (c, ins) => c.setReg(ins.size, ins.reg, imulTrunc(c, c.getReg(ins.size, ins.reg), readE(c, ins, ins.size), ins.size)));
def('imul', ['Gv,Ev,Iz', 'Gv,Ev,Ibs'], (c, ins) => c.setReg(ins.size, ins.reg, imulTrunc(c, readE(c, ins, ins.size), ins.imm, ins.size)));

function divideError(c: Cpu): never {
  return c.raise(Vector.DE, 0, 'divide error');
}

def('div', ['Eb', 'Ev'], (c, ins) => {
  const size = ins.size;
  const d = readE(c, ins, size) >>> 0;
  if (d === 0) divideError(c);
  if (size === 1) {
    const n = c.regs[0]! & 0xffff;
    const q = Math.floor(n / d);
    if (q > 0xff) divideError(c);
    c.setReg(2, 0, q | ((n % d) << 8));
  } else if (size === 2) {
    const n = ((c.regs[2]! & 0xffff) * 65536 + (c.regs[0]! & 0xffff));
    const q = Math.floor(n / d);
    if (q > 0xffff) divideError(c);
    c.setReg(2, 0, q);
    c.setReg(2, 2, n % d);
  } else {
    const hi = c.regs[2]! >>> 0, lo = c.regs[0]! >>> 0;
    if (hi >= d) divideError(c);
    if (hi === 0) {
      c.regs[0] = Math.floor(lo / d);
      c.regs[2] = lo % d;
    } else {
      const n = (BigInt(hi) << 32n) | BigInt(lo);
      const bd = BigInt(d);
      c.regs[0] = Number(n / bd);
      c.regs[2] = Number(n % bd);
    }
  }
});

def('idiv', ['Eb', 'Ev'], (c, ins) => {
  const size = ins.size;
  const d = sext(readE(c, ins, size), size);
  if (d === 0) divideError(c);
  if (size === 1) {
    const n = (c.regs[0]! << 16) >> 16;
    const q = Math.trunc(n / d);
    if (q > 127 || q < -128) divideError(c);
    c.setReg(2, 0, (q & 0xff) | ((n % d & 0xff) << 8));
  } else if (size === 2) {
    const n = (((c.regs[2]! & 0xffff) << 16) | (c.regs[0]! & 0xffff)) | 0;
    const q = Math.trunc(n / d);
    if (q > 32767 || q < -32768) divideError(c);
    c.setReg(2, 0, q);
    c.setReg(2, 2, n % d);
  } else {
    const n = (BigInt(c.regs[2]!) << 32n) | BigInt(c.regs[0]! >>> 0);
    const bd = BigInt(d);
    const q = n / bd;
    if (q > 0x7fffffffn || q < -0x80000000n) divideError(c);
    c.regs[0] = Number(q);
    c.regs[2] = Number(n % bd);
  }
});

// ------------------------------------------------------------------ shifts and rotates

/** Per operation: shift kind (0 rol .. 6 sar) and where the count comes from (0 imm8, 1 the constant 1, 2 CL). */
const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar'];
const SHIFT_KIND = new Int8Array(4096).fill(-1);
const SHIFT_SRC = new Int8Array(4096);
for (const o of OPS) {
  const k = SHIFT_NAMES.indexOf(o.name);
  if (k < 0 || o.operands.length !== 2) continue;
  SHIFT_KIND[o.id] = k;
  SHIFT_SRC[o.id] = o.operands[1] === '1' ? 1 : o.operands[1] === 'CL' ? 2 : 0;
}

function shiftFlags(c: Cpu, r: number, size: number, cf: number, of: number): void {
  c.lop = L_EXPL;
  c.lcf = cf;
  c.lof = of;
  c.laf = 0;
  c.lres = r;
  c.la = 0;
  c.lb = 0;
  c.lbits = size << 3;
}

/** Rotates change only CF and OF: fold the other flags first, then set those two. */
function rotateFlags(c: Cpu, cf: number, of: number): void {
  c.materializeFlags();
  c.flagsBase = (c.flagsBase & ~(Flag.CF | Flag.OF)) | cf | (of << 11);
}

function shift(c: Cpu, kind: number, v: number, count: number, size: number): number {
  const bits = size << 3;
  const m = mask(size);
  const top = bits - 1;
  switch (kind) {
    case 4: {
      // shl
      const r = count < 32 ? (v << count) & m : 0;
      const cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
      shiftFlags(c, r, size, cf, ((r >>> top) & 1) ^ cf);
      return r;
    }
    case 5: {
      // shr
      const r = (v >>> count) & m;
      shiftFlags(c, r, size, (v >>> (count - 1)) & 1, (v >>> top) & 1);
      return r;
    }
    case 6: {
      // sar
      const s = sext(v, size);
      const r = (s >> count) & m;
      shiftFlags(c, r, size, (s >> (count - 1)) & 1, 0);
      return r;
    }
    case 0: {
      // rol
      const n = count & top;
      const r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & m;
      const cf = r & 1;
      rotateFlags(c, cf, ((r >>> top) & 1) ^ cf);
      return r;
    }
    case 1: {
      // ror
      const n = count & top;
      const r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & m;
      rotateFlags(c, (r >>> top) & 1, ((r >>> top) ^ (r >>> (top - 1))) & 1);
      return r;
    }
    case 2: {
      // rcl
      const n = size === 4 ? count : count % (bits + 1);
      let cf = c.cf();
      let r = v;
      for (let i = 0; i < n; i++) {
        const out = (r >>> top) & 1;
        r = ((r << 1) | cf) & m;
        cf = out;
      }
      rotateFlags(c, cf, ((r >>> top) & 1) ^ cf);
      return r;
    }
    default: {
      // rcr
      const n = size === 4 ? count : count % (bits + 1);
      let cf = c.cf();
      const of = ((v >>> top) & 1) ^ cf;
      let r = v;
      for (let i = 0; i < n; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << top)) & m;
        cf = out;
      }
      rotateFlags(c, cf, of);
      return r;
    }
  }
}

function shiftHandler(c: Cpu, ins: Instr): void {
  const src = SHIFT_SRC[ins.op]!;
  const count = (src === 0 ? ins.imm : src === 1 ? 1 : c.regs[1]!) & 0x1f;
  if (count === 0) return;
  const kind = SHIFT_KIND[ins.op]!;
  const size = ins.size;
  if (ins.rm >= 0) {
    if (size === 4) c.regs[ins.rm] = shift(c, kind, c.regs[ins.rm]!, count, 4);
    else c.setReg(size, ins.rm, shift(c, kind, c.getReg(size, ins.rm), count, size));
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    c.write(size, addr, shift(c, kind, c.read(size, addr), count, size));
  }
}
for (const n of SHIFT_NAMES) def(n, ['Eb,Ib', 'Ev,Ib', 'Eb,1', 'Ev,1', 'Eb,CL', 'Ev,CL'], shiftHandler);

function shiftDouble(left: boolean): Handler {
  return (c, ins) => {
    const spec = OPS[ins.op]!.operands[2];
    const count = (spec === 'CL' ? c.regs[1]! : ins.imm) & 0x1f;
    if (count === 0) return;
    const size = ins.size;
    const bits = size << 3;
    const src = c.getReg(size, ins.reg);
    const f = (d: number): number => {
      let r: number, cf: number;
      if (size === 4) {
        if (left) {
          r = (d << count) | (src >>> (32 - count));
          cf = (d >>> (32 - count)) & 1;
        } else {
          r = (d >>> count) | (src << (32 - count));
          cf = (d >>> (count - 1)) & 1;
        }
      } else {
        // 16-bit: shift the 32-bit concatenation (count > 16 is undefined by the SDM).
        if (left) {
          const cat = ((d << 16) | src) >>> 0;
          const full = count < 32 ? (cat << count) >>> 0 : 0;
          r = (full >>> 16) & 0xffff;
          if (count > 16) r = ((src << (count - 16)) | (d >>> (32 - count)) ) & 0xffff;
          cf = count <= 16 ? (d >>> (16 - count)) & 1 : (src >>> (32 - count)) & 1;
        } else {
          const cat = ((src << 16) | d) >>> 0;
          r = (cat >>> count) & 0xffff;
          if (count > 16) r = ((src >>> (count - 16)) | (d << (32 - count))) & 0xffff;
          cf = (cat >>> (count - 1)) & 1;
        }
      }
      r &= mask(size);
      const of = (((d ^ r) >>> (bits - 1)) & 1);
      shiftFlags(c, size === 4 ? r | 0 : r, size, cf, of);
      return r;
    };
    rmw(c, ins, size, f);
  };
}
def('shld', ['Ev,Gv,Ib', 'Ev,Gv,CL'], shiftDouble(true));
def('shrd', ['Ev,Gv,Ib', 'Ev,Gv,CL'], shiftDouble(false));

// ------------------------------------------------------------------ bit operations

function bitOp(kind: 0 | 1 | 2 | 3, immediate: boolean): Handler {
  return (c, ins) => {
    const size = ins.size;
    const bits = size << 3;
    let off = immediate ? ins.imm : c.getReg(size, ins.reg);
    if (immediate || ins.rm >= 0) off &= bits - 1;
    let bit: number;
    if (ins.rm >= 0) {
      const v = c.getReg(size, ins.rm);
      bit = (v >>> off) & 1;
      if (kind !== 0) c.setReg(size, ins.rm, kind === 1 ? v | (1 << off) : kind === 2 ? v & ~(1 << off) : v ^ (1 << off));
    } else {
      let addr = ea(c, ins);
      if (!immediate) {
        const s = sext(off, size);
        addr = (addr + (s >> (size === 4 ? 5 : 4)) * size) | 0;
        off = s & (bits - 1);
      }
      if (kind !== 0) c.probeWrite(addr, size);
      const v = c.read(size, addr);
      bit = (v >>> off) & 1;
      if (kind !== 0) c.write(size, addr, kind === 1 ? v | (1 << off) : kind === 2 ? v & ~(1 << off) : v ^ (1 << off));
    }
    c.materializeFlags();
    c.flagsBase = (c.flagsBase & ~Flag.CF) | bit;
  };
}
def('bt', 'Ev,Gv', bitOp(0, false));
def('bts', 'Ev,Gv', bitOp(1, false));
def('btr', 'Ev,Gv', bitOp(2, false));
def('btc', 'Ev,Gv', bitOp(3, false));
def('bt', 'Ev,Ib', bitOp(0, true));
def('bts', 'Ev,Ib', bitOp(1, true));
def('btr', 'Ev,Ib', bitOp(2, true));
def('btc', 'Ev,Ib', bitOp(3, true));

function bitScan(reverse: boolean): Handler {
  return (c, ins) => {
    const v = readE(c, ins, ins.size);
    c.materializeFlags();
    if (v === 0) {
      c.flagsBase |= Flag.ZF;
      return;
    }
    c.flagsBase &= ~Flag.ZF;
    c.setReg(ins.size, ins.reg, reverse ? 31 - Math.clz32(v) : 31 - Math.clz32(v & -v));
  };
}
def('bsf', 'Gv,Ev', bitScan(false));
def('bsr', 'Gv,Ev', bitScan(true));

def('setcc', 'Eb', (c, ins) => writeE(c, ins, 1, c.cond(ins.cc) ? 1 : 0));
def('cmovcc', 'Gv,Ev', (c, ins) => {
  const v = readE(c, ins, ins.size);
  if (c.cond(ins.cc)) c.setReg(ins.size, ins.reg, v);
});

// ------------------------------------------------------------------ data movement

def('mov', 'Ev,Gv', (c, ins) => {
  if (ins.size === 4) {
    if (ins.rm >= 0) c.regs[ins.rm] = c.regs[ins.reg]!;
    else c.write32(ea(c, ins), c.regs[ins.reg]!);
  } else {
    writeE(c, ins, 2, c.getReg(2, ins.reg));
  }
});
def('mov', 'Gv,Ev', (c, ins) => {
  if (ins.size === 4) c.regs[ins.reg] = ins.rm >= 0 ? c.regs[ins.rm]! : c.read32(ea(c, ins));
  else c.setReg(2, ins.reg, readE(c, ins, 2));
});
def('mov', 'Eb,Gb', (c, ins) => writeE(c, ins, 1, c.getReg8(ins.reg)));
def('mov', 'Gb,Eb', (c, ins) => c.setReg8(ins.reg, readE(c, ins, 1)));
def('mov', ['Eb,Ib', 'Ev,Iz'], (c, ins) => writeE(c, ins, ins.size, ins.imm));
def('mov', ['Zb,Ib', 'Zv,Iv'], (c, ins) => c.setReg(ins.size, ins.reg, ins.imm));
def('mov', ['AL,Ob', 'eAX,Ov'], (c, ins) => c.setReg(ins.size, 0, c.read(ins.size, ins.disp)));
def('mov', ['Ob,AL', 'Ov,eAX'], (c, ins) => c.write(ins.size, ins.disp, c.getReg(ins.size, 0)));

/** Segment selectors (flat model: kept only so they read back). */
const SEL_KERNEL = [0x10, 0x08, 0x10, 0x10, 0x10, 0x10];
def('mov', 'Ew,Sw', (c, ins) => {
  if (ins.reg > 5) return c.invalidOpcode(ins);
  const sel = c.cpl === 3 ? (ins.reg === 1 ? 0x1b : 0x23) : SEL_KERNEL[ins.reg]!;
  if (ins.rm >= 0) c.setReg(ins.size, ins.rm, sel);
  else c.write16(ea(c, ins), sel);
});
def('mov', 'Sw,Ew', (c, ins) => {
  if (ins.reg === 1 || ins.reg > 5) return c.invalidOpcode(ins);
  readE(c, ins, 2);
  if (ins.reg === 2) c.shadowInterrupts();
});

def('lea', 'Gv,M', (c, ins) => {
  if (ins.size === 4) c.regs[ins.reg] = ea(c, ins);
  else c.setReg(2, ins.reg, ea(c, ins));
});
def('movzx', 'Gv,Eb', (c, ins) => c.setReg(ins.size, ins.reg, readE(c, ins, 1)));
def('movzx', 'Gv,Ew', (c, ins) => c.setReg(ins.size, ins.reg, readE(c, ins, 2)));
def('movsx', 'Gv,Eb', (c, ins) => c.setReg(ins.size, ins.reg, (readE(c, ins, 1) << 24) >> 24));
def('movsx', 'Gv,Ew', (c, ins) => c.setReg(ins.size, ins.reg, (readE(c, ins, 2) << 16) >> 16));

def('xchg', ['Eb,Gb', 'Ev,Gv'], (c, ins) => {
  const size = ins.size;
  const r = c.getReg(size, ins.reg);
  if (ins.rm >= 0) {
    c.setReg(size, ins.reg, c.getReg(size, ins.rm));
    c.setReg(size, ins.rm, r);
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    const m = c.read(size, addr);
    c.write(size, addr, r);
    c.setReg(size, ins.reg, m);
  }
});
def('xchg', 'Zv,eAX', (c, ins) => {
  const a = c.getReg(ins.size, 0);
  c.setReg(ins.size, 0, c.getReg(ins.size, ins.reg));
  c.setReg(ins.size, ins.reg, a);
});
def('xadd', ['Eb,Gb', 'Ev,Gv'], (c, ins) => {
  const size = ins.size;
  const src = c.getReg(size, ins.reg);
  if (ins.rm >= 0) {
    const d = c.getReg(size, ins.rm);
    const sum = alu(c, 0, d, src, size);
    c.setReg(size, ins.reg, d);
    c.setReg(size, ins.rm, sum);
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    const d = c.read(size, addr);
    const sum = alu(c, 0, d, src, size);
    c.write(size, addr, sum);
    c.setReg(size, ins.reg, d);
  }
});
def('cmpxchg', ['Eb,Gb', 'Ev,Gv'], (c, ins) => {
  const size = ins.size;
  const acc = c.getReg(size, 0);
  if (ins.rm >= 0) {
    const d = c.getReg(size, ins.rm);
    alu(c, 7, acc, d, size);
    if (acc === d) c.setReg(size, ins.rm, c.getReg(size, ins.reg));
    else c.setReg(size, 0, d);
  } else {
    const addr = ea(c, ins);
    c.probeWrite(addr, size);
    const d = c.read(size, addr);
    alu(c, 7, acc, d, size);
    if (acc === d) {
      c.write(size, addr, c.getReg(size, ins.reg));
    } else {
      c.write(size, addr, d); // the processor always writes the destination
      c.setReg(size, 0, d);
    }
  }
});
def('cmpxchg8b', 'Mq', (c, ins) => {
  const addr = ea(c, ins);
  c.probeWrite(addr, 8);
  const lo = c.read32(addr), hi = c.read32((addr + 4) | 0);
  c.materializeFlags();
  if (lo === c.regs[0] && hi === c.regs[2]) {
    c.write32(addr, c.regs[3]!);
    c.write32((addr + 4) | 0, c.regs[1]!);
    c.flagsBase |= Flag.ZF;
  } else {
    c.write32(addr, lo);
    c.write32((addr + 4) | 0, hi);
    c.regs[0] = lo;
    c.regs[2] = hi;
    c.flagsBase &= ~Flag.ZF;
  }
});
def('bswap', 'Zd', (c, ins) => {
  const v = c.regs[ins.reg]!;
  c.regs[ins.reg] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
});
def('cwde', '', (c) => (c.regs[0] = (c.regs[0]! << 16) >> 16));
def('cbw', '', (c) => c.setReg(2, 0, (c.regs[0]! << 24) >> 24));
def('cdq', '', (c) => (c.regs[2] = c.regs[0]! >> 31));
def('cwd', '', (c) => c.setReg(2, 2, (c.regs[0]! << 16) >> 31));
def('xlat', '', (c) => c.setReg8(0, c.read8((c.regs[3]! + (c.regs[0]! & 0xff)) | 0)));
def('nop', ['', 'Ev'], () => {});
def('pause', '', () => {});

// ------------------------------------------------------------------ stack

function push(c: Cpu, size: number, v: number): void {
  if (size === 4) c.push32(v);
  else c.push16(v);
}
function pop(c: Cpu, size: number): number {
  return size === 4 ? c.pop32() : c.pop16();
}
def('push', 'Zv', (c, ins) => {
  if (ins.size === 4) c.push32(c.regs[ins.reg]!);
  else c.push16(c.getReg(2, ins.reg));
});
def('push', ['Iz', 'Ibs'], (c, ins) => push(c, ins.size, ins.imm));
def('push', 'Ev', (c, ins) => push(c, ins.size, readE(c, ins, ins.size)));
def('pop', 'Zv', (c, ins) => {
  const sp = c.regs[4]!;
  if (ins.size === 4) {
    const v = c.read32(sp);
    c.regs[4] = (sp + 4) | 0;
    c.regs[ins.reg] = v;
    return;
  }
  const v = c.read(ins.size, sp);
  c.regs[4] = (sp + ins.size) | 0;
  c.setReg(ins.size, ins.reg, v);
});
def('pop', 'Ev', (c, ins) => {
  const sp = c.regs[4]!;
  const v = c.read(ins.size, sp);
  if (ins.rm >= 0) {
    c.regs[4] = (sp + ins.size) | 0;
    c.setReg(ins.size, ins.rm, v);
    return;
  }
  // The address is computed with ESP already incremented.
  c.regs[4] = (sp + ins.size) | 0;
  const addr = ea(c, ins);
  c.regs[4] = sp;
  c.write(ins.size, addr, v);
  c.regs[4] = (sp + ins.size) | 0;
});
def('pusha', '', (c, ins) => {
  const size = ins.size;
  const sp = c.regs[4]!;
  c.probeWrite((sp - 8 * size) | 0, 8 * size);
  for (let r = 0; r < 8; r++) push(c, size, r === 4 ? sp : c.getReg(size, r));
});
def('popa', '', (c, ins) => {
  const size = ins.size;
  const sp = c.regs[4]!;
  const vals: number[] = [];
  for (let i = 0; i < 8; i++) vals.push(c.read(size, (sp + i * size) | 0));
  for (let i = 0; i < 8; i++) if (7 - i !== 4) c.setReg(size, 7 - i, vals[i]!);
  c.regs[4] = (sp + 8 * size) | 0;
});
def('pushf', '', (c, ins) => push(c, ins.size, c.getEflags() & ~(Flag.VM | Flag.RF)));
def('popf', '', (c, ins) => {
  const v = pop(c, ins.size);
  const old = c.getEflags();
  let keep = 0x30000; // VM, RF never loaded by popf
  if (c.cpl > 0) keep |= Flag.IOPL | Flag.IF; // IOPL 0: ring 3 cannot change IF or IOPL
  let nv = (v & ~keep & WRITABLE_FLAGS) | (old & keep);
  if (ins.size === 2) nv = (old & 0xffff0000) | (nv & 0xffff);
  c.setEflags(nv);
});
def('enter', 'Iw,Ib', (c, ins) => {
  const size = ins.size;
  const level = ins.imm2 & 31;
  const ebp = c.regs[5]!;
  const sp = c.regs[4]!;
  c.probeWrite((sp - size * (level + 1) - ins.imm) | 0, size * (level + 1));
  push(c, size, ebp);
  const frame = c.regs[4]!;
  let bp = ebp;
  for (let i = 1; i < level; i++) {
    bp = (bp - size) | 0;
    push(c, size, c.read(size, bp));
  }
  if (level > 0) push(c, size, frame);
  c.setReg(size, 5, frame);
  c.regs[4] = (c.regs[4]! - ins.imm) | 0;
});
def('leave', '', (c, ins) => {
  const bp = c.regs[5]!;
  const v = c.read(ins.size, bp);
  c.regs[4] = (bp + ins.size) | 0;
  c.setReg(ins.size, 5, v);
});

// ------------------------------------------------------------------ control transfer

def('jcc', ['Jb', 'Jz'], (c, ins) => {
  if (c.cond(ins.cc)) c.eip = ins.target;
});
def('jmp', ['Jb', 'Jz'], (c, ins) => (c.eip = ins.target));
def('jmp', 'Ev', (c, ins) => (c.eip = ins.size === 4 ? readE(c, ins, 4) : readE(c, ins, 2)));
def('call', 'Jz', (c, ins) => {
  push(c, ins.size, c.eip);
  c.eip = ins.target;
});
def('call', 'Ev', (c, ins) => {
  const t = readE(c, ins, ins.size);
  push(c, ins.size, c.eip);
  c.eip = t;
});
def('ret', '', (c, ins) => {
  c.eip = pop(c, ins.size);
});
def('ret', 'Iw', (c, ins) => {
  const t = pop(c, ins.size);
  c.regs[4] = (c.regs[4]! + ins.imm) | 0;
  c.eip = t;
});
function loopHandler(kind: 0 | 1 | 2): Handler {
  return (c, ins) => {
    const cx = (c.regs[1]! - 1) | 0;
    c.regs[1] = cx;
    if (cx !== 0 && (kind === 0 || (kind === 1 ? c.zf() === 1 : c.zf() === 0))) c.eip = ins.target;
  };
}
def('loop', 'Jb', loopHandler(0));
def('loope', 'Jb', loopHandler(1));
def('loopne', 'Jb', loopHandler(2));
def('jecxz', 'Jb', (c, ins) => {
  if (c.regs[1] === 0) c.eip = ins.target;
});

def('int3', '', (c) => c.softwareInterrupt(Vector.BP));
def('int', 'Ib', (c, ins) => c.softwareInterrupt(ins.imm));
def('into', '', (c) => {
  if (c.of()) c.softwareInterrupt(Vector.OF);
});
def('iret', '', (c) => {
  requireRing0(c, 'iret');
  c.iret();
});
def('ud2', '', (c, ins) => c.invalidOpcode(ins));

// ------------------------------------------------------------------ flags

def('clc', '', (c) => c.setFlag(Flag.CF, false));
def('stc', '', (c) => c.setFlag(Flag.CF, true));
def('cmc', '', (c) => c.setFlag(Flag.CF, c.cf() === 0));
def('cld', '', (c) => (c.flagsBase &= ~Flag.DF));
def('std', '', (c) => (c.flagsBase |= Flag.DF));
def('sahf', '', (c) => {
  c.materializeFlags();
  const ah = (c.regs[0]! >> 8) & 0xd5;
  c.flagsBase = (c.flagsBase & ~0xd5) | ah;
});
def('lahf', '', (c) => {
  const f = c.getEflags();
  c.setReg8(4, (f & 0xd5) | 2);
});
def('cli', '', (c) => {
  requireIopl(c, 'cli');
  c.flagsBase &= ~Flag.IF;
});
def('sti', '', (c) => {
  requireIopl(c, 'sti');
  if ((c.flagsBase & Flag.IF) === 0) {
    c.flagsBase |= Flag.IF;
    c.shadowInterrupts();
  }
});

// ------------------------------------------------------------------ system

function requireRing0(c: Cpu, what: string): void {
  if (c.cpl !== 0) c.raise(Vector.GP, 0, `${what} at CPL ${c.cpl}`);
}
function requireIopl(c: Cpu, what: string): void {
  if (c.cpl > ((c.flagsBase >> 12) & 3)) c.raise(Vector.GP, 0, `${what} at CPL ${c.cpl} with IOPL ${(c.flagsBase >> 12) & 3}`);
}

def('hlt', '', (c) => {
  requireRing0(c, 'hlt');
  c.halted = true;
  c.attention = 1;
});
def('lgdt', 'M', (c, ins) => {
  requireRing0(c, 'lgdt');
  const a = ea(c, ins);
  const limit = c.read16(a);
  const base = c.read32((a + 2) | 0);
  c.gdtrLimit = limit;
  c.gdtrBase = ins.opsize16 ? base & 0xffffff : base;
});
def('lidt', 'M', (c, ins) => {
  requireRing0(c, 'lidt');
  const a = ea(c, ins);
  const limit = c.read16(a);
  const base = c.read32((a + 2) | 0);
  c.idtrLimit = limit;
  c.idtrBase = ins.opsize16 ? base & 0xffffff : base;
});
def('sgdt', 'M', (c, ins) => {
  const a = ea(c, ins);
  c.probeWrite(a, 6);
  c.write16(a, c.gdtrLimit);
  c.write32((a + 2) | 0, c.gdtrBase);
});
def('sidt', 'M', (c, ins) => {
  const a = ea(c, ins);
  c.probeWrite(a, 6);
  c.write16(a, c.idtrLimit);
  c.write32((a + 2) | 0, c.idtrBase);
});
def('invlpg', 'M', (c, ins) => {
  requireRing0(c, 'invlpg');
  c.invalidatePage(ea(c, ins));
});
def('clts', '', (c) => {
  requireRing0(c, 'clts');
  c.cr0 &= ~Cr0.TS;
});
def('invd', '', (c) => requireRing0(c, 'invd'));
def('wbinvd', '', (c) => requireRing0(c, 'wbinvd'));
def('mov', 'Rd,Cd', (c, ins) => {
  requireRing0(c, 'mov from CR');
  const v = ins.reg === 0 ? c.cr0 : ins.reg === 2 ? c.cr2 : ins.reg === 3 ? c.cr3 : ins.reg === 4 ? c.cr4 : undefined;
  if (v === undefined) return c.invalidOpcode(ins);
  c.regs[ins.rm] = v;
});
def('mov', 'Cd,Rd', (c, ins) => {
  requireRing0(c, 'mov to CR');
  const v = c.regs[ins.rm]!;
  switch (ins.reg) {
    case 0:
      if ((v & Cr0.PG) !== 0 && (v & Cr0.PE) === 0) c.raise(Vector.GP, 0, 'CR0.PG set without CR0.PE');
      c.setCr0(v);
      break;
    case 2:
      c.cr2 = v;
      break;
    case 3:
      c.setCr3(v);
      break;
    case 4:
      if ((v & ~0x7ff) !== 0) c.raise(Vector.GP, 0, `reserved CR4 bits 0x${(v >>> 0).toString(16)}`);
      c.setCr4(v);
      break;
    default:
      c.invalidOpcode(ins);
  }
});
def('rdtsc', '', (c, ins) => {
  // c.cycles is brought up to date at the end of a block: add what this block has run so far.
  const t = c.cycles + ins.cycBefore + c.extraCycles;
  c.regs[0] = t % 4294967296;
  c.regs[2] = Math.floor(t / 4294967296);
});

/** CPUID: a Pentium 4 1.7 GHz (Willamette, family 15 model 1 stepping 2). */
const BRAND = 'Intel(R) Pentium(R) 4 CPU 1.70GHz';
function str4(s: string, i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(i + k) || 0) << (8 * k);
  return v;
}
def('cpuid', '', (c) => {
  const leaf = c.regs[0]! >>> 0;
  let a = 0, b = 0, cx = 0, d = 0;
  if (leaf === 0) {
    a = 2;
    b = str4('Genu', 0);
    d = str4('ineI', 0);
    cx = str4('ntel', 0);
  } else if (leaf === 1) {
    a = 0x00000f12;
    b = 0x00010808;
    cx = 0;
    d = 0x3febfbff;
  } else if (leaf === 2) {
    a = 0x665b5001;
    d = 0x007a7040;
  } else if (leaf === 0x80000000) {
    a = 0x80000004;
  } else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
    const base = (leaf - 0x80000002) * 16;
    a = str4(BRAND, base);
    b = str4(BRAND, base + 4);
    cx = str4(BRAND, base + 8);
    d = str4(BRAND, base + 12);
  }
  c.regs[0] = a;
  c.regs[3] = b;
  c.regs[1] = cx;
  c.regs[2] = d;
});

def('hostcall', 'Iw', (c, ins) => {
  if (ins.imm === 0xffff) {
    c.returnToHost();
    return;
  }
  c.regs[0] = c.hooks.hostCall(ins.imm);
});

// ------------------------------------------------------------------ I/O

function ioAllowed(c: Cpu, what: string): void {
  requireIopl(c, what);
}
def('in', ['AL,Ib', 'eAX,Ib'], (c, ins) => {
  ioAllowed(c, 'in');
  c.setReg(ins.size, 0, c.portIn(ins.imm, ins.size as 1 | 2 | 4));
});
def('in', ['AL,DX', 'eAX,DX'], (c, ins) => {
  ioAllowed(c, 'in');
  c.setReg(ins.size, 0, c.portIn(c.regs[2]! & 0xffff, ins.size as 1 | 2 | 4));
});
def('out', ['Ib,AL', 'Ib,eAX'], (c, ins) => {
  ioAllowed(c, 'out');
  c.portOut(ins.imm, ins.size as 1 | 2 | 4, c.getReg(ins.size, 0));
});
def('out', ['DX,AL', 'DX,eAX'], (c, ins) => {
  ioAllowed(c, 'out');
  c.portOut(c.regs[2]! & 0xffff, ins.size as 1 | 2 | 4, c.getReg(ins.size, 0));
});

// ------------------------------------------------------------------ string instructions

/** Iterations a rep instruction runs before letting interrupts and budgets in (then it restarts). */
const REP_CHUNK = 4096;

type StringStep = (c: Cpu, size: number, delta: number) => void;

function stringHandler(step: StringStep, compares: boolean, io: boolean): Handler {
  return (c, ins) => {
    if (io) ioAllowed(c, 'ins/outs');
    const size = ins.size;
    const delta = (c.flagsBase & Flag.DF) !== 0 ? -size : size;
    if (ins.rep === 0) {
      step(c, size, delta);
      return;
    }
    let n = 0;
    while (c.regs[1] !== 0) {
      if (n === REP_CHUNK) {
        c.eip = ins.eip; // resume later: the instruction restarts with the remaining count
        break;
      }
      step(c, size, delta);
      c.regs[1] = (c.regs[1]! - 1) | 0;
      n++;
      if (compares) {
        const z = c.zf();
        if (ins.rep === 0xf3 ? z === 0 : z === 1) break;
      }
    }
    c.extraCycles += n * 1;
  };
}

const movsStep: StringStep = (c, size, delta) => {
  const v = c.read(size, c.regs[6]!);
  c.write(size, c.regs[7]!, v);
  c.regs[6] = (c.regs[6]! + delta) | 0;
  c.regs[7] = (c.regs[7]! + delta) | 0;
};
const stosStep: StringStep = (c, size, delta) => {
  c.write(size, c.regs[7]!, c.getReg(size, 0));
  c.regs[7] = (c.regs[7]! + delta) | 0;
};
const lodsStep: StringStep = (c, size, delta) => {
  c.setReg(size, 0, c.read(size, c.regs[6]!));
  c.regs[6] = (c.regs[6]! + delta) | 0;
};
const cmpsStep: StringStep = (c, size, delta) => {
  const a = c.read(size, c.regs[6]!);
  const b = c.read(size, c.regs[7]!);
  alu(c, 7, a, b, size);
  c.regs[6] = (c.regs[6]! + delta) | 0;
  c.regs[7] = (c.regs[7]! + delta) | 0;
};
const scasStep: StringStep = (c, size, delta) => {
  const b = c.read(size, c.regs[7]!);
  alu(c, 7, c.getReg(size, 0), b, size);
  c.regs[7] = (c.regs[7]! + delta) | 0;
};
const insStep: StringStep = (c, size, delta) => {
  c.probeWrite(c.regs[7]!, size);
  c.write(size, c.regs[7]!, c.portIn(c.regs[2]! & 0xffff, size as 1 | 2 | 4));
  c.regs[7] = (c.regs[7]! + delta) | 0;
};
const outsStep: StringStep = (c, size, delta) => {
  c.portOut(c.regs[2]! & 0xffff, size as 1 | 2 | 4, c.read(size, c.regs[6]!));
  c.regs[6] = (c.regs[6]! + delta) | 0;
};

def('movs', ['Yb,Xb', 'Yv,Xv'], stringHandler(movsStep, false, false));
def('stos', ['Yb,AL', 'Yv,eAX'], stringHandler(stosStep, false, false));
def('lods', ['AL,Xb', 'eAX,Xv'], stringHandler(lodsStep, false, false));
def('cmps', ['Xb,Yb', 'Xv,Yv'], stringHandler(cmpsStep, true, false));
def('scas', ['AL,Yb', 'eAX,Yv'], stringHandler(scasStep, true, false));
def('ins', ['Yb,DX', 'Yv,DX'], stringHandler(insStep, false, true));
def('outs', ['DX,Xb', 'DX,Xv'], stringHandler(outsStep, false, true));

export { alu, ea };
