// Register fields of an instruction, for the register faults: where in the bytes the register
// number sits (ModRM.reg, ModRM.rm with mod = 3, or the low bits of the opcode) and whether
// the instruction writes or only reads it.

import { OPS } from '@nooks/x86';
import type { Instr, OpInfo } from '@nooks/x86';

export interface RegisterField {
  /** Byte index within the instruction. */
  readonly byte: number;
  /** Bit position of the 3-bit field in that byte. */
  readonly shift: number;
  /** Current register number (0..7). */
  readonly value: number;
  /** Operand size in bytes (1 = al..bh numbering). */
  readonly size: number;
}

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** Number of prefix bytes before the opcode. */
export function prefixLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && PREFIXES.has(bytes[i] as number)) i++;
  return i;
}

/** Index of the (last) opcode byte: after the prefixes and the 0F escape. */
export function opcodeIndex(ins: Instr, bytes: Uint8Array): number {
  return prefixLength(bytes) + (ins.opcode > 0xff ? 1 : 0);
}

/** Operations whose first operand is read, not written. */
const READS_FIRST = new Set(['cmp', 'test', 'bt', 'push', 'call', 'jmp', 'nop']);
/** Single-operand operations whose operand is a source (the destination is implicit EAX/EDX). */
const IMPLICIT_DEST = new Set(['mul', 'imul', 'div', 'idiv']);

function operandSize(spec: string, ins: Instr): number {
  const c = spec[spec.length - 1];
  if (c === 'b') return 1;
  if (c === 'w') return 2;
  if (c === 'd') return 4;
  return ins.opsize16 ? 2 : 4;
}

function fieldOf(spec: string, ins: Instr, bytes: Uint8Array): RegisterField | undefined {
  const kind = spec[0];
  if (kind === 'G' && ins.modrmOffset >= 0) return { byte: ins.modrmOffset, shift: 3, value: ins.reg, size: operandSize(spec, ins) };
  if (kind === 'E' && ins.rm >= 0 && ins.modrmOffset >= 0) return { byte: ins.modrmOffset, shift: 0, value: ins.rm, size: operandSize(spec, ins) };
  if (kind === 'Z') return { byte: opcodeIndex(ins, bytes), shift: 0, value: ins.reg, size: operandSize(spec, ins) };
  return undefined;
}

function usable(info: OpInfo): boolean {
  if (info.klass === 'system' || info.klass === 'invalid' || info.klass === 'hostcall' || info.klass === 'branch' || info.klass === 'call') return false;
  return !info.operands.some((s) => /^[SCR]/.test(s));
}

/** The register the instruction writes through an encoded field, if any. */
export function destinationField(ins: Instr, bytes: Uint8Array): RegisterField | undefined {
  const info = OPS[ins.op] as OpInfo;
  if (!usable(info) || info.operands.length === 0) return undefined;
  if (READS_FIRST.has(info.name)) return undefined;
  if (IMPLICIT_DEST.has(info.name) && info.operands.length === 1) return undefined;
  return fieldOf(info.operands[0] as string, ins, bytes);
}

/** The registers the instruction only reads through encoded fields (not address registers). */
export function sourceFields(ins: Instr, bytes: Uint8Array): RegisterField[] {
  const info = OPS[ins.op] as OpInfo;
  if (!usable(info)) return [];
  const out: RegisterField[] = [];
  const ops = info.operands;
  const firstIsSource = READS_FIRST.has(info.name) || (IMPLICIT_DEST.has(info.name) && ops.length === 1);
  for (let i = firstIsSource ? 0 : 1; i < ops.length; i++) {
    const f = fieldOf(ops[i] as string, ins, bytes);
    if (f) out.push(f);
  }
  return out;
}
