// The disassembler against GNU objdump on compiled C: every instruction of the corpus programs
// and of the extension sources, at -O0/-O1/-O2/-O3/-Os, is decoded at objdump's address and must
// have objdump's length and text, both one instruction at a time (`disassemble`) and as a linear
// sweep (`disassembleBytes`). The corpus executables at the levels the other tests use come from
// buildCorpus's cache; the other levels are compiled here as objects (one cc1 per source rather
// than a static link with the runtime per program, which keeps a cold run well under a minute).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeBytes } from '../src/decoder.js';
import { disassemble, disassembleBytes } from '../src/disasm.js';
import { CC, CORPUS_CFLAGS, CORPUS_OPT_LEVELS, MAX_PARALLEL_COMPILES, PACKAGE_DIR, PROGRAMS_DIR, RUNTIME_DIR, buildCorpus, listCorpusPrograms } from './corpus.js';

const OPT_LEVELS = ['-O0', '-O1', '-O2', '-O3', '-Os'] as const;

/** The extensions' compile flags (packages/extensions/src/toolchain.ts), without the -O level. */
const EXTENSION_CFLAGS: readonly string[] = [
  '-m32', '-ffreestanding', '-fno-pic', '-fno-pie', '-fno-stack-protector', '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables', '-fcf-protection=none', '-nostdinc', '-fno-strict-aliasing', '-fno-common',
  '-fno-omit-frame-pointer', '-mpreferred-stack-boundary=2', '-march=i686', '-mno-mmx', '-mno-sse', '-mno-80387',
];
const EXTENSIONS_C = resolve(PACKAGE_DIR, '../extensions/c');
/** The corpus flags minus the link-only ones, for `-c` objects. */
const CORPUS_OBJECT_CFLAGS = CORPUS_CFLAGS.filter((f) => !['-static', '-nostdlib', '-no-pie'].includes(f) && !f.startsWith('-Wl,'));

/**
 * Decoder bugs the corpus hits, reported to the decoder's owner; each entry matches the raw
 * bytes (hex, space-separated) of the instructions it excuses. Empty: every instruction matches.
 */
const KNOWN_DECODER_BUGS: readonly { readonly bytes: RegExp; readonly why: string }[] = [];

interface Line {
  readonly address: number;
  readonly bytes: readonly number[];
  readonly text: string;
}

interface Section {
  readonly file: string;
  readonly name: string;
  readonly base: number;
  readonly bytes: Uint8Array;
  readonly lines: readonly Line[];
  /** objdump's `<name>:` labels in this section, sorted by address. */
  readonly labels: readonly Label[];
}

/** Runs `cc args` in `cwd`; rejects with its stderr when it fails. */
function compile(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(CC, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => (status === 0 ? done() : fail(new Error(`${CC} ${args.join(' ')} failed (${status}):\n${stderr}`))));
  });
}

/** Runs the jobs at most MAX_PARALLEL_COMPILES at a time. */
async function pool(jobs: readonly (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: MAX_PARALLEL_COMPILES }, worker));
}

function tool(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** objdump's text as compared: no trailing blanks, no `# comment`. */
function normalise(text: string): string {
  return text.replace(/\s+#.*$/, '').trimEnd();
}

/** Parses `objdump -d -z -w` into code sections with their bytes, labels and lines. */
function objdumpSections(file: string): Section[] {
  const out: Section[] = [];
  let cur: { name: string; lines: Line[]; labels: { address: number; name: string }[] } | undefined;
  const flush = (): void => {
    if (!cur || cur.lines.length === 0) return;
    const first = cur.lines[0] as Line;
    const bytes: number[] = [];
    for (const l of cur.lines) {
      if (l.address !== first.address + bytes.length) throw new Error(`${file} ${cur.name}: gap before 0x${l.address.toString(16)}`);
      bytes.push(...l.bytes);
    }
    out.push({ file, name: cur.name, base: first.address, bytes: new Uint8Array(bytes), lines: cur.lines, labels: cur.labels });
  };
  for (const raw of tool('objdump', ['-d', '-z', '-w', file]).split('\n')) {
    const sec = /^Disassembly of section (\S+):$/.exec(raw);
    if (sec) {
      flush();
      cur = { name: sec[1] as string, lines: [], labels: [] };
      continue;
    }
    const label = /^([0-9a-f]+) <(.+)>:$/.exec(raw);
    if (label && cur) {
      cur.labels.push({ address: parseInt(label[1] as string, 16), name: label[2] as string });
      continue;
    }
    const ins = /^ *([0-9a-f]+):\t([0-9a-f ]+?) *\t(.*)$/.exec(raw);
    if (ins && cur) {
      cur.lines.push({
        address: parseInt(ins[1] as string, 16),
        bytes: (ins[2] as string).split(' ').map((b) => parseInt(b, 16)),
        text: normalise(ins[3] as string),
      });
    }
  }
  flush();
  return out;
}

type Label = { readonly address: number; readonly name: string };

function nearestAtOrBefore(labels: readonly Label[], addr: number): Label | undefined {
  let lo = 0;
  let hi = labels.length - 1;
  let best: Label | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = labels[mid] as Label;
    if (l.address <= addr) {
      best = l;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** The defined symbols of a file (`objdump -t`), sorted by address: objdump's candidates for naming an address. */
function symbolTable(file: string): Label[] {
  const out: Label[] = [];
  for (const line of tool('objdump', ['-t', file]).split('\n')) {
    const m = /^([0-9a-f]{8}) (.{7}) (\S+)\t[0-9a-f]{8} (.+)$/.exec(line);
    if (!m || m[3] === '*UND*' || m[3] === '*ABS*' || /[df]/.test(m[2] as string)) continue;
    out.push({ address: parseInt(m[1] as string, 16), name: m[4] as string });
  }
  return out.sort((a, b) => a.address - b.address);
}

/**
 * objdump's `<sym+0x12>` naming: the nearest label at or before the address in the section;
 * for a target outside the section (an unrelocated call in an object file, whose sections all
 * start at 0), the nearest symbol of any section of the file, data included.
 */
function symbolizer(section: Section, fileLabels: readonly Label[]): (addr: number) => string | undefined {
  const end = section.base + section.bytes.length;
  return (addr) => {
    const inside = addr >= section.base && addr < end;
    const l = nearestAtOrBefore(inside ? section.labels : fileLabels, addr);
    if (!l) return undefined;
    return addr === l.address ? l.name : `${l.name}+0x${(addr - l.address).toString(16)}`;
  };
}

function hexBytes(bytes: readonly number[] | Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

interface Mismatch {
  readonly where: string;
  readonly bytes: string;
  readonly objdump: string;
  readonly ours: string;
}

function compareSection(section: Section, fileLabels: readonly Label[], mismatches: Mismatch[], excused: Mismatch[]): number {
  const symbolize = symbolizer(section, fileLabels);
  const report = (line: Line, len: number, text: string): void => {
    const m: Mismatch = {
      where: `${section.file} ${section.name} 0x${line.address.toString(16)}`,
      bytes: hexBytes(line.bytes),
      objdump: `${line.bytes.length} ${line.text}`,
      ours: `${len} ${text}`,
    };
    (KNOWN_DECODER_BUGS.some((k) => k.bytes.test(m.bytes)) ? excused : mismatches).push(m);
  };
  for (const line of section.lines) {
    const ins = decodeBytes(section.bytes, line.address - section.base, line.address);
    const text = disassemble(ins, { symbolize });
    if (ins.len !== line.bytes.length || text !== line.text) report(line, ins.len, text);
  }
  // The sweep must stay in step with objdump's.
  const swept = disassembleBytes(section.bytes, section.base, { symbolize });
  const byAddress = new Map(swept.map((s) => [s.address, s]));
  for (const line of section.lines) {
    const s = byAddress.get(line.address);
    if (!s) {
      report(line, -1, '(sweep out of step)');
    } else if (s.length !== line.bytes.length || s.text !== line.text) {
      report(line, s.length, `${s.text} (sweep)`);
    }
  }
  return section.lines.length;
}

describe('disassembler against objdump on compiled C', () => {
  const sections: Section[] = [];
  let scratch = '';

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nooks-x86-disasm-'));
    const jobs: (() => Promise<void>)[] = [];
    const objectDirs: string[] = [];
    // Corpus programs and their runtime at the levels buildCorpus does not build, a few sources per gcc.
    const corpusSources = [
      ...listCorpusPrograms().map((n) => join(PROGRAMS_DIR, `${n}.c`)),
      join(RUNTIME_DIR, 'rt.c'),
      join(RUNTIME_DIR, 'libgcc.c'),
    ];
    for (const opt of OPT_LEVELS.filter((o) => !(CORPUS_OPT_LEVELS as readonly string[]).includes(o))) {
      const dir = join(scratch, `corpus${opt}`);
      mkdirSync(dir);
      objectDirs.push(dir);
      for (let i = 0; i < corpusSources.length; i += 8) {
        const chunk = corpusSources.slice(i, i + 8);
        jobs.push(() => compile([...CORPUS_OBJECT_CFLAGS, opt, '-I', RUNTIME_DIR, '-c', ...chunk], dir));
      }
    }
    // The extension sources, as the extensions package builds them.
    const extensionSources = readdirSync(EXTENSIONS_C, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.c'));
    for (const opt of OPT_LEVELS) {
      const dir = join(scratch, `extensions${opt}`);
      mkdirSync(dir);
      objectDirs.push(dir);
      for (const src of extensionSources) {
        const obj = join(dir, `${src.replace(/[/\\]/g, '_')}.o`);
        jobs.push(() => compile([...EXTENSION_CFLAGS, opt, '-I', join(EXTENSIONS_C, 'include'), '-c', join(EXTENSIONS_C, src), '-o', obj], dir));
      }
    }
    const programs = await buildCorpus();
    await pool(jobs);
    for (const p of programs) sections.push(...objdumpSections(p.path));
    for (const dir of objectDirs) {
      for (const f of readdirSync(dir).sort()) sections.push(...objdumpSections(join(dir, f)));
    }
  });

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('matches objdump on every instruction', () => {
    const mismatches: Mismatch[] = [];
    const excused: Mismatch[] = [];
    let compared = 0;
    const labelsByFile = new Map<string, Label[]>();
    for (const s of sections) if (!labelsByFile.has(s.file)) labelsByFile.set(s.file, symbolTable(s.file));
    for (const s of sections) compared += compareSection(s, labelsByFile.get(s.file) ?? [], mismatches, excused);
    const failed = new Set(mismatches.map((m) => m.where)).size;
    const rate = ((compared - failed) / compared) * 100;
    console.log(
      `disasm corpus: ${compared} instructions in ${sections.length} sections compared; ` +
        `${compared - failed} match (${rate.toFixed(3)}%), ${excused.length} excused as known decoder bugs`,
    );
    expect(compared).toBeGreaterThan(50_000);
    expect(mismatches.slice(0, 40)).toEqual([]);
  });
});
