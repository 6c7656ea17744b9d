// Parses `readelf -W` output (binutils) into plain records, the oracle for elf.test.ts.
import { run } from './i386-toolchain.js';

export interface ReadelfSection {
  index: number;
  name: string;
  type: string;
  addr: number;
  offset: number;
  size: number;
  entsize: number;
  flags: string;
  link: number;
  info: number;
  align: number;
}

export interface ReadelfSymbol {
  table: string;
  index: number;
  value: number;
  size: number;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  name: string;
}

export interface ReadelfRelocation {
  section: string;
  offset: number;
  info: number;
  type: string;
  symbolName: string;
}

export interface ReadelfSegment {
  type: string;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: string;
  align: number;
}

export interface ReadelfHeader {
  type: string;
  entry: number;
  flags: number;
  phnum: number;
  shnum: number;
  shstrndx: number;
}

const h = (s: string): number => parseInt(s, 16);

export function readelfSections(path: string): ReadelfSection[] {
  const out: ReadelfSection[] = [];
  for (const line of run('readelf', ['-W', '-S', path]).split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s?(.*)$/.exec(line);
    if (!m) continue;
    const tokens = (m[2] ?? '').trim().split(/\s+/);
    const k = tokens.findIndex((t, i) => i >= 1 && /^[0-9a-f]{8}$/.test(t) && /^[0-9a-f]{6,}$/.test(tokens[i + 1] ?? ''));
    if (k < 0) throw new Error(`unparsed readelf section line: ${line}`);
    // the one section type readelf spells in several words
    const multi = tokens.slice(Math.max(0, k - 3), k).join(' ') === 'SYMTAB SECTION INDICES';
    const typeStart = multi ? k - 3 : k - 1;
    const rest = tokens.slice(k + 4);
    const flags = rest.length === 4 ? (rest.shift() ?? '') : '';
    out.push({
      index: Number(m[1]),
      name: tokens.slice(0, typeStart).join(' '),
      type: tokens.slice(typeStart, k).join(' '),
      addr: h(tokens[k] ?? ''),
      offset: h(tokens[k + 1] ?? ''),
      size: h(tokens[k + 2] ?? ''),
      entsize: h(tokens[k + 3] ?? ''),
      flags,
      link: Number(rest[0]),
      info: Number(rest[1]),
      align: Number(rest[2]),
    });
  }
  return out;
}

export function readelfSymbols(path: string): ReadelfSymbol[] {
  const out: ReadelfSymbol[] = [];
  let table = '';
  for (const line of run('readelf', ['-W', '-s', path]).split('\n')) {
    const t = /^Symbol table '([^']+)'/.exec(line);
    if (t) {
      table = t[1] ?? '';
      continue;
    }
    const m = /^\s*(\d+):\s+([0-9a-f]{8})\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      table,
      index: Number(m[1]),
      value: h(m[2] ?? ''),
      size: Number(m[3]),
      type: m[4] ?? '',
      bind: m[5] ?? '',
      vis: m[6] ?? '',
      ndx: m[7] ?? '',
      name: m[8] ?? '',
    });
  }
  return out;
}

export function readelfRelocations(path: string): ReadelfRelocation[] {
  const out: ReadelfRelocation[] = [];
  let section = '';
  for (const line of run('readelf', ['-W', '-r', path]).split('\n')) {
    const s = /^Relocation section '([^']+)'/.exec(line);
    if (s) {
      section = s[1] ?? '';
      continue;
    }
    const m = /^([0-9a-f]{8})\s+([0-9a-f]{8})\s+(\S+)\s*(?:([0-9a-f]{8})\s+(.*))?$/.exec(line.trimEnd());
    if (!m) continue;
    out.push({ section, offset: h(m[1] ?? ''), info: h(m[2] ?? ''), type: m[3] ?? '', symbolName: (m[5] ?? '').trim() });
  }
  return out;
}

export function readelfSegments(path: string): ReadelfSegment[] {
  const out: ReadelfSegment[] = [];
  for (const line of run('readelf', ['-W', '-l', path]).split('\n')) {
    const m = /^\s+(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]{3})\s+0x([0-9a-f]+)$/.exec(line);
    if (!m) continue;
    out.push({
      type: m[1] ?? '',
      offset: h(m[2] ?? ''),
      vaddr: h(m[3] ?? ''),
      paddr: h(m[4] ?? ''),
      filesz: h(m[5] ?? ''),
      memsz: h(m[6] ?? ''),
      flags: m[7] ?? '',
      align: h(m[8] ?? ''),
    });
  }
  return out;
}

export function readelfHeader(path: string): ReadelfHeader {
  const text = run('readelf', ['-W', '-h', path]);
  const field = (label: string): string => {
    const m = new RegExp(`^\\s*${label}:\\s+(.*)$`, 'm').exec(text);
    if (!m) throw new Error(`readelf -h: no '${label}' in\n${text}`);
    return (m[1] ?? '').trim();
  };
  return {
    type: field('Type').split(' ')[0] ?? '',
    entry: h(field('Entry point address').replace(/^0x/, '')),
    flags: h(field('Flags').replace(/^0x/, '').split(/[ ,]/)[0] ?? '0'),
    phnum: Number(field('Number of program headers').split(' ')[0]),
    shnum: Number(field('Number of section headers').split(' ')[0]),
    shstrndx: Number(field('Section header string table index').split(' ')[0]),
  };
}
