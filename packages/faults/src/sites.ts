// Fault sites: every instruction is classified for the fault types it admits, and each site
// knows how to make its fault (a patch over the instruction's bytes) from the PRNG. Patches
// are `after = (before & keep) ^ xor` byte by byte, so a bit flip stays a bit flip and a
// replacement stays a replacement whatever the load address did to relocated bytes.

import { CONDITION_NAMES } from '@nooks/x86';
import { info, isRelativeCall } from './code-scan.js';
import type { CodeScan, ScannedFunction, ScannedInstr } from './code-scan.js';
import { ALLOC_FUNCTIONS, COPY_FUNCTIONS, FAULT_TYPES, FREE_FUNCTIONS, SYNC_FUNCTIONS, SYNC_RETURNS_ZERO } from './fault-types.js';
import type { FaultType } from './fault-types.js';
import { nopFill } from './nops.js';
import { destinationField, opcodeIndex, prefixLength, sourceFields } from './operands.js';
import type { RegisterField } from './operands.js';
import type { Prng } from './prng.js';

export interface Mutation {
  readonly keep: readonly number[];
  readonly xor: readonly number[];
  readonly note: string;
}

export interface Site {
  readonly type: FaultType;
  /** The instruction the fault rewrites (only its bytes change). */
  readonly at: ScannedInstr;
  mutate(rng: Prng): Mutation;
}

class Patch {
  readonly keep: number[];
  readonly xor: number[];
  constructor(length: number) {
    this.keep = new Array<number>(length).fill(0xff);
    this.xor = new Array<number>(length).fill(0);
  }
  flip(i: number, mask: number): this {
    this.xor[i] = ((this.xor[i] as number) ^ mask) & 0xff;
    return this;
  }
  set(i: number, value: number): this {
    this.keep[i] = 0;
    this.xor[i] = value & 0xff;
    return this;
  }
  replace(bytes: readonly number[]): this {
    bytes.forEach((b, i) => this.set(i, b));
    return this;
  }
  /** Little-endian value of `width` bytes at i. */
  setValue(i: number, width: number, value: number): this {
    for (let k = 0; k < width; k++) this.set(i + k, Number((BigInt.asUintN(32, BigInt(value)) >> BigInt(8 * k)) & 0xffn));
    return this;
  }
  done(note: string): Mutation {
    return { keep: this.keep, xor: this.xor, note };
  }
}

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const ESP = 4;
const EBP = 5;

function regName(n: number, size = 4): string {
  return `%${(size === 1 ? REG8 : size === 2 ? REG16 : REG32)[n] as string}`;
}

function hex(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** A register other than `current` and %esp (or %ah): writing the stack pointer is not the fault being modelled. */
function otherRegister(rng: Prng, current: number, exclude: readonly number[] = []): number {
  const choices = [0, 1, 2, 3, 5, 6, 7].filter((r) => r !== current && !exclude.includes(r));
  return rng.pick(choices);
}

function changeRegister(patch: Patch, f: RegisterField, to: number): Patch {
  return patch.flip(f.byte, ((f.value ^ to) & 7) << f.shift);
}

/** Alignment padding gcc leaves inside functions: nops, `lea 0x0(%reg),%reg`, `mov %reg,%reg`. */
export function isPadding(s: ScannedInstr): boolean {
  const ins = s.ins;
  const i = info(ins);
  if (i.klass === 'nop') return true;
  if (i.name === 'lea') return ins.base === ins.reg && ins.index === -1 && ins.disp === 0 && !ins.opsize16;
  if ((ins.opcode === 0x89 || ins.opcode === 0x8b) && ins.rm >= 0) return ins.rm === ins.reg && !ins.opsize16;
  return false;
}

function nameOf(s: ScannedInstr): string {
  return info(s.ins).name;
}

function isControlTransfer(s: ScannedInstr): boolean {
  const k = info(s.ins).klass;
  return k === 'branch' || k === 'call' || k === 'ret' || (k === 'system' && nameOf(s) === 'iret');
}

/** A store to a memory operand by mov (88/89/C6/C7), 4 bytes unless byteSized. */
function isMovStore(s: ScannedInstr): boolean {
  const op = s.ins.opcode;
  return (op === 0x88 || op === 0x89 || op === 0xc6 || op === 0xc7) && s.ins.rm === -1;
}

function relativeBranch(s: ScannedInstr): boolean {
  const ops = info(s.ins).operands;
  return ops.length === 1 && (ops[0] === 'Jb' || ops[0] === 'Jz');
}

function immediateWidth(s: ScannedInstr): number {
  return s.ins.immOffset >= 0 ? s.ins.len - s.ins.immOffset : 0;
}

function fitsSigned(value: number, width: number): boolean {
  if (width >= 4) return value >= -0x8000_0000 && value <= 0xffff_ffff;
  const lim = 1 << (8 * width - 1);
  return value >= -lim && value < lim;
}

/** Does the instruction certainly not write register `reg` (32-bit numbering)? Conservative. */
function leavesRegister(s: ScannedInstr, reg: number): boolean {
  const i = info(s.ins);
  if (i.klass === 'nop') return true;
  if (!['mov', 'lea', 'alu', 'shift', 'setcc', 'cmov', 'stack'].includes(i.klass)) return false;
  if (i.operands.length === 0) return false; // cdq, cwde, leave, pusha...: implicit registers
  if (i.name === 'push') return reg !== ESP;
  if (i.klass === 'stack') return false;
  if (['cmp', 'test', 'bt'].includes(i.name)) return true;
  if (['mul', 'imul', 'div', 'idiv'].includes(i.name) && i.operands.length === 1) return false;
  const first = i.operands[0] as string;
  if (first[0] === 'E' && s.ins.rm === -1) return true; // writes memory
  const d = destinationField(s.ins, s.bytes);
  if (!d) return false;
  const r = d.size === 1 ? d.value & 3 : d.value;
  return r !== reg;
}

/** Does the instruction change %esp other than by push? */
function movesStack(s: ScannedInstr): boolean {
  const i = info(s.ins);
  if (i.klass === 'stack' && i.name !== 'push') return true;
  const d = destinationField(s.ins, s.bytes);
  return d !== undefined && d.size === 4 && d.value === ESP;
}

export interface ArgumentStore {
  readonly at: ScannedInstr;
  /** 0-based argument index (cdecl). */
  readonly arg: number;
}

/**
 * The instructions that store the arguments of a call, found by walking back through its basic
 * block: gcc -O2 stores them with `mov ..., d(%esp)` into a preallocated area, older code
 * pushes them. The nearest store to each argument slot wins.
 */
export function argumentStores(call: ScannedInstr): Map<number, ArgumentStore> {
  const out = new Map<number, ArgumentStore>();
  const instrs = call.fn.instrs;
  let pushes = 0;
  for (let i = call.index - 1; i >= 0 && i >= call.index - 16; i--) {
    const s = instrs[i] as ScannedInstr;
    if (isControlTransfer(s)) break;
    if (nameOf(s) === 'push') {
      const arg = pushes++;
      if (!out.has(arg)) out.set(arg, { at: s, arg });
    } else if (movesStack(s)) {
      break;
    } else if (isMovStore(s) && s.ins.base === ESP && s.ins.index === -1 && s.ins.disp >= 0 && s.ins.disp % 4 === 0 && s.ins.disp < 0x40 && s.ins.size === 4) {
      const arg = pushes + s.ins.disp / 4;
      if (!out.has(arg)) out.set(arg, { at: s, arg });
    }
    if (s.fn.branchTargets.has(s.address)) break;
  }
  return out;
}

/** The `mov $imm32, %reg` that sets reg for `use`, with nothing writing reg in between. */
function immediateDefinition(use: ScannedInstr, reg: number): ScannedInstr | undefined {
  const instrs = use.fn.instrs;
  if (use.fn.branchTargets.has(use.address)) return undefined;
  for (let i = use.index - 1; i >= 0 && i >= use.index - 12; i--) {
    const s = instrs[i] as ScannedInstr;
    if (isControlTransfer(s)) return undefined;
    if (s.bytes.length === 5 && s.bytes[0] === 0xb8 + reg) return s;
    if (!leavesRegister(s, reg)) return undefined;
    if (s.fn.branchTargets.has(s.address)) return undefined;
  }
  return undefined;
}

/** How much longer a copy gets: mostly one word, sometimes a few words, sometimes pages. */
function overrun(rng: Prng): { bytes: number; label: string } {
  const r = rng.next();
  if (r < 0.7) return { bytes: 4, label: '+1 word' };
  if (r < 0.9) {
    const k = rng.between(2, 16);
    return { bytes: 4 * k, label: `+${k} words` };
  }
  const p = rng.between(1, 2);
  return { bytes: 4096 * p, label: `+${p} page${p > 1 ? 's' : ''}` };
}

/** A site that makes `imm` of instruction `at` larger, in units of `unit` bytes. */
function lengthSite(at: ScannedInstr, unit: number, what: string): Site | undefined {
  const width = immediateWidth(at);
  if (width !== 1 && width !== 4) return undefined;
  const value = at.ins.imm;
  if (!fitsSigned(value + Math.ceil(4 / unit), width)) return undefined;
  return {
    type: 'copy-overrun',
    at,
    mutate(rng) {
      const o = overrun(rng);
      let add = Math.max(1, Math.ceil(o.bytes / unit));
      let label = o.label;
      if (!fitsSigned(value + add, width)) {
        add = Math.ceil(4 / unit);
        label = '+1 word';
      }
      return new Patch(at.bytes.length).setValue(at.ins.immOffset, width, value + add).done(`${what} ${hex(value)} -> ${hex(value + add)} (${label})`);
    },
  };
}

function copyOverrunSites(scan: CodeScan, fn: ScannedFunction, out: Site[]): void {
  for (const s of fn.instrs) {
    // rep movs / rep stos: the count loaded into %ecx.
    if ((nameOf(s) === 'movs' || nameOf(s) === 'stos') && s.ins.rep !== 0) {
      const def = immediateDefinition(s, 1);
      const site = def && lengthSite(def, s.ins.size, `rep ${nameOf(s)}${s.ins.size === 1 ? 'b' : s.ins.size === 2 ? 'w' : 'l'} count`);
      if (site) out.push(site);
      continue;
    }
    if (!isRelativeCall(s)) continue;
    const callee = scan.callee(s);
    const lengthArg = callee && COPY_FUNCTIONS.get(callee.name);
    if (lengthArg === undefined) continue;
    const store = argumentStores(s).get(lengthArg);
    if (!store) continue;
    const st = store.at;
    const label = `${callee!.name} length`;
    if ((st.ins.opcode === 0xc7 && st.ins.rm === -1) || st.ins.opcode === 0x68 || st.ins.opcode === 0x6a) {
      if (scan.relocatedBytes(st.address, st.bytes.length).length > 0) continue;
      const site = lengthSite(st, 1, label);
      if (site) out.push(site);
    } else if (st.ins.opcode === 0x89 || (st.ins.opcode >= 0x50 && st.ins.opcode <= 0x57)) {
      const reg = st.ins.opcode === 0x89 ? st.ins.reg : st.ins.opcode - 0x50;
      const def = immediateDefinition(st, reg);
      if (def && scan.relocatedBytes(def.address, def.bytes.length).length === 0) {
        const site = lengthSite(def, 1, label);
        if (site) out.push(site);
      }
    }
  }
}

function callSites(scan: CodeScan, fn: ScannedFunction, sites: Map<FaultType, Site[]>): void {
  for (const s of fn.instrs) {
    if (!isRelativeCall(s)) continue;
    const callee = scan.callee(s);
    if (!callee) continue;
    const name = callee.name;
    if (SYNC_FUNCTIONS.has(name)) {
      sites.get('sync')!.push({
        type: 'sync',
        at: s,
        mutate() {
          const p = new Patch(5);
          if (name === 'spin_lock_irqsave') {
            // pushf; pop %eax: the caller still gets flags to restore, but no lock is taken and
            // interrupts stay as they were.
            return p.replace([0x9c, 0x58, ...nopFill(3)]).done(`call to ${name} dropped (pushf; pop %eax keeps the saved flags)`);
          }
          if (SYNC_RETURNS_ZERO.has(name)) return p.replace([0x31, 0xc0, ...nopFill(3)]).done(`call to ${name} dropped (returns 0, "acquired")`);
          return p.replace(nopFill(5)).done(`call to ${name} dropped`);
        },
      });
    }
    if (ALLOC_FUNCTIONS.has(name)) {
      sites.get('alloc')!.push({
        type: 'alloc',
        at: s,
        mutate: () => new Patch(5).replace([0x31, 0xc0, ...nopFill(3)]).done(`${name} fails: returns NULL`),
      });
    }
    if (FREE_FUNCTIONS.has(name)) {
      sites.get('memory-leak')!.push({ type: 'memory-leak', at: s, mutate: () => new Patch(5).replace(nopFill(5)).done(`call to ${name} dropped (leak)`) });
    }
    if (callee.external) {
      for (const store of argumentStores(s).values()) {
        const site = interfaceSite(store, name);
        if (site) sites.get('interface')!.push(site);
      }
    }
  }
}

function interfaceSite(store: ArgumentStore, callee: string): Site | undefined {
  const st = store.at;
  const what = `argument ${store.arg + 1} of ${callee}`;
  const op = st.ins.opcode;
  const width = immediateWidth(st);
  if (((op === 0xc7 || op === 0xc6) && st.ins.rm === -1) || op === 0x68 || op === 0x6a) {
    if (width < 1) return undefined;
    return {
      type: 'interface',
      at: st,
      mutate(rng) {
        const old = st.ins.imm;
        const zero = old !== 0 && rng.below(2) === 0;
        let wild = width === 1 ? rng.between(1, 255) : rng.nextU32() | 0;
        if (width === 1 && wild === (old & 0xff)) wild ^= 0x80;
        if (width === 4 && wild === old) wild = ~wild;
        const value = zero ? 0 : wild;
        const shown = width === 1 && op === 0x6a ? (value << 24) >> 24 : width === 1 ? value & 0xff : value >>> 0;
        return new Patch(st.bytes.length).setValue(st.ins.immOffset, width, value).done(`${what}: $${hex(width === 1 ? (op === 0x6a ? old : old & 0xff) : old >>> 0)} -> $${hex(shown)}${zero ? ' (zero)' : ' (wild value)'}`);
      },
    };
  }
  if ((op === 0x89 || op === 0x88) && st.ins.rm === -1) {
    // The paper's "drop an argument load": the slot keeps whatever it held before.
    return { type: 'interface', at: st, mutate: () => new Patch(st.bytes.length).replace(nopFill(st.bytes.length)).done(`${what} not stored (${regName(st.ins.reg, st.ins.size)} dropped; the slot keeps a stale value)`) };
  }
  if (op >= 0x50 && op <= 0x57 && st.bytes.length === 1) {
    return {
      type: 'interface',
      at: st,
      mutate(rng) {
        const to = otherRegister(rng, op - 0x50);
        return new Patch(1).flip(0, (op - 0x50) ^ to).done(`${what}: pushes ${regName(to)} instead of ${regName(op - 0x50)}`);
      },
    };
  }
  return undefined;
}

function registerSite(type: 'source-register' | 'destination-register', s: ScannedInstr, fields: RegisterField[]): Site {
  return {
    type,
    at: s,
    mutate(rng) {
      const f = rng.pick(fields);
      const to = otherRegister(rng, f.value);
      return changeRegister(new Patch(s.bytes.length), f, to).done(`${type === 'source-register' ? 'source' : 'destination'} ${regName(f.value, f.size)} -> ${regName(to, f.size)}`);
    },
  };
}

function pointerSite(s: ScannedInstr): Site | undefined {
  const ins = s.ins;
  const moffs = ins.opcode >= 0xa0 && ins.opcode <= 0xa3;
  if (!(ins.rm === -1 && (ins.modrmOffset >= 0 || moffs))) return undefined;
  const choices: ('base' | 'disp')[] = [];
  let baseByte = -1;
  if (!moffs && ins.base >= 0) {
    const sib = ((s.bytes[ins.modrmOffset] as number) & 7) === 4;
    baseByte = sib ? ins.modrmOffset + 1 : ins.modrmOffset;
    choices.push('base');
  }
  if (ins.dispOffset >= 0) choices.push('disp');
  if (choices.length === 0) return undefined;
  return {
    type: 'pointer',
    at: s,
    mutate(rng) {
      const how = rng.pick(choices);
      const p = new Patch(s.bytes.length);
      if (how === 'base') {
        // rm/base 4 selects a SIB byte and 5 with mod 0 means "no base": both would change the length.
        const to = otherRegister(rng, ins.base, ins.mod === 0 ? [EBP] : []);
        return p.flip(baseByte, (ins.base ^ to) & 7).done(`address base ${regName(ins.base)} -> ${regName(to)}`);
      }
      const bit = rng.between(2, 7);
      const width = moffs || ins.mod === 0 || ins.mod === 2 ? 4 : 1;
      const flipped = width === 1 ? (((ins.disp ^ (1 << bit)) << 24) >> 24) : ins.disp ^ (1 << bit);
      return p.flip(ins.dispOffset, 1 << bit).done(`address displacement ${hex(width === 4 ? ins.disp >>> 0 : ins.disp)} -> ${hex(width === 4 ? flipped >>> 0 : flipped)}`);
    },
  };
}

function loopSite(s: ScannedInstr): Site | undefined {
  const name = nameOf(s);
  if (name === 'jcc' && (s.ins.target >>> 0) < s.address && (s.ins.target >>> 0) >= s.fn.address) {
    const i = opcodeIndex(s.ins, s.bytes);
    return { type: 'loop', at: s, mutate: () => new Patch(s.bytes.length).flip(i, 1).done(`loop-closing j${CONDITION_NAMES[s.ins.cc] as string} inverted to j${CONDITION_NAMES[s.ins.cc ^ 1] as string}`) };
  }
  if ((name === 'cmps' || name === 'scas') && s.ins.rep !== 0) {
    const i = s.bytes.subarray(0, prefixLength(s.bytes)).findIndex((b) => b === 0xf2 || b === 0xf3);
    if (i < 0) return undefined;
    const from = s.bytes[i] === 0xf3 ? 'repz' : 'repnz';
    const to = from === 'repz' ? 'repnz' : 'repz';
    return { type: 'loop', at: s, mutate: () => new Patch(s.bytes.length).flip(i, 0x01).done(`${from} ${name} -> ${to} ${name}`) };
  }
  if (name === 'loope' || name === 'loopne') {
    const i = opcodeIndex(s.ins, s.bytes);
    return { type: 'loop', at: s, mutate: () => new Patch(s.bytes.length).flip(i, 1).done(`${name} -> ${name === 'loope' ? 'loopne' : 'loope'}`) };
  }
  return undefined;
}

function initSites(fn: ScannedFunction, out: Site[]): void {
  const argStores = new Set<number>();
  for (const s of fn.instrs) if (isRelativeCall(s) || info(s.ins).klass === 'call') for (const a of argumentStores(s).values()) argStores.add(a.at.address);
  const seen = new Set<string>();
  for (const s of fn.instrs) {
    if (!isMovStore(s) || s.ins.index !== -1) continue;
    let slot: string | undefined;
    if (s.ins.base === EBP && s.ins.disp < 0) slot = `${hex(s.ins.disp)}(%ebp)`;
    else if (s.ins.base === ESP && !fn.framePointer && !argStores.has(s.address)) slot = `${hex(s.ins.disp)}(%esp)`;
    if (slot === undefined || seen.has(slot)) continue;
    seen.add(slot);
    const local = slot;
    out.push({ type: 'init', at: s, mutate: () => new Patch(s.bytes.length).replace(nopFill(s.bytes.length)).done(`initialising store to local ${local} dropped`) });
  }
}

/** Every site of every type in the scanned image, in address order within each type. */
export function findSites(scan: CodeScan): Map<FaultType, Site[]> {
  const sites = new Map<FaultType, Site[]>(FAULT_TYPES.map((t) => [t, []]));
  const add = (site: Site | undefined): void => {
    if (site) sites.get(site.type)!.push(site);
  };
  for (const fn of scan.functions) {
    for (const s of fn.instrs) {
      const i = info(s.ins);
      if (isPadding(s)) continue;
      add({
        type: 'text-bitflip',
        at: s,
        mutate(rng) {
          const bit = rng.below(s.bytes.length * 8);
          return new Patch(s.bytes.length).flip(bit >> 3, 1 << (bit & 7)).done(`bit ${bit & 7} of byte ${bit >> 3} flipped`);
        },
      });
      add({ type: 'delete-instruction', at: s, mutate: () => new Patch(s.bytes.length).replace(nopFill(s.bytes.length)).done(`${i.name === 'jcc' ? 'jcc' : i.name} deleted`) });
      const dest = destinationField(s.ins, s.bytes);
      if (dest) add(registerSite('destination-register', s, [dest]));
      const srcs = sourceFields(s.ins, s.bytes);
      if (srcs.length > 0) add(registerSite('source-register', s, srcs));
      if ((i.name === 'jcc' || i.name === 'jmp') && relativeBranch(s)) {
        const target = scan.symbolize(s.ins.target >>> 0) ?? hex(s.ins.target >>> 0);
        add({ type: 'delete-branch', at: s, mutate: () => new Patch(s.bytes.length).replace(nopFill(s.bytes.length)).done(`${i.name === 'jcc' ? `j${CONDITION_NAMES[s.ins.cc] as string}` : 'jmp'} to ${target} deleted`) });
      }
      if (i.name === 'jcc') {
        const at = opcodeIndex(s.ins, s.bytes);
        add({ type: 'invert-branch', at: s, mutate: () => new Patch(s.bytes.length).flip(at, 1).done(`j${CONDITION_NAMES[s.ins.cc] as string} -> j${CONDITION_NAMES[s.ins.cc ^ 1] as string}`) });
      }
      add(pointerSite(s));
      add(loopSite(s));
    }
    initSites(fn, sites.get('init')!);
    copyOverrunSites(scan, fn, sites.get('copy-overrun')!);
    callSites(scan, fn, sites);
  }
  return sites;
}
