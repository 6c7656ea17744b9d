// Decodes every function of the image's executable sections by a linear sweep from its symbol
// (gcc puts no data in .text), and records what the site finders need: each instruction with
// its bytes, the branch targets of its function, and the callee of each `call rel32`.

import { OPS, OP_INVALID, OP_X87, decodeBytes } from '@nooks/x86';
import type { Instr, OpInfo } from '@nooks/x86';
import { relocationIndex } from './target.js';
import type { CodeReader, FaultImage, FaultSection, FaultSymbol, RelocatedField } from './target.js';

export interface ScannedInstr {
  /** Address of the first byte (unsigned; ins.eip is the same as an int32). */
  readonly address: number;
  readonly ins: Instr;
  readonly bytes: Uint8Array;
  readonly fn: ScannedFunction;
  /** Index in fn.instrs. */
  readonly index: number;
}

export interface ScannedFunction {
  readonly name: string;
  readonly address: number;
  readonly end: number;
  readonly instrs: ScannedInstr[];
  /** Targets of the function's relative branches that lie inside it (basic-block starts). */
  readonly branchTargets: Set<number>;
  /** The prologue sets up %ebp as frame pointer (push %ebp; mov %esp,%ebp). */
  readonly framePointer: boolean;
}

export interface Callee {
  readonly name: string;
  /** Imported from the kernel (undefined in the object, or a target outside the image). */
  readonly external: boolean;
}

export interface CodeScan {
  readonly image: FaultImage;
  readonly functions: readonly ScannedFunction[];
  readonly relocations: ReadonlyMap<number, RelocatedField>;
  /** The function a `call rel32` calls, if it can be named. */
  callee(at: ScannedInstr): Callee | undefined;
  /** Byte indices of the instruction that the loader relocates (they depend on the load address). */
  relocatedBytes(address: number, length: number): number[];
  /** `fn` or `fn+0x12` for an address inside a function of the image. */
  symbolize(address: number): string | undefined;
}

export function info(ins: Instr): OpInfo {
  return OPS[ins.op] as OpInfo;
}

export function isRelativeCall(s: ScannedInstr): boolean {
  return s.ins.opcode === 0xe8 && s.ins.len === 5 && s.bytes[0] === 0xe8;
}

export function scanImage(image: FaultImage, memory: CodeReader): CodeScan {
  const relocations = relocationIndex(image);
  const functions: ScannedFunction[] = [];
  const execs = image.sections.filter((s) => s.executable && s.size > 0);
  for (const sec of execs) {
    const code = memory.read(sec.address, sec.size);
    const syms = image.symbols
      .filter((s) => s.kind === 'function' && s.address >= sec.address && s.address < sec.address + sec.size)
      .sort((a, b) => a.address - b.address || a.name.localeCompare(b.name));
    const starts: FaultSymbol[] = [];
    for (const s of syms) if (starts.length === 0 || (starts[starts.length - 1] as FaultSymbol).address !== s.address) starts.push(s);
    for (const [i, sym] of starts.entries()) {
      const next = starts[i + 1]?.address ?? sec.address + sec.size;
      const end = sym.size > 0 ? Math.min(sym.address + sym.size, next) : next;
      functions.push(sweep(sym, end, sec, code));
    }
  }
  const fnAt = (address: number): ScannedFunction | undefined => functions.find((f) => address >= f.address && address < f.end);
  const symbolize = (address: number): string | undefined => {
    const f = fnAt(address >>> 0);
    if (!f) return undefined;
    const off = (address >>> 0) - f.address;
    return off === 0 ? f.name : `${f.name}+0x${off.toString(16)}`;
  };
  const inImage = (a: number): boolean => image.sections.some((s) => a >= s.address && a < s.address + Math.max(s.size, 1));
  return {
    image,
    functions,
    relocations,
    symbolize,
    callee(at) {
      if (!isRelativeCall(at)) return undefined;
      const rel = relocations.get((at.address + 1) >>> 0);
      if (rel) return { name: rel.symbol, external: rel.external };
      const target = at.ins.target >>> 0;
      if (inImage(target)) {
        const f = fnAt(target);
        return f && f.address === target ? { name: f.name, external: false } : undefined;
      }
      const name = image.resolveCallTarget?.(target);
      return name === undefined ? undefined : { name, external: true };
    },
    relocatedBytes(address, length) {
      const out: number[] = [];
      for (let i = 0; i < length; i++) {
        const a = address + i;
        for (let k = 0; k < 4; k++) {
          if (relocations.has((a - k) >>> 0)) {
            out.push(i);
            break;
          }
        }
      }
      return out;
    },
  };
}

function sweep(sym: FaultSymbol, end: number, sec: FaultSection, code: Uint8Array): ScannedFunction {
  const fn: ScannedFunction & { framePointer: boolean } = { name: sym.name, address: sym.address, end, instrs: [], branchTargets: new Set(), framePointer: false };
  let at = sym.address;
  while (at < end) {
    const off = at - sec.address;
    const ins = decodeBytes(code, off, at | 0);
    const op = OPS[ins.op];
    // An undecodable byte ends the sweep of this function: nothing after it can be trusted.
    if (op === OP_INVALID || op === OP_X87 || at + ins.len > end) break;
    fn.instrs.push({ address: at >>> 0, ins, bytes: code.slice(off, off + ins.len), fn, index: fn.instrs.length });
    at += ins.len;
  }
  for (const s of fn.instrs) {
    const name = info(s.ins).name;
    const rel = info(s.ins).operands[0];
    if ((name === 'jcc' || name === 'jmp' || name.startsWith('loop') || name === 'jecxz') && (rel === 'Jb' || rel === 'Jz')) {
      const t = s.ins.target >>> 0;
      if (t >= fn.address && t < fn.end) fn.branchTargets.add(t);
    }
  }
  // gcc may schedule an instruction or two between push %ebp and mov %esp,%ebp.
  fn.framePointer = fn.instrs[0]?.bytes[0] === 0x55 && fn.instrs.slice(1, 5).some((s) => s.bytes.length === 2 && s.bytes[0] === 0x89 && s.bytes[1] === 0xe5);
  return fn;
}
