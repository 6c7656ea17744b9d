// Runs a static, freestanding ELF32 executable as a Linux i386 process would run: its PT_LOAD
// segments mapped at their addresses in a flat paged address space, a stack below 0xC0000000
// with the initial argc/argv/envp/auxv layout, a brk heap after the highest segment, ring 3,
// and the four system calls a freestanding program needs (exit, exit_group, write, brk) through
// `int $0x80`. The x86run command is a thin CLI over runElfProgram.

import { Cr0, Flag, Vector } from './constants.js';
import { CLOCK_HZ } from './cycles.js';
import { ET_DYN, ET_EXEC, ET_REL, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR, parseElf32 } from './elf.js';
import type { Elf32File } from './elf.js';
import { linuxI386SyscallName } from './linux-i386-syscalls.js';
import { Machine, PageFaultError } from './machine.js';
import type { ExceptionInfo } from './cpu.js';
import type { InterruptEvent } from './machine.js';
import { FrameAllocator, OutOfPhysicalMemoryError, PageTableBuilder } from './page-tables.js';

/** The file is a valid ELF file but cannot be run by x86run (dynamic, relocatable, badly placed...). */
export class ProgramLoadError extends Error {
  readonly code = 'PROGRAM_LOAD' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ProgramLoadError';
  }
}

export const PAGE_SIZE = 4096;
/** The stack ends here (exclusive): where the Linux i386 user address space ends (3G/1G split). */
export const STACK_TOP = 0xc000_0000;
/** Size of the stack, mapped in full at load time. */
export const STACK_BYTES = 1 << 20;
/** Unmapped gap kept between the highest brk and the stack. */
export const STACK_GUARD_BYTES = 1 << 20;
/** Lowest address a segment may use (page 0 stays unmapped so null dereferences fault). */
export const LOWEST_LOAD_ADDRESS = 0x1000;

export const SYS_EXIT = 1;
export const SYS_WRITE = 4;
export const SYS_BRK = 45;
export const SYS_EXIT_GROUP = 252;

const EBADF = 9;
const EFAULT = 14;
/** Linux caps one read/write at this many bytes. */
const MAX_RW_COUNT = 0x7fff_f000;

const AT_NULL = 0;
const AT_PHDR = 3;
const AT_PHENT = 4;
const AT_PHNUM = 5;
const AT_PAGESZ = 6;
const AT_ENTRY = 9;

const EAX = 0;
const ECX = 1;
const EDX = 2;
const EBX = 3;
const ESP = 4;

/** Exit statuses of x86run for runs that did not end by the program's own exit. */
export const ExitStatus = {
  /** --max-instructions reached (as timeout(1) reports a timeout). */
  INSTRUCTION_LIMIT: 124,
  UNSUPPORTED_SYSCALL: 125,
  INVALID_INSTRUCTION: 126,
  CPU_EXCEPTION: 127,
  /** Bad usage, unreadable or malformed file. */
  USAGE: 2,
} as const;

export interface RunProgramOptions {
  /** Stop after this many instructions (reason 'instruction-limit'). Default: no limit. */
  maxInstructions?: number;
  /** Receives what the program writes to fd 1. Default: discarded. */
  stdout?: (bytes: Uint8Array) => void;
  /** Receives what the program writes to fd 2. Default: discarded. */
  stderr?: (bytes: Uint8Array) => void;
  /** Physical memory of the machine. Default 64 MiB. */
  memoryBytes?: number;
  /** Block executions before compilation (Cpu.compileThreshold): 1 compiles everything, Infinity interprets only. */
  compileThreshold?: number;
  /** The program's argv (argv[0] included). Default ['a.out']. */
  argv?: readonly string[];
}

export type RunProgramReason = 'exit' | 'instruction-limit' | 'unsupported-syscall' | 'invalid-instruction' | 'cpu-exception';

export interface RunProgramResult {
  /** The program's exit status (status & 0xff) for 'exit'; otherwise x86run's status for the reason (124-127). */
  exitStatus: number;
  instructions: number;
  cycles: number;
  /** Host wall-clock seconds spent running the program (loading excluded). */
  hostSeconds: number;
  reason: RunProgramReason;
  /** What went wrong, for every reason but 'exit': one line naming the cause and where. */
  error?: string;
  /** Linear address of the faulting instruction or system call, for every reason but 'exit'. */
  eip?: number;
}

/** A program loaded into a fresh machine, ready to run (the pieces tests and tools look at). */
export interface LoadedProgram {
  readonly machine: Machine;
  readonly pages: PageTableBuilder;
  readonly frames: FrameAllocator;
  readonly file: Elf32File;
  readonly entry: number;
  /** ESP at entry: points at argc. */
  readonly initialEsp: number;
  /** First address of the heap (the initial break). */
  readonly brkStart: number;
  /** Highest break brk() accepts. */
  readonly brkLimit: number;
  readonly stackBottom: number;
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

function checkLoadable(file: Elf32File): void {
  const type = file.header.type;
  if (type === ET_REL) throw new ProgramLoadError('this is a relocatable object (ET_REL), not an executable: link it (gcc -m32 -static -nostdlib ...)');
  if (type === ET_DYN) {
    throw new ProgramLoadError('this is a position-independent executable or shared object (ET_DYN); x86run runs static executables: link with -static -no-pie');
  }
  if (type !== ET_EXEC) throw new ProgramLoadError(`ELF type ${type} is not an executable (ET_EXEC)`);
  const interp = file.programHeaders.find((p) => p.type === PT_INTERP);
  if (interp !== undefined) {
    const path = new TextDecoder().decode(file.segmentData(interp)).replace(/\0.*$/s, '');
    throw new ProgramLoadError(`this program is dynamically linked (interpreter ${path}); x86run runs static freestanding programs: link with -static -nostdlib`);
  }
  const loads = file.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (loads.length === 0) throw new ProgramLoadError('the executable has no loadable (PT_LOAD) segment');
  const highest = STACK_TOP - STACK_BYTES - STACK_GUARD_BYTES;
  for (const p of loads) {
    if (p.vaddr < LOWEST_LOAD_ADDRESS || p.vaddr + p.memsz > highest) {
      throw new ProgramLoadError(
        `segment ${p.index} at ${hex8(p.vaddr)}-${hex8(p.vaddr + p.memsz)} lies outside the program area ${hex8(LOWEST_LOAD_ADDRESS)}-${hex8(highest)} (page 0 and the stack are reserved)`,
      );
    }
  }
  const entry = file.header.entry;
  const code = loads.find((p) => (p.flags & PF_X) !== 0 && entry >= p.vaddr && entry < p.vaddr + p.memsz);
  if (code === undefined) throw new ProgramLoadError(`the entry point ${hex8(entry)} is not inside an executable segment`);
}

/** Address at which the program headers are visible in memory (for AT_PHDR), if they are. */
function phdrAddress(file: Elf32File): number | undefined {
  const phdr = file.programHeaders.find((p) => p.type === PT_PHDR);
  if (phdr !== undefined) return phdr.vaddr;
  const phoff = file.header.phoff;
  const size = file.header.phnum * file.header.phentsize;
  const seg = file.programHeaders.find((p) => p.type === PT_LOAD && phoff >= p.offset && phoff + size <= p.offset + p.filesz);
  return seg === undefined ? undefined : seg.vaddr + (phoff - seg.offset);
}

/** Builds the Linux i386 initial stack (argc, argv, envp, auxv, strings) ending below `top`; returns ESP. */
function buildInitialStack(pages: PageTableBuilder, top: number, argv: readonly string[], file: Elf32File): number {
  const enc = new TextEncoder();
  const strings = argv.map((a) => enc.encode(`${a}\0`));
  const stringBytes = strings.reduce((n, s) => n + s.length, 0);
  let sp = top - 16 - stringBytes; // 16 bytes of zeros at the very top, as Linux leaves the end marker
  const argvPtrs: number[] = [];
  let p = sp;
  for (const s of strings) {
    pages.write(p, s);
    argvPtrs.push(p);
    p += s.length;
  }
  const aux: [number, number][] = [[AT_PAGESZ, PAGE_SIZE]];
  const phdr = phdrAddress(file);
  if (phdr !== undefined) aux.push([AT_PHDR, phdr], [AT_PHENT, file.header.phentsize], [AT_PHNUM, file.header.phnum]);
  aux.push([AT_ENTRY, file.header.entry], [AT_NULL, 0]);
  const words = [argv.length, ...argvPtrs, 0, /* envp */ 0, ...aux.flat()];
  sp = Math.floor((sp - words.length * 4) / 16) * 16; // ESP 16-byte aligned at argc
  const block = new Uint8Array(words.length * 4);
  const dv = new DataView(block.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  pages.write(sp, block);
  return sp;
}

/** Loads `bytes` (an ELF32 i386 ET_EXEC) into a fresh machine with paging on, ring 3, at its entry point. */
export function loadElfProgram(bytes: Uint8Array, options: Pick<RunProgramOptions, 'memoryBytes' | 'argv' | 'compileThreshold'> = {}): LoadedProgram {
  const file = parseElf32(bytes, { machine: 3 });
  checkLoadable(file);
  const memoryBytes = options.memoryBytes ?? 64 << 20;
  const machine = new Machine({ memoryBytes });
  if (options.compileThreshold !== undefined) machine.cpu.compileThreshold = options.compileThreshold;
  // Frame 0 stays unused so a stray physical null is visible.
  const frames = new FrameAllocator(PAGE_SIZE, memoryBytes);
  try {
    const pages = new PageTableBuilder(machine, frames);
    let end = 0;
    for (const p of file.programHeaders) {
      if (p.type !== PT_LOAD || p.memsz === 0) continue;
      pages.mapRange(p.vaddr, p.memsz, { writable: (p.flags & PF_W) !== 0, user: true });
      // Bytes past p_filesz stay zero (bss): frames are zeroed when mapped.
      pages.write(p.vaddr, file.segmentData(p));
      end = Math.max(end, p.vaddr + p.memsz);
    }
    const stackBottom = STACK_TOP - STACK_BYTES;
    pages.mapRange(stackBottom, STACK_BYTES, { writable: true, user: true });
    const initialEsp = buildInitialStack(pages, STACK_TOP, options.argv ?? ['a.out'], file);

    const cpu = machine.cpu;
    cpu.regs.fill(0);
    cpu.regs[ESP] = initialEsp;
    cpu.eip = file.header.entry;
    cpu.setEflags(Flag.IF | 0x2);
    cpu.setCr3(pages.cr3);
    // WP: ring 3 honours read-only pages anyway; WP makes host-side supervisor writes honour them too.
    cpu.setCr0(cpu.cr0 | Cr0.PE | Cr0.WP | Cr0.PG);
    cpu.setCpl(3);
    const brkStart = pageUp(end);
    return { machine, pages, frames, file, entry: file.header.entry, initialEsp, brkStart, brkLimit: stackBottom - STACK_GUARD_BYTES, stackBottom };
  } catch (e) {
    if (e instanceof OutOfPhysicalMemoryError) {
      throw new ProgramLoadError(`the program does not fit in ${memoryBytes >>> 20} MiB of memory (${e.message}); give the machine more memory`);
    }
    throw e;
  }
}

const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  [Vector.DE]: 'divide error (#DE)',
  [Vector.DB]: 'debug exception (#DB)',
  [Vector.BP]: 'breakpoint (#BP, int3)',
  [Vector.OF]: 'overflow (#OF, into)',
  [Vector.BR]: 'bound range exceeded (#BR)',
  [Vector.UD]: 'invalid opcode (#UD)',
  [Vector.NM]: 'device not available (#NM)',
  [Vector.DF]: 'double fault (#DF)',
  [Vector.TS]: 'invalid TSS (#TS)',
  [Vector.NP]: 'segment not present (#NP)',
  [Vector.SS]: 'stack-segment fault (#SS)',
  [Vector.GP]: 'general protection fault (#GP)',
  [Vector.PF]: 'page fault (#PF)',
  [Vector.MF]: 'x87 floating-point error (#MF)',
  [Vector.AC]: 'alignment check (#AC)',
};

/**
 * Where the int n / int3 / into instruction that trapped to `next` starts: found from its
 * encoding (CD ib, CC, CE) just before `next`; `next` itself if the bytes do not match.
 */
function softwareInterruptStart(m: Machine, vector: number, next: number): number {
  const before = (n: number): Uint8Array | undefined => {
    try {
      return m.readVirt((next - n) >>> 0, n);
    } catch (e) {
      if (e instanceof PageFaultError) return undefined;
      throw e;
    }
  };
  const two = before(2);
  if (two !== undefined && two[0] === 0xcd && two[1] === vector) return (next - 2) >>> 0;
  const one = before(1);
  if (one !== undefined && ((vector === Vector.BP && one[0] === 0xcc) || (vector === Vector.OF && one[0] === 0xce))) return (next - 1) >>> 0;
  return next >>> 0;
}

/** Runs one loaded program to its end; the process state lives here. */
class Process {
  private brk: number;
  private exitStatus = -1;
  private unsupported: { number: number; eip: number } | undefined;
  private readonly stdout: (b: Uint8Array) => void;
  private readonly stderr: (b: Uint8Array) => void;

  constructor(
    private readonly prog: LoadedProgram,
    options: RunProgramOptions,
  ) {
    this.brk = prog.brkStart;
    this.stdout = options.stdout ?? (() => {});
    this.stderr = options.stderr ?? (() => {});
    prog.machine.hookInterrupt(0x80, (m, event) => this.syscall(m, event));
    prog.machine.onInvalidOpcode(() => false);
  }

  run(maxInstructions: number | undefined): RunProgramResult {
    const m = this.prog.machine;
    const t0 = performance.now();
    const r = m.run(maxInstructions === undefined ? {} : { maxInstructions });
    const base = { instructions: r.instructions, cycles: r.cycles, hostSeconds: (performance.now() - t0) / 1000 };
    if (r.reason === 'stopped' && this.exitStatus >= 0) return { ...base, exitStatus: this.exitStatus, reason: 'exit' };
    if (r.reason === 'stopped' && this.unsupported !== undefined) {
      const { number, eip } = this.unsupported;
      const name = linuxI386SyscallName(number >>> 0);
      return {
        ...base,
        exitStatus: ExitStatus.UNSUPPORTED_SYSCALL,
        reason: 'unsupported-syscall',
        eip,
        error: `unsupported system call ${number >>> 0}${name === undefined ? '' : ` (${name})`} at eip ${hex8(eip)}${this.where(eip)}; x86run implements exit (1), write (4), brk (45) and exit_group (252)`,
      };
    }
    if (r.reason === 'instructions') {
      return {
        ...base,
        exitStatus: ExitStatus.INSTRUCTION_LIMIT,
        reason: 'instruction-limit',
        eip: m.cpu.eip >>> 0,
        error: `stopped after ${r.instructions} instructions (the instruction limit) at eip ${hex8(m.cpu.eip)}${this.where(m.cpu.eip)}`,
      };
    }
    const ex = r.exception;
    if ((r.reason === 'invalid-opcode' || r.reason === 'unhandled-exception') && ex !== undefined && ex.vector === Vector.UD) {
      return {
        ...base,
        exitStatus: ExitStatus.INVALID_INSTRUCTION,
        reason: 'invalid-instruction',
        eip: ex.eip,
        error: `${ex.message}${this.where(ex.eip)}`,
      };
    }
    if (r.reason === 'unhandled-exception' && ex !== undefined) {
      return { ...base, exitStatus: ExitStatus.CPU_EXCEPTION, reason: 'cpu-exception', eip: this.faultingEip(ex), error: this.describeException(ex) };
    }
    const eip = (ex?.eip ?? m.cpu.eip) >>> 0;
    return {
      ...base,
      exitStatus: ExitStatus.CPU_EXCEPTION,
      reason: 'cpu-exception',
      eip,
      error: `the program stopped (${r.reason}${ex !== undefined ? `: ${ex.message}` : ''}) at eip ${hex8(eip)}${this.where(eip)}`,
    };
  }

  /** " (in main+0x12)" when the executable has symbols for the address. */
  private where(eip: number): string {
    const loc = this.prog.file.symbolAt(eip);
    if (loc === undefined) return '';
    return ` (in ${loc.offset === 0 ? loc.symbol.name : `${loc.symbol.name}+0x${loc.offset.toString(16)}`})`;
  }

  /** Address of the instruction an exception is about: traps (int n, int3, into) report the next one. */
  private faultingEip(ex: ExceptionInfo): number {
    return ex.software ? softwareInterruptStart(this.prog.machine, ex.vector, ex.eip) : ex.eip >>> 0;
  }

  private describeException(ex: ExceptionInfo): string {
    const eip = this.faultingEip(ex);
    const at = `at eip ${hex8(eip)}${this.where(eip)}`;
    if (ex.software && ex.vector !== Vector.BP && ex.vector !== Vector.OF) {
      return `int 0x${ex.vector.toString(16)} ${at}: x86run handles only int 0x80 (Linux system calls)`;
    }
    const name = EXCEPTION_NAMES[ex.vector] ?? `CPU exception ${ex.vector}`;
    if (ex.vector === Vector.PF) {
      const addr = (ex.cr2 ?? 0) >>> 0;
      const e = ex.errorCode;
      const kind = `${e & 1 ? 'protection violation' : 'page not present'}, ${e & 2 ? 'write' : 'read'}${e & 4 ? ', user mode' : ''}`;
      let hint = '';
      if (addr < PAGE_SIZE) hint = ' (a null pointer dereference?)';
      else if (addr >= this.prog.brkLimit && addr < this.prog.stackBottom) hint = ' (just below the stack: a stack overflow?)';
      else if ((e & 3) === 3) hint = ' (a write to a read-only segment)';
      return `${name} ${at}: address ${hex8(addr)}, error code 0x${e.toString(16)} (${kind})${hint}`;
    }
    const code = ex.errorCode !== 0 ? `, error code 0x${ex.errorCode.toString(16)}` : '';
    return `${name} ${at}${code}: ${ex.message}`;
  }

  private syscall(m: Machine, event: InterruptEvent): boolean {
    if (!event.software) return false;
    const regs = m.cpu.regs;
    const n = regs[EAX] as number;
    const ebx = regs[EBX] as number;
    const ecx = regs[ECX] as number;
    const edx = regs[EDX] as number;
    switch (n) {
      case SYS_EXIT:
      case SYS_EXIT_GROUP:
        this.exitStatus = ebx & 0xff;
        m.stop();
        return true;
      case SYS_WRITE:
        regs[EAX] = this.write(m, ebx, ecx >>> 0, edx >>> 0);
        return true;
      case SYS_BRK:
        regs[EAX] = this.setBrk(m, ebx >>> 0);
        return true;
      default: {
        this.unsupported = { number: n, eip: softwareInterruptStart(m, event.vector, event.eip) };
        m.stop();
        return true;
      }
    }
  }

  private write(m: Machine, fd: number, buf: number, count: number): number {
    const sink = fd === 1 ? this.stdout : fd === 2 ? this.stderr : undefined;
    if (sink === undefined) return -EBADF;
    const total = Math.min(count, MAX_RW_COUNT);
    let done = 0;
    while (done < total) {
      // Page by page, so a fault part-way writes what came before it (as Linux does).
      const batch = Math.min(total - done, 1 << 16);
      const bytes = new Uint8Array(batch);
      let got = 0;
      while (got < batch) {
        const la = (buf + done + got) >>> 0;
        const n = Math.min(batch - got, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
        try {
          bytes.set(m.readVirt(la, n), got);
        } catch (e) {
          if (!(e instanceof PageFaultError)) throw e;
          if (got > 0) sink(bytes.subarray(0, got));
          done += got;
          return done > 0 ? done : -EFAULT;
        }
        got += n;
      }
      sink(bytes);
      done += batch;
    }
    return done;
  }

  /** brk(2) as the kernel implements it: returns the new break, or the current one on failure. */
  private setBrk(m: Machine, requested: number): number {
    const { brkStart, brkLimit, pages } = this.prog;
    if (requested === 0 || requested < brkStart || requested > brkLimit) return this.brk;
    const oldEnd = pageUp(this.brk);
    const newEnd = pageUp(requested);
    if (newEnd > oldEnd) {
      if ((newEnd - oldEnd) / PAGE_SIZE > this.prog.frames.framesFree) return this.brk;
      try {
        for (let p = oldEnd; p < newEnd; p += PAGE_SIZE) pages.map(p, { writable: true, user: true });
      } catch (e) {
        if (!(e instanceof OutOfPhysicalMemoryError)) throw e;
        for (let p = oldEnd; p < newEnd; p += PAGE_SIZE) pages.unmap(p);
        return this.brk;
      }
    } else if (newEnd < oldEnd) {
      for (let p = newEnd; p < oldEnd; p += PAGE_SIZE) {
        pages.unmap(p);
        m.cpu.invalidatePage(p);
      }
    }
    this.brk = requested;
    return requested;
  }
}

/**
 * Runs a static freestanding ELF32 i386 executable to its exit. Throws ElfFormatError for a
 * malformed file and ProgramLoadError for one x86run cannot run; every way the program itself
 * ends (exit, instruction limit, unsupported system call or instruction, CPU exception) is a
 * result, with `exitStatus` as the x86run command exits.
 */
export function runElfProgram(bytes: Uint8Array, options: RunProgramOptions = {}): RunProgramResult {
  const prog = loadElfProgram(bytes, options);
  const proc = new Process(prog, options);
  return proc.run(options.maxInstructions);
}

/** Simulated seconds for a cycle count (the project's clock: cycles / 1.7 GHz). */
export function simulatedSeconds(cycles: number): number {
  return cycles / CLOCK_HZ;
}
