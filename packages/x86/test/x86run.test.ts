import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElfFormatError } from '../src/elf.js';
import { Machine, PageFaultError } from '../src/machine.js';
import { FrameAllocator, OutOfPhysicalMemoryError, PageTableBuilder } from '../src/page-tables.js';
import type { PhysicalMemory } from '../src/page-tables.js';
import { ExitStatus, PAGE_SIZE, ProgramLoadError, STACK_BYTES, STACK_TOP, loadElfProgram, runElfProgram } from '../src/run-program.js';
import type { RunProgramOptions, RunProgramResult } from '../src/run-program.js';
import { parseX86runArgs, x86runMain } from '../src/x86run.js';
import { OBJECT_CFLAGS, PROGRAM_CFLAGS, Scratch, run } from './i386-toolchain.js';

const PKG = join(import.meta.dirname, '..');

/** Declarations every test program starts with: system calls and a little output. */
const PRELUDE = `
static inline int sys3(int n, int a, int b, int c) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}
static inline __attribute__((noreturn)) void sys_exit(int s) { sys3(1, s, 0, 0); __builtin_unreachable(); }
static unsigned slen(const char *s) { unsigned n = 0; while (s[n]) n++; return n; }
static void out(int fd, const char *s) { sys3(4, fd, (int)s, (int)slen(s)); }
static void putd(int fd, int v) {
  char b[16]; int i = 15; unsigned u = v < 0 ? -(unsigned)v : (unsigned)v; b[i] = 0;
  do { b[--i] = '0' + u % 10; u /= 10; } while (u);
  if (v < 0) b[--i] = '-';
  out(fd, b + i);
}
`;

const PROGRAMS: Record<string, string> = {
  hello: `
    static unsigned table[64];
    void _start(void) {
      unsigned long long acc = 1;
      for (unsigned i = 0; i < 64; i++) table[i] = i * 2654435761u;
      for (unsigned i = 0; i < 20000; i++) acc = acc * 6364136223846793005ull + table[i & 63];
      out(1, "hello from i386\\n");
      putd(1, (int)(acc >> 33)); out(1, "\\n");
      out(2, "to stderr\\n");
      sys_exit(0x1234); /* status & 0xff = 0x34 */
    }`,
  args: `
    extern char _start[];
    void _start_c(int *sp) {
      int argc = sp[0];
      char **argv = (char **)(sp + 1);
      char **envp = argv + argc + 1;
      unsigned *aux = (unsigned *)envp;
      while (*aux) aux++;
      aux++;
      int pagesz = 0, entry = 0;
      for (; aux[0] != 0; aux += 2) { if (aux[0] == 6) pagesz = aux[1]; if (aux[0] == 9) entry = aux[1]; }
      putd(1, argc); out(1, " "); out(1, argv[0]); out(1, " ");
      putd(1, argv[1] == 0); out(1, " "); putd(1, pagesz); out(1, " ");
      putd(1, entry == (int)_start); out(1, " ");
      putd(1, ((unsigned)sp & 15) == 0); out(1, "\\n");
      sys_exit(0);
    }
    __asm__(".globl _start\\n_start:\\n  movl %esp, %eax\\n  pushl %eax\\n  call _start_c\\n  hlt\\n");
    `,
  writes: `
    void _start(void) {
      int r1 = sys3(4, 7, (int)"x", 1);          /* EBADF */
      int r2 = sys3(4, 1, 16, 1);                /* EFAULT: page 0 is not mapped */
      int r3 = sys3(4, 1, (int)"", 0);           /* nothing to write */
      char *brk0 = (char *)sys3(45, 0, 0, 0);
      sys3(45, (int)(brk0 + 4096), 0, 0);        /* one page of heap, nothing beyond it */
      for (int i = 0; i < 10; i++) brk0[4086 + i] = 'a' + i;
      int r4 = sys3(4, 1, (int)(brk0 + 4086), 20); /* runs off the mapped page: partial write */
      out(1, "\\n");
      putd(1, r1); out(1, " "); putd(1, r2); out(1, " "); putd(1, r3); out(1, " "); putd(1, r4); out(1, "\\n");
      sys3(252, 3, 0, 0);                          /* exit_group */
    }`,
  brk: `
    static const char ro[] = "x";
    void _start(void) {
      char *b0 = (char *)sys3(45, 0, 0, 0);
      /* the break starts page-aligned after the highest segment (ld's _end may lie past it) */
      putd(1, ((unsigned)b0 & 4095) == 0 && b0 > ro && b0 - ro < 8192); out(1, " ");
      putd(1, sys3(45, 1, 0, 0) == (int)b0); out(1, " ");                  /* below the start: unchanged */
      putd(1, sys3(45, (int)0xbff00000, 0, 0) == (int)b0); out(1, " ");    /* into the stack: unchanged */
      char *b1 = (char *)sys3(45, (int)(b0 + 100001), 0, 0);
      putd(1, b1 == b0 + 100001); out(1, " ");
      int zero = 1;
      for (int i = 0; i < 100001; i++) { if (b0[i]) zero = 0; b0[i] = (char)i; }
      putd(1, zero); out(1, " ");
      putd(1, sys3(45, (int)(b0 + 10), 0, 0) == (int)(b0 + 10)); out(1, " "); /* shrink */
      putd(1, b0[5] == 5); out(1, " ");                                     /* same page: kept */
      sys3(45, (int)(b0 + 50000), 0, 0);                                    /* grow again */
      putd(1, b0[40000] == 0); out(1, "\\n");                               /* fresh pages are zero */
      sys3(45, (int)(b0 + 10), 0, 0);
      out(1, "touching freed heap\\n");
      b0[40000] = 1;                                                        /* page fault */
      sys_exit(0);
    }`,
  huge_brk: `
    void _start(void) {
      char *b0 = (char *)sys3(45, 0, 0, 0);
      char *b1 = (char *)sys3(45, (int)(b0 + (200 << 20)), 0, 0);  /* more than the machine has */
      putd(1, b1 == b0); out(1, "\\n");
      sys_exit(0);
    }`,
  syscall_open: `void _start(void) { sys3(5, (int)"/etc/passwd", 0, 0); sys_exit(0); }`,
  syscall_unknown: `void _start(void) { sys3(1000, 0, 0, 0); sys_exit(0); }`,
  ud2: `void _start(void) { out(1, "before\\n"); __asm__ volatile("ud2"); sys_exit(0); }`,
  null_read: `void _start(void) { sys_exit(*(volatile int *)8); }`,
  rodata_write: `const int k = 5; void _start(void) { *(volatile int *)&k = 1; sys_exit(0); }`,
  code_write: `void _start(void) { *(volatile char *)&_start = 0x90; sys_exit(0); }`,
  recursion: `int deep(int x) { volatile char b[512]; b[0] = (char)x; return deep(x + 1) + b[0]; } void _start(void) { sys_exit(deep(0)); }`,
  int3: `void _start(void) { __asm__ volatile("int3"); sys_exit(0); }`,
  hlt: `void _start(void) { __asm__ volatile("hlt"); sys_exit(0); }`,
  divide: `volatile int zero; void _start(void) { sys_exit(7 / zero); }`,
  spin: `void _start(void) { for (;;) __asm__ volatile(""); }`,
};

const scratch = new Scratch('x86run');
const exe: Record<string, string> = {};
let cliDir = '';

beforeAll(() => {
  for (const [name, body] of Object.entries(PROGRAMS)) {
    exe[name] = scratch.gcc(name, { [`${name}.c`]: PRELUDE + body }, PROGRAM_CFLAGS);
  }
  scratch.gcc('module.o', { 'module.c': 'int f(int x) { return x + 1; }' }, [...OBJECT_CFLAGS, '-c']);
  // The CLI as tsup bundles it, from the current sources, reached through a symlink like a bin.
  cliDir = scratch.path('cli');
  run(join(PKG, 'node_modules/.bin/tsup'), ['--no-config', 'src/x86run.ts', '--format', 'esm', '--platform', 'node', '--target', 'node20', '--out-dir', cliDir, '--silent'], PKG);
  mkdirSync(scratch.path('bin'));
  symlinkSync(join(cliDir, 'x86run.js'), scratch.path('bin/x86run'));
});

afterAll(() => scratch.dispose());

const bytesOf = (name: string): Uint8Array => scratch.read(name);

function runCaptured(name: string, options: RunProgramOptions = {}): RunProgramResult & { out: string; err: string } {
  const outChunks: Uint8Array[] = [];
  const errChunks: Uint8Array[] = [];
  const r = runElfProgram(bytesOf(name), { ...options, stdout: (b) => outChunks.push(b.slice()), stderr: (b) => errChunks.push(b.slice()) });
  const text = (chunks: Uint8Array[]): string => Buffer.concat(chunks).toString('utf8');
  return { ...r, out: text(outChunks), err: text(errChunks) };
}

/** Word-addressed fake RAM for the page-table builder. */
class FakeMemory implements PhysicalMemory {
  readonly bytes: Uint8Array;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }
  readPhys32(a: number): number {
    return new DataView(this.bytes.buffer).getUint32(a, true);
  }
  writePhys32(a: number, v: number): void {
    new DataView(this.bytes.buffer).setUint32(a, v >>> 0, true);
  }
  writePhys(a: number, b: Uint8Array): void {
    this.bytes.set(b, a);
  }
  readPhys(a: number, n: number): Uint8Array {
    return this.bytes.slice(a, a + n);
  }
}

describe('PageTableBuilder', () => {
  it('maps pages through a page directory and page tables', () => {
    const mem = new FakeMemory(1 << 20);
    const frames = new FrameAllocator(0x1000, 1 << 20);
    const pt = new PageTableBuilder(mem, frames);
    expect(pt.cr3).toBe(0x1000);
    const frame = pt.map(0x08049123, { writable: false, user: true });
    // directory entry 0x20 points at a fresh page table, with P|RW|US
    const pde = mem.readPhys32(0x1000 + (0x08049123 >>> 22) * 4);
    expect(pde & 0xfff).toBe(0x7);
    expect(pde & ~0xfff).toBe(0x2000);
    const pte = pt.entry(0x08049000);
    expect(pte).toBe((frame | 0x5) >>> 0); // P | US, not RW
    expect(pt.translate(0x08049123)).toBe(frame + 0x123);
    expect(pt.translate(0x0804a000)).toBe(-1);
    expect(pt.isMapped(0x08049fff)).toBe(true);
    expect(pt.pages).toBe(1);

    // mapping again keeps the frame and widens permissions
    expect(pt.map(0x08049000, { writable: true, user: true })).toBe(frame);
    expect(pt.entry(0x08049000) & 0x7).toBe(0x7);

    // ranges cover every overlapped page; a second 4 MiB region gets its own page table
    pt.mapRange(0x08049ff0, 0x20, { writable: true, user: false });
    expect(pt.isMapped(0x0804a000)).toBe(true);
    expect(pt.entry(0x0804a000) & 0x7).toBe(0x3);
    pt.mapRange(0xbffff000, 0x1000, { writable: true, user: true });
    expect(pt.pages).toBe(3);
    expect(frames.framesFree).toBe((1 << 20) / 4096 - 1 - 6); // directory, 2 tables, 3 pages
  });

  it('writes and reads across pages, unmaps and reuses zeroed frames', () => {
    const mem = new FakeMemory(1 << 20);
    const frames = new FrameAllocator(0x1000, 1 << 20);
    const pt = new PageTableBuilder(mem, frames);
    pt.mapRange(0x10000, 0x2000, { writable: true, user: true });
    const data = Uint8Array.from({ length: 100 }, (_, i) => i + 1);
    pt.write(0x10fce, data);
    expect(pt.read(0x10fce, 100)).toEqual(data);
    expect(() => pt.write(0x11fff, new Uint8Array(2))).toThrow(/0x12000 is not mapped/);
    const freed = pt.translate(0x10000) - 0;
    expect(pt.unmap(0x10000)).toBe(true);
    expect(pt.unmap(0x10000)).toBe(false);
    expect(pt.unmap(0x7000000)).toBe(false);
    // the freed frame comes back, zeroed
    const again = pt.map(0x20000, { writable: true, user: true });
    expect(again).toBe(freed);
    expect(pt.read(0x20000, 4096).every((b) => b === 0)).toBe(true);
  });

  it('reports running out of frames with a typed error', () => {
    const mem = new FakeMemory(0x4000);
    const pt = new PageTableBuilder(mem, new FrameAllocator(0x1000, 0x4000));
    pt.map(0x1000, { writable: true, user: true }); // table + page: all three frames used
    let caught: unknown;
    try {
      pt.map(0x2000, { writable: true, user: true });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OutOfPhysicalMemoryError);
    expect((caught as OutOfPhysicalMemoryError).code).toBe('OUT_OF_PHYSICAL_MEMORY');
  });

  it('builds tables the CPU walks the same way', () => {
    const m = new Machine({ memoryBytes: 4 << 20 });
    const pt = new PageTableBuilder(m, new FrameAllocator(0x1000, 4 << 20));
    pt.mapRange(0x08048000, 0x3000, { writable: false, user: true });
    pt.map(0x0804b000, { writable: true, user: true });
    pt.write(0x0804b010, new Uint8Array([1, 2, 3, 4]));
    m.cpu.setCr3(pt.cr3);
    m.cpu.setCr0(m.cpu.cr0 | 0x80010001);
    for (const a of [0x08048000, 0x08049abc, 0x0804afff, 0x0804b010]) expect(m.translate(a)).toBe(pt.translate(a));
    expect(m.readVirt(0x0804b010, 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(() => m.readVirt(0x0804c000, 1)).toThrow(PageFaultError);
    expect(() => m.writeVirt(0x08048000, new Uint8Array(1))).toThrow(PageFaultError); // read-only with CR0.WP
  });
});

describe('loadElfProgram', () => {
  it('maps segments with their permissions, the stack and the Linux initial stack', () => {
    const prog = loadElfProgram(bytesOf('brk'), { argv: ['prog-name'] });
    const { machine: m, file, pages } = prog;
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.pagingEnabled).toBe(true);
    expect(m.cpu.cr3).toBe(pages.cr3);
    expect(m.cpu.cr0 & 0x10000).toBe(0x10000); // WP
    expect(m.cpu.eip).toBe(file.header.entry);

    let end = 0;
    for (const p of file.programHeaders.filter((ph) => ph.type === 1 && ph.memsz > 0)) {
      const writable = (p.flags & 2) !== 0;
      for (let a = p.vaddr - (p.vaddr % PAGE_SIZE); a < p.vaddr + p.memsz; a += PAGE_SIZE) {
        const pte = pages.entry(a);
        expect(pte & 0x5, `page ${a.toString(16)} present and user`).toBe(0x5);
        if (writable) expect(pte & 2).toBe(2);
      }
      // file bytes are in place, bss is zero
      expect(m.readVirt(p.vaddr, p.filesz)).toEqual(file.segmentData(p));
      if (p.memsz > p.filesz) expect(m.readVirt(p.vaddr + p.filesz, p.memsz - p.filesz).every((b) => b === 0)).toBe(true);
      end = Math.max(end, p.vaddr + p.memsz);
    }
    const text = file.programHeaders.find((ph) => ph.type === 1 && (ph.flags & 1) !== 0);
    expect(pages.entry(text?.vaddr ?? 0) & 2).toBe(0); // code is read-only
    expect(prog.brkStart).toBe(Math.ceil(end / PAGE_SIZE) * PAGE_SIZE);
    expect(pages.isMapped(0)).toBe(false);

    // stack: mapped below STACK_TOP, nothing above
    expect(pages.isMapped(STACK_TOP - 1)).toBe(true);
    expect(pages.isMapped(STACK_TOP - STACK_BYTES)).toBe(true);
    expect(pages.isMapped(STACK_TOP - STACK_BYTES - 1)).toBe(false);
    expect(pages.isMapped(STACK_TOP)).toBe(false);

    // argc, argv[0], NULL, envp NULL, auxv
    const esp = m.cpu.regs[4] as number;
    expect(esp >>> 0).toBe(prog.initialEsp);
    expect(esp & 15).toBe(0);
    expect(m.readVirt32(esp)).toBe(1);
    expect(m.readCString(m.readVirt32(esp + 4))).toBe('prog-name');
    expect(m.readVirt32(esp + 8)).toBe(0);
    expect(m.readVirt32(esp + 12)).toBe(0);
    const aux = new Map<number, number>();
    for (let a = esp + 16; ; a += 8) {
      const type = m.readVirt32(a);
      if (type === 0) break;
      aux.set(type, m.readVirt32(a + 4));
    }
    expect(aux.get(6)).toBe(4096);
    expect(aux.get(9)).toBe(file.header.entry);
    expect(aux.get(5)).toBe(file.header.phnum);
  });

  it('refuses files it cannot run, with the reason', () => {
    expect(() => loadElfProgram(bytesOf('module.o'))).toThrow(ProgramLoadError);
    expect(() => loadElfProgram(bytesOf('module.o'))).toThrow(/relocatable object \(ET_REL\)/);
    expect(() => loadElfProgram(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]))).toThrow(ElfFormatError);
    expect(() => loadElfProgram(bytesOf('hello'), { memoryBytes: 1 << 20 })).toThrow(/does not fit in 1 MiB of memory/);
  });
});

describe('runElfProgram', () => {
  it('runs a program to its exit: stdout, stderr, status & 0xff', () => {
    const r = runCaptured('hello');
    expect(r.reason).toBe('exit');
    expect(r.exitStatus).toBe(0x34);
    expect(r.out).toMatch(/^hello from i386\n-?\d+\n$/);
    expect(r.err).toBe('to stderr\n');
    expect(r.instructions).toBeGreaterThan(20000);
    expect(r.cycles).toBeGreaterThan(r.instructions / 2);
    expect(r.error).toBeUndefined();
  });

  it('agrees with the program run natively', () => {
    const native = spawnSync(scratch.path('hello'), { encoding: 'utf8' });
    expect(native.error).toBeUndefined();
    const r = runCaptured('hello');
    expect(r.out).toBe(native.stdout);
    expect(r.err).toBe(native.stderr);
    expect(r.exitStatus).toBe(native.status);
  });

  it('gives the program argc, argv, envp and auxv', () => {
    const r = runCaptured('args', { argv: ['/bin/prog'] });
    expect(r.out).toBe('1 /bin/prog 1 4096 1 1\n');
    expect(r.exitStatus).toBe(0);
  });

  it('implements write: EBADF, EFAULT, empty and partial writes, exit_group', () => {
    const r = runCaptured('writes');
    expect(r.out).toBe('abcdefghij\n-9 -14 0 10\n');
    expect(r.exitStatus).toBe(3);
  });

  it('implements brk: query, refusal, growth (zeroed), shrinking (unmapped)', () => {
    const r = runCaptured('brk');
    expect(r.out).toBe('1 1 1 1 1 1 1 1\ntouching freed heap\n');
    expect(r.reason).toBe('cpu-exception');
    expect(r.exitStatus).toBe(ExitStatus.CPU_EXCEPTION);
    expect(r.error).toMatch(/^page fault \(#PF\) at eip 0x[0-9a-f]{8} \(in _start\+0x[0-9a-f]+\): address 0x[0-9a-f]{8}, error code 0x6 \(page not present, write, user mode\)$/);
  });

  it('refuses a break beyond physical memory', () => {
    expect(runCaptured('huge_brk', { memoryBytes: 16 << 20 }).out).toBe('1\n');
  });

  it('stops on an unsupported system call with its name and address', () => {
    const r = runCaptured('syscall_open');
    expect(r.reason).toBe('unsupported-syscall');
    expect(r.exitStatus).toBe(125);
    expect(r.error).toMatch(/^unsupported system call 5 \(open\) at eip 0x080[0-9a-f]{5} \(in _start\+0x[0-9a-f]+\)/);
    const f = loadElfProgram(bytesOf('syscall_open')).file;
    // the reported eip is the int $0x80 instruction itself
    const text = f.programHeaders.find((p) => p.type === 1 && (p.flags & 1) !== 0);
    const at = (r.eip ?? 0) - (text?.vaddr ?? 0) + (text?.offset ?? 0);
    expect([f.bytes[at], f.bytes[at + 1]]).toEqual([0xcd, 0x80]);
    expect(runCaptured('syscall_unknown').error).toMatch(/^unsupported system call 1000 at eip/);
  });

  it('stops on an invalid instruction', () => {
    const r = runCaptured('ud2');
    expect(r.out).toBe('before\n');
    expect(r.reason).toBe('invalid-instruction');
    expect(r.exitStatus).toBe(126);
    expect(r.error).toMatch(/0f 0b.*\(in _start\+0x[0-9a-f]+\)$/);
  });

  it('reports CPU exceptions: address, eip, error code and a hint', () => {
    const cases: [string, RegExp][] = [
      ['null_read', /^page fault \(#PF\) at eip .*: address 0x00000008, error code 0x4 \(page not present, read, user mode\) \(a null pointer dereference\?\)$/],
      ['rodata_write', /^page fault .*error code 0x7 \(protection violation, write, user mode\) \(a write to a read-only segment\)$/],
      ['code_write', /^page fault .*error code 0x7 \(protection violation, write, user mode\)/],
      ['recursion', /^page fault \(#PF\) at eip 0x[0-9a-f]+ \(in deep\+0x[0-9a-f]+\): address 0xbfe[0-9a-f]{5}, .*\(just below the stack: a stack overflow\?\)$/],
      ['int3', /^breakpoint \(#BP, int3\) at eip 0x[0-9a-f]+ \(in _start(\+0x[0-9a-f]+)?\)/],
      ['hlt', /^general protection fault \(#GP\) at eip .*hlt at CPL 3/],
      ['divide', /^divide error \(#DE\) at eip 0x[0-9a-f]+ \(in _start/],
    ];
    for (const [name, pattern] of cases) {
      const r = runCaptured(name);
      expect({ name, reason: r.reason, status: r.exitStatus }).toEqual({ name, reason: 'cpu-exception', status: 127 });
      expect(r.error, name).toMatch(pattern);
    }
  });

  it('reports a trap at the instruction that raised it', () => {
    const r = runCaptured('int3');
    const f = loadElfProgram(bytesOf('int3')).file;
    const text = f.programHeaders.find((p) => p.type === 1 && (p.flags & 1) !== 0);
    expect(f.bytes[(r.eip ?? 0) - (text?.vaddr ?? 0) + (text?.offset ?? 0)]).toBe(0xcc);
  });

  it('stops at the instruction limit', () => {
    const r = runCaptured('spin', { maxInstructions: 5000 });
    expect(r.reason).toBe('instruction-limit');
    expect(r.exitStatus).toBe(124);
    expect(r.instructions).toBe(5000);
    expect(r.error).toMatch(/stopped after 5000 instructions/);
  });
});

describe('x86run command line', () => {
  it('parses its arguments', () => {
    expect(parseX86runArgs(['a.out'])).toEqual({ kind: 'run', file: 'a.out', stats: false, maxInstructions: undefined, memoryBytes: undefined });
    expect(parseX86runArgs(['--stats', 'p', '--max-instructions', '1_000'])).toMatchObject({ kind: 'run', file: 'p', stats: true, maxInstructions: 1000 });
    expect(parseX86runArgs(['--max-instructions=7', '--memory', '16', 'p'])).toMatchObject({ maxInstructions: 7, memoryBytes: 16 << 20 });
    expect(parseX86runArgs(['--', '--stats'])).toMatchObject({ kind: 'run', file: '--stats' });
    expect(parseX86runArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseX86runArgs([])).toMatchObject({ kind: 'error', message: 'no program given' });
    expect(parseX86runArgs(['a', 'b'])).toMatchObject({ kind: 'error' });
    expect(parseX86runArgs(['--max-instructions', '0', 'a'])).toMatchObject({ kind: 'error' });
    expect(parseX86runArgs(['--max-instructions', '-5', 'a'])).toMatchObject({ kind: 'error' });
    expect(parseX86runArgs(['a', '--max-instructions'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/got nothing/) });
    expect(parseX86runArgs(['--frobnicate', 'a'])).toMatchObject({ kind: 'error', message: "unknown option '--frobnicate'" });
  });

  it('maps outcomes to exit statuses (in process)', () => {
    const io = (files: Record<string, Uint8Array>) => {
      const out: string[] = [];
      const err: string[] = [];
      return {
        out,
        err,
        io: {
          stdout: (b: Uint8Array) => out.push(Buffer.from(b).toString()),
          stderr: (b: Uint8Array) => err.push(Buffer.from(b).toString()),
          readFile: (p: string) => {
            const f = files[p];
            if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
            return f;
          },
        },
      };
    };
    const a = io({ p: bytesOf('hello') });
    expect(x86runMain(['p', '--stats'], a.io)).toBe(0x34);
    expect(a.out.join('')).toMatch(/^hello from i386\n/);
    expect(a.err.join('')).toMatch(/to stderr\n[\s\S]*instructions +\d+\n.*cycles +\d+\n.*simulated time +[\d.e-]+ s \(cycles \/ 1\.7 GHz\)\n.*host time +[\d.]+ s running, [\d.]+ s with loading\n.*host speed +[\d.]+ MIPS\n$/);
    const b = io({});
    expect(x86runMain(['missing'], b.io)).toBe(2);
    expect(b.err.join('')).toBe('x86run: cannot read missing: no such file\n');
    const c = io({ bad: new Uint8Array([1, 2, 3, 4, 5]) });
    expect(x86runMain(['bad'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/^x86run: bad: not an ELF file/);
    const d = io({ m: bytesOf('module.o') });
    expect(x86runMain(['m'], d.io)).toBe(2);
    expect(d.err.join('')).toMatch(/relocatable object/);
  });

  function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(scratch.path('bin/x86run'), args, { encoding: 'utf8' });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('runs through a symlinked bin, passing stdout, stderr and the exit status', () => {
    const r = cli([exe.hello as string]);
    expect(r).toMatchObject({ status: 0x34, stderr: 'to stderr\n' });
    expect(r.stdout).toMatch(/^hello from i386\n/);
  });

  it('prints --stats to stderr', () => {
    const r = cli(['--stats', exe.hello as string]);
    expect(r.stderr).toMatch(/x86run: instructions +\d+/);
    expect(r.stderr).toMatch(/x86run: host speed +[\d.]+ MIPS/);
  });

  it('exits 125, 126, 127, 124 and 2 with a message naming the cause', () => {
    expect(cli([exe.syscall_open as string])).toMatchObject({ status: 125, stderr: expect.stringMatching(/^x86run: unsupported system call 5 \(open\) at eip 0x[0-9a-f]{8}/) });
    expect(cli([exe.ud2 as string])).toMatchObject({ status: 126, stdout: 'before\n' });
    expect(cli([exe.null_read as string])).toMatchObject({ status: 127, stderr: expect.stringMatching(/^x86run: page fault \(#PF\) at eip 0x[0-9a-f]{8} \(in _start(\+0x[0-9a-f]+)?\): address 0x00000008/) });
    expect(cli(['--max-instructions', '1000', exe.spin as string])).toMatchObject({ status: 124 });
    expect(cli([scratch.path('module.o')])).toMatchObject({ status: 2, stderr: expect.stringMatching(/relocatable object/) });
    expect(cli(['--bogus'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^x86run: unknown option '--bogus'\nusage: x86run FILE/) });
    expect(cli(['--help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: x86run FILE/) });
  });

  it.skipIf(!existsSync(join(PKG, 'dist/x86run.js')))('works as the built package bin (dist/x86run.js)', () => {
    const link = scratch.path('bin/x86run-dist');
    symlinkSync(join(PKG, 'dist/x86run.js'), link);
    const r = spawnSync(process.execPath, [link, exe.hello as string], { encoding: 'utf8' });
    expect(r.status).toBe(0x34);
    expect(r.stdout).toMatch(/^hello from i386\n/);
  });
});
