// `nooks inspect`: what an extension object holds, in the spirit of readelf -S -s and objdump -dr:
// its sections, the symbols it defines, the kernel functions and data it imports (its undefined
// symbols: what the loader binds and what Nooks' wrappers stand in for), and the disassembly of
// its code with the relocations on each instruction.

import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import {
  SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS, SHT_NULL, SHT_PROGBITS, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB,
  STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE, STT_FUNC, STT_OBJECT, STT_SECTION, disassembleBytes, machineName, parseElf32, relocationTypeName386,
} from '@nooks/x86';
import type { Elf32File, Elf32Section } from '@nooks/x86';
import { booleanFlag, exclusive, stringFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { requireObject } from '../extensions.js';
import { jsonLine, table } from '../format.js';

export interface InspectSection {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  /** readelf's letters: W write, A alloc, X execute. */
  readonly flags: string;
  readonly size: number;
  readonly align: number;
  readonly relocations: number;
}

export interface InspectSymbol {
  readonly name: string;
  readonly section: string;
  readonly value: number;
  readonly size: number;
  readonly kind: 'function' | 'object' | 'other';
  readonly binding: 'local' | 'global' | 'weak';
}

export interface InspectImport {
  readonly name: string;
  /** Relocations that refer to it (call sites and address uses). */
  readonly references: number;
}

export interface InspectLine {
  /** Offset in its section (objects are not linked: each section starts at 0). */
  readonly address: number;
  readonly bytes: string;
  readonly text: string;
  /** The function it belongs to and its offset, e.g. "e1000_probe+0x1c". */
  readonly symbol?: string;
  /** Relocations inside the instruction: "R_386_PC32 kmalloc". */
  readonly relocations?: readonly string[];
}

export interface Inspection {
  readonly name: string;
  readonly path: string;
  readonly machine: string;
  readonly sections: readonly InspectSection[];
  readonly symbols: readonly InspectSymbol[];
  readonly imports: readonly InspectImport[];
  readonly disassembly: ReadonlyArray<{ readonly section: string; readonly lines: readonly InspectLine[] }>;
}

const SECTION_TYPES: Readonly<Record<number, string>> = { [SHT_NULL]: 'NULL', [SHT_PROGBITS]: 'PROGBITS', [SHT_SYMTAB]: 'SYMTAB', [SHT_STRTAB]: 'STRTAB', [SHT_RELA]: 'RELA', [SHT_NOBITS]: 'NOBITS', [SHT_REL]: 'REL' };

function flags(s: Elf32Section): string {
  return `${s.flags & SHF_WRITE ? 'W' : ''}${s.flags & SHF_ALLOC ? 'A' : ''}${s.flags & SHF_EXECINSTR ? 'X' : ''}`;
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Reads an object and describes it; `only` limits the disassembly to one function. */
export function inspectObject(name: string, options: { disassemble?: boolean; only?: string } = {}): Inspection {
  const path = extensionObjectPath(name);
  const elf: Elf32File = parseElf32(readFileSync(path));
  const relocCount = new Map<number, number>();
  const relocsAt = new Map<number, Map<number, string[]>>();
  const references = new Map<string, number>();
  for (const rs of elf.relocationSections) {
    relocCount.set(rs.targetSection, rs.entries.length);
    const at = relocsAt.get(rs.targetSection) ?? new Map<number, string[]>();
    relocsAt.set(rs.targetSection, at);
    for (const r of rs.entries) {
      const sym = elf.relocationSymbol(rs, r);
      const symName = sym === undefined ? '' : sym.type === STT_SECTION ? (elf.sections[sym.shndx]?.name ?? '') : sym.name;
      at.set(r.offset, [...(at.get(r.offset) ?? []), `${relocationTypeName386(r.type)} ${symName}`.trim()]);
      if (sym && sym.shndx === SHN_UNDEF && sym.name) references.set(sym.name, (references.get(sym.name) ?? 0) + 1);
    }
  }
  const sections: InspectSection[] = elf.sections
    .filter((s) => s.index > 0)
    .map((s) => ({ index: s.index, name: s.name, type: SECTION_TYPES[s.type] ?? `0x${s.type.toString(16)}`, flags: flags(s), size: s.size, align: s.addralign, relocations: relocCount.get(s.index) ?? 0 }));
  const symbols: InspectSymbol[] = [];
  const imports = new Set<string>();
  for (const sym of elf.symbols) {
    if (sym.index === 0 || !sym.name || sym.type === STT_SECTION || sym.type === STT_FILE) continue;
    if (sym.shndx === SHN_UNDEF) {
      imports.add(sym.name);
      continue;
    }
    const section = sym.shndx === SHN_ABS ? '*ABS*' : sym.shndx === SHN_COMMON ? '*COM*' : (elf.sections[sym.shndx]?.name ?? String(sym.shndx));
    symbols.push({
      name: sym.name,
      section,
      value: sym.value,
      size: sym.size,
      kind: sym.type === STT_FUNC ? 'function' : sym.type === STT_OBJECT ? 'object' : 'other',
      binding: sym.bind === STB_LOCAL ? 'local' : sym.bind === STB_WEAK ? 'weak' : sym.bind === STB_GLOBAL ? 'global' : 'global',
    });
  }
  symbols.sort((a, b) => (a.section < b.section ? -1 : a.section > b.section ? 1 : a.value - b.value));
  let onlyRange: { section: string; start: number; end: number } | undefined;
  if (options.only !== undefined) {
    const f = symbols.find((s) => s.name === options.only && s.kind === 'function');
    if (!f) throw new UsageError(`no function '${options.only}' in ${name} (functions: ${symbols.filter((s) => s.kind === 'function').map((s) => s.name).join(', ')})`);
    onlyRange = { section: f.section, start: f.value, end: f.value + Math.max(1, f.size) };
  }
  const disassembly: Array<{ section: string; lines: InspectLine[] }> = [];
  if (options.disassemble !== false) {
    for (const s of elf.sections) {
      if ((s.flags & SHF_EXECINSTR) === 0 || s.size === 0 || s.type === SHT_NOBITS) continue;
      if (onlyRange && onlyRange.section !== s.name) continue;
      const rel = relocsAt.get(s.index);
      const symbolize = (a: number): string | undefined => {
        const loc = elf.symbolAt(a, s.index);
        return loc ? (loc.offset === 0 ? loc.symbol.name : `${loc.symbol.name}+0x${loc.offset.toString(16)}`) : undefined;
      };
      const lines: InspectLine[] = [];
      for (const l of disassembleBytes(elf.sectionData(s), 0, { symbolize })) {
        if (onlyRange && (l.address < onlyRange.start || l.address >= onlyRange.end)) continue;
        const relocations: string[] = [];
        for (let i = 0; i < l.length; i++) relocations.push(...(rel?.get(l.address + i) ?? []));
        const symbol = symbolize(l.address);
        // A call to the kernel is `call rel32` with a PC32 relocation: print the callee, not the
        // unrelocated field's meaningless target (the relocation is listed after it).
        const callee = l.length === 5 && l.bytes[0] === 0xe8 ? rel?.get(l.address + 1)?.find((r) => r.startsWith('R_386_PC32 '))?.slice('R_386_PC32 '.length) : undefined;
        const text = callee ? `call   ${callee}` : l.text;
        lines.push({ address: l.address, bytes: hexBytes(l.bytes), text, ...(symbol ? { symbol } : {}), ...(relocations.length ? { relocations } : {}) });
      }
      disassembly.push({ section: s.name, lines });
    }
  }
  return {
    name,
    path,
    machine: machineName(elf.header.machine),
    sections,
    symbols,
    imports: [...imports].sort().map((n) => ({ name: n, references: references.get(n) ?? 0 })),
    disassembly,
  };
}

function render(r: Inspection): string {
  const out: string[] = [];
  out.push(`${r.name}: ELF32 relocatable object for ${r.machine} (${r.path})`);
  out.push('', 'sections');
  out.push(table(['nr', 'name', 'type', 'flags', 'size', 'align', 'relocs'], r.sections.map((s) => [String(s.index), s.name, s.type, s.flags, String(s.size), String(s.align), s.relocations ? String(s.relocations) : '']), 4));
  out.push('', `symbols (${r.symbols.length} defined)`);
  out.push(table(['section', 'value', 'size', 'kind', 'binding', 'name'], r.symbols.map((s) => [s.section, s.value.toString(16).padStart(8, '0'), String(s.size), s.kind, s.binding, s.name]), 1));
  out.push('', `imports (${r.imports.length} kernel symbols it uses, with their relocations)`);
  out.push(table(['name', 'references'], r.imports.map((i) => [i.name, String(i.references)])));
  for (const d of r.disassembly) {
    out.push('', `disassembly of section ${d.section}`);
    for (const l of d.lines) {
      if (l.symbol !== undefined && !l.symbol.includes('+')) out.push('', `${l.address.toString(16).padStart(8, '0')} <${l.symbol}>:`);
      const rel = l.relocations ? `    # ${l.relocations.join(', ')}` : '';
      out.push(`${l.address.toString(16).padStart(8)}:\t${l.bytes.padEnd(21)}\t${l.text}${rel}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'show an extension object: sections, symbols, imports, disassembly',
  usage: 'nooks inspect EXTENSION [--function NAME | --no-disasm] [--json]',
  help: `
Describes a built extension object (ELF32 relocatable, i386): its sections (with their
relocation counts), the symbols it defines, the kernel symbols it imports (undefined symbols,
with how many relocations use each), and the AT&T disassembly of its code, each instruction
with the relocations inside it (as objdump -dr; sections start at offset 0).

  EXTENSION          a built object: e1000, a bug variant (nooks bugs), a test module
  --function NAME    disassemble only this function
  --no-disasm        sections, symbols and imports only
  --json             print the description (schema in the README)
  -h, --help         this help

Exit status: 0 success; 2 bad usage (no or unknown extension, unknown function); 1 failure
(an object that cannot be read).`,
  options: { function: { type: 'string' }, 'no-disasm': { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: 1,
  async run(args, io) {
    const name = args.positionals[0];
    if (name === undefined) throw new UsageError('which extension? name one, e.g. nooks inspect e1000');
    requireObject(name);
    exclusive(args, 'function', ['no-disasm']);
    const only = stringFlag(args, 'function');
    const r = inspectObject(name, { disassemble: !booleanFlag(args, 'no-disasm'), ...(only !== undefined ? { only } : {}) });
    io.stdout.write(booleanFlag(args, 'json') ? jsonLine(r) : render(r));
    return EXIT_OK;
  },
});
