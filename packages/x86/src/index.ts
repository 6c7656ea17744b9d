export { Machine, PageFaultError, RETURN_TO_HOST } from './machine.js';
export type { HostFunction, InterruptEvent, InterruptHook, InvalidOpcodeHook, MachineOptions, RunOptions, RunResult } from './machine.js';
export { Block, Cpu, GuestCallAborted } from './cpu.js';
export type { CpuHooks, CpuOptions, ExceptionInfo, MmioHandler, PortHandler, StopReason } from './cpu.js';
export { Cr0, Cr4, Flag, Pte, Vector } from './constants.js';
export { CONDITION_NAMES, DecodeError, Instr, OPS, OP_HOSTCALL, OP_INVALID, OP_X87, Reg, Seg, decode, decodeBytes, opId } from './decoder.js';
export type { ByteSource, OpClass, OpInfo } from './decoder.js';
export { CLOCK_HZ, CYCLES, baseCycles } from './cycles.js';
export { TLB_DIRTY, TLB_GLOBAL, TLB_USER, TLB_WRITABLE, TlbModel } from './tlb.js';
export type { TlbCounters } from './tlb.js';
export { disassemble, disassembleBytes } from './disasm.js';
export type { DisassembleOptions, DisassembledLine } from './disasm.js';
export {
  ElfFormatError, Elf32File, parseElf32, relocationTypeName386, relocationWidth386, machineName,
  ET_NONE, ET_REL, ET_EXEC, ET_DYN, EM_386, PT_LOAD, PF_X, PF_W, PF_R,
  SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_NOBITS, SHT_REL,
  SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHN_UNDEF, SHN_ABS, SHN_COMMON,
  STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION, STT_FILE, STB_LOCAL, STB_GLOBAL, STB_WEAK,
  R_386_NONE, R_386_32, R_386_PC32,
} from './elf.js';
export type { Elf32Header, Elf32ProgramHeader, Elf32Section, Elf32Symbol, Elf32Relocation, Elf32RelocationSection, SymbolLocation, ParseElfOptions } from './elf.js';
export { runElfProgram, loadElfProgram, ProgramLoadError, ExitStatus, STACK_TOP, STACK_BYTES, simulatedSeconds } from './run-program.js';
export type { RunProgramOptions, RunProgramResult, RunProgramReason, LoadedProgram } from './run-program.js';
export { PageTableBuilder, FrameAllocator, OutOfPhysicalMemoryError } from './page-tables.js';
export type { PhysicalMemory, PageFlags } from './page-tables.js';
export { linuxI386SyscallName } from './linux-i386-syscalls.js';
