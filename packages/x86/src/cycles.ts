// The cycle model: every cost the simulated processor charges, in one table. Simulated time is
// cycles / CLOCK_HZ and is the clock of the whole simulation.
//
// Sources (Pentium 4, NetBurst, family 15 model 1-2, the 1.7 GHz part of the Nooks paper):
//  [IOM]  Intel, "IA-32 Intel Architecture Optimization Reference Manual" (order 248966),
//         appendix C, latency and throughput of IA-32 instructions on family 0F processors.
//  [AF]   A. Fog, "Instruction tables", Pentium 4 (Northwood) section.
//  [NB]   Hinton et al., "The Microarchitecture of the Pentium 4 Processor", Intel Technology
//         Journal Q1 2001: L1 data 2 cycles, L2 7 cycles (core clocks, integer loads).
// The costs are whole cycles per instruction, not a pipeline simulation: a double-pumped ALU
// op is charged 1 (its issue slot in the trace-cache-limited front end, ~1 op/cycle sustained
// on integer code), not its 0.5-cycle latency.

import type { OpClass } from './decoder.js';

export const CLOCK_HZ = 1_700_000_000;

export const CYCLES = {
  /** Simple integer op (add, mov, lea, test, setcc, cmov...) [IOM: latency 0.5-1, issue ~1]. */
  alu: 1,
  /** Extra for each memory operand read: L1 hit latency 2 [NB], partly overlapped. */
  memRead: 1,
  /** Extra for each memory operand written (store buffer; no stall). */
  memWrite: 1,
  /** Shifts and rotates: 4-cycle latency on Northwood's ALU [AF]. */
  shift: 4,
  /** imul r32: 14 cycles latency [IOM]; mul similar. */
  mul: 14,
  /** div/idiv r32: 56-70 cycles latency [IOM]; we charge 66. */
  div: 66,
  /** bsf/bsr: 8 [AF]; bt/bts/btr/btc reg: 8 [AF]. */
  bit: 8,
  /** Taken or untaken branch that predicts well [IOM]. Mispredictions are not modelled. */
  branch: 1,
  /** call / ret: 5 / 8 (return stack buffer) [AF]. */
  call: 5,
  ret: 8,
  /** push / pop: 1.5 throughput [AF]; charged 2. */
  stack: 2,
  /** pusha/popa, enter, leave. */
  stackMulti: 10,
  /** One iteration of a string instruction (rep movs/stos ~1 per element, cmps/scas ~3) [AF]. */
  stringIter: 2,
  /** Start-up of a rep string instruction [AF]. */
  stringStart: 10,
  /** xchg with memory (locked bus cycle) ~ 100+ on P4 [AF]; lock prefix likewise. */
  locked: 100,
  /** pushf 4, popf ~50 (serialising flags update) [AF]. */
  flagsPush: 4,
  flagsPop: 50,
  /** cli / sti ~ 26 [AF]. */
  cliSti: 26,
  /** int n / exception delivery through an IDT gate: ~500 on P4 (microcoded, serialising) [AF]. */
  interrupt: 500,
  /** iret: ~ 200 [AF]. */
  iret: 200,
  /** cpuid: serialising, ~ 1500 on P4 [AF]. */
  cpuid: 1500,
  /** rdtsc: ~ 80 [AF]. */
  rdtsc: 80,
  /** Other system instructions (lgdt, lidt, clts, mov from CR, hlt...): serialising ~ 100. */
  system: 100,
  /** mov to CR3: serialising and flushes the TLBs, ~ 200 [AF]; TLB refills are charged as page walks. */
  cr3Write: 200,
  /** A TLB miss: hardware page walk, two dependent loads of the PDE and PTE hitting L2 [NB]. */
  pageWalk: 36,
  /** invlpg ~ 100 [AF]. */
  invlpg: 100,
  /** in/out: an uncached bus cycle to a device register, ~ 0.35 us on PCI/ISA (bus latency) */
  io: 600,
  /** MMIO read: uncached PCI memory read, same bus latency as a port read. */
  mmioRead: 600,
  /** MMIO write: posted write, the processor continues after the write buffer takes it. */
  mmioWrite: 100,
  /** A host call (kernel entry point implemented in TypeScript): the call itself; the host function charges its work. */
  hostcall: 1,
} as const;

/** Base cycles of an instruction of the given class with the given number of memory reads and writes. */
export function baseCycles(klass: OpClass, name: string, memReads: number, memWrites: number): number {
  let c: number;
  switch (klass) {
    case 'alu':
    case 'mov':
    case 'lea':
    case 'cmov':
    case 'setcc':
    case 'nop':
    case 'flag':
    case 'misc':
      c = CYCLES.alu;
      break;
    case 'xchg':
      c = memReads > 0 ? CYCLES.locked : CYCLES.alu * 2;
      break;
    case 'mul':
      c = CYCLES.mul;
      break;
    case 'div':
      c = CYCLES.div;
      break;
    case 'shift':
      c = CYCLES.shift;
      break;
    case 'bit':
      c = CYCLES.bit;
      break;
    case 'branch':
      c = CYCLES.branch;
      break;
    case 'call':
      c = CYCLES.call;
      break;
    case 'ret':
      c = CYCLES.ret;
      break;
    case 'stack':
      c = name === 'pusha' || name === 'popa' || name === 'enter' || name === 'leave' ? CYCLES.stackMulti : CYCLES.stack;
      if (name === 'pushf') c = CYCLES.flagsPush;
      if (name === 'popf') c = CYCLES.flagsPop;
      break;
    case 'string':
      c = CYCLES.stringIter;
      break;
    case 'io':
      // The bus cycle (CYCLES.io) is charged by the port access itself, once per transfer.
      c = CYCLES.alu;
      break;
    case 'system':
      c = name === 'cli' || name === 'sti' ? CYCLES.cliSti : name === 'int' || name === 'int3' || name === 'into' ? CYCLES.interrupt : name === 'iret' ? CYCLES.iret : name === 'invlpg' ? CYCLES.invlpg : CYCLES.system;
      break;
    case 'hostcall':
      c = CYCLES.hostcall;
      break;
    case 'invalid':
      c = CYCLES.interrupt;
      break;
  }
  if (name === 'cpuid') c = CYCLES.cpuid;
  if (name === 'rdtsc') c = CYCLES.rdtsc;
  return c + memReads * CYCLES.memRead + memWrites * CYCLES.memWrite;
}
