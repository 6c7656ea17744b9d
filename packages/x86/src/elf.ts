// ELF32 little-endian reader: executables for x86run, relocatable objects (ET_REL) for the
// kernel's module loader, anything for an `inspect` command. parseElf32 validates the whole
// file up front (headers, table bounds, string tables, symbol and relocation indexes), so every
// malformed input fails there with an ElfFormatError and nothing read later can go out of range.
// Every loop is bounded by a table that has already been checked to lie inside the file.

/** Any structural problem with an ELF file. The message says what is wrong and where. */
export class ElfFormatError extends Error {
  readonly code = 'ELF_FORMAT' as const;
  /** File offset the problem was found at, when there is one. */
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(message);
    this.name = 'ElfFormatError';
    this.offset = offset;
  }
}

// ---- constants -------------------------------------------------------------------------------

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_386 = 3;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_SHLIB = 10;
export const SHT_DYNSYM = 11;
export const SHT_INIT_ARRAY = 14;
export const SHT_FINI_ARRAY = 15;
export const SHT_PREINIT_ARRAY = 16;
export const SHT_GROUP = 17;
export const SHT_SYMTAB_SHNDX = 18;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_MERGE = 0x10;
export const SHF_STRINGS = 0x20;
export const SHF_INFO_LINK = 0x40;
export const SHF_LINK_ORDER = 0x80;
export const SHF_GROUP = 0x200;
export const SHF_TLS = 0x400;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;
/** e_phnum value meaning "the real count is in section header 0's sh_info". */
export const PN_XNUM = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const STV_DEFAULT = 0;
export const STV_INTERNAL = 1;
export const STV_HIDDEN = 2;
export const STV_PROTECTED = 3;

export const R_386_NONE = 0;
export const R_386_32 = 1;
export const R_386_PC32 = 2;
export const R_386_GOT32 = 3;
export const R_386_PLT32 = 4;
export const R_386_COPY = 5;
export const R_386_GLOB_DAT = 6;
export const R_386_JMP_SLOT = 7;
export const R_386_RELATIVE = 8;
export const R_386_GOTOFF = 9;
export const R_386_GOTPC = 10;
export const R_386_32PLT = 11;
export const R_386_16 = 20;
export const R_386_PC16 = 21;
export const R_386_8 = 22;
export const R_386_PC8 = 23;
export const R_386_GOT32X = 43;

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;
const REL_SIZE = 8;
const RELA_SIZE = 12;

const MACHINE_NAMES: Readonly<Record<number, string>> = {
  0: 'no machine',
  2: 'SPARC',
  3: 'Intel 80386',
  8: 'MIPS',
  20: 'PowerPC',
  40: 'ARM',
  62: 'AMD x86-64',
  183: 'AArch64',
  243: 'RISC-V',
};

const R_386_NAMES: Readonly<Record<number, string>> = {
  0: 'R_386_NONE',
  1: 'R_386_32',
  2: 'R_386_PC32',
  3: 'R_386_GOT32',
  4: 'R_386_PLT32',
  5: 'R_386_COPY',
  6: 'R_386_GLOB_DAT',
  7: 'R_386_JUMP_SLOT',
  8: 'R_386_RELATIVE',
  9: 'R_386_GOTOFF',
  10: 'R_386_GOTPC',
  11: 'R_386_32PLT',
  14: 'R_386_TLS_TPOFF',
  15: 'R_386_TLS_IE',
  16: 'R_386_TLS_GOTIE',
  17: 'R_386_TLS_LE',
  18: 'R_386_TLS_GD',
  19: 'R_386_TLS_LDM',
  20: 'R_386_16',
  21: 'R_386_PC16',
  22: 'R_386_8',
  23: 'R_386_PC8',
  24: 'R_386_TLS_GD_32',
  25: 'R_386_TLS_GD_PUSH',
  26: 'R_386_TLS_GD_CALL',
  27: 'R_386_TLS_GD_POP',
  28: 'R_386_TLS_LDM_32',
  29: 'R_386_TLS_LDM_PUSH',
  30: 'R_386_TLS_LDM_CALL',
  31: 'R_386_TLS_LDM_POP',
  32: 'R_386_TLS_LDO_32',
  33: 'R_386_TLS_IE_32',
  34: 'R_386_TLS_LE_32',
  35: 'R_386_TLS_DTPMOD32',
  36: 'R_386_TLS_DTPOFF32',
  37: 'R_386_TLS_TPOFF32',
  38: 'R_386_SIZE32',
  39: 'R_386_TLS_GOTDESC',
  40: 'R_386_TLS_DESC_CALL',
  41: 'R_386_TLS_DESC',
  42: 'R_386_IRELATIVE',
  43: 'R_386_GOT32X',
};

/** readelf's name for an i386 relocation type (`R_386_32`), or `R_386_<n>` if unknown. */
export function relocationTypeName386(type: number): string {
  return R_386_NAMES[type] ?? `R_386_<${type}>`;
}

/** The name of an e_machine value, for messages. */
export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

/** Size in bytes of the field an i386 relocation patches (0 when the type patches nothing). */
export function relocationWidth386(type: number): number {
  switch (type) {
    case R_386_NONE:
    case 40: // R_386_TLS_DESC_CALL marks a call; it patches nothing
      return 0;
    case R_386_16:
    case R_386_PC16:
      return 2;
    case R_386_8:
    case R_386_PC8:
      return 1;
    default:
      return 4;
  }
}

// ---- parsed form -------------------------------------------------------------------------------

export interface Elf32Header {
  /** EI_OSABI and EI_ABIVERSION from e_ident. */
  readonly osabi: number;
  readonly abiVersion: number;
  /** ET_REL, ET_EXEC, ET_DYN, ... */
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** Number of program headers (after PN_XNUM resolution). */
  readonly phnum: number;
  readonly shentsize: number;
  /** Number of section headers (after extended-numbering resolution). */
  readonly shnum: number;
  /** Index of the section-name string table (after SHN_XINDEX resolution); 0 if none. */
  readonly shstrndx: number;
}

export interface Elf32ProgramHeader {
  readonly index: number;
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  /** PF_R | PF_W | PF_X */
  readonly flags: number;
  readonly align: number;
}

export interface Elf32Section {
  readonly index: number;
  readonly name: string;
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface Elf32Symbol {
  /** Index in its symbol table (what relocations refer to). */
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* */
  readonly type: number;
  /** STB_* */
  readonly bind: number;
  /** STV_* */
  readonly visibility: number;
  readonly info: number;
  readonly other: number;
  /**
   * st_shndx with SHN_XINDEX resolved: SHN_UNDEF, SHN_ABS, SHN_COMMON or the index of the
   * defining section. Use `section` to tell a real index from a reserved value.
   */
  readonly shndx: number;
  /** Index of the defining section, or -1 for undefined, absolute and common symbols. */
  readonly section: number;
}

export interface Elf32Relocation {
  /** r_offset: offset in the target section (ET_REL) or a virtual address (ET_EXEC/ET_DYN). */
  readonly offset: number;
  readonly info: number;
  /** ELF32_R_TYPE(info), e.g. R_386_32. */
  readonly type: number;
  /** ELF32_R_SYM(info): index into the symbol table the section links to. */
  readonly symbolIndex: number;
  /** r_addend for SHT_RELA; 0 for SHT_REL, whose addend is the value stored at the place. */
  readonly addend: number;
}

export interface Elf32RelocationSection {
  /** The SHT_REL or SHT_RELA section itself. */
  readonly section: Elf32Section;
  readonly rela: boolean;
  /** sh_info: the section the relocations apply to (0 in some executables' dynamic tables). */
  readonly targetSection: number;
  /** sh_link: the symbol table the entries index (0 if none, then every symbolIndex is 0). */
  readonly symbolTableSection: number;
  readonly entries: readonly Elf32Relocation[];
}

export interface SymbolLocation {
  readonly symbol: Elf32Symbol;
  /** address - symbol.value */
  readonly offset: number;
}

export interface ParseElfOptions {
  /** Required e_machine; `null` accepts any. Default EM_386 (3). */
  readonly machine?: number | null;
}

export class Elf32File {
  /** The whole file; section and segment data are views into it. */
  readonly bytes: Uint8Array;
  readonly header: Elf32Header;
  readonly programHeaders: readonly Elf32ProgramHeader[];
  /** All section headers, index 0 (the null section) included. */
  readonly sections: readonly Elf32Section[];
  /** Entries of the SHT_SYMTAB section (index 0, the null symbol, included); empty if none. */
  readonly symbols: readonly Elf32Symbol[];
  /** Index of the SHT_SYMTAB section, or 0 if the file has none. */
  readonly symbolTableSection: number;
  /** Entries of the SHT_DYNSYM section; empty if none. */
  readonly dynamicSymbols: readonly Elf32Symbol[];
  readonly relocationSections: readonly Elf32RelocationSection[];
  private readonly symbolTables: ReadonlyMap<number, readonly Elf32Symbol[]>;
  private functionIndex: Elf32Symbol[] | undefined;
  private byName: Map<string, Elf32Symbol> | undefined;

  /** @internal use parseElf32 */
  constructor(parts: {
    bytes: Uint8Array;
    header: Elf32Header;
    programHeaders: Elf32ProgramHeader[];
    sections: Elf32Section[];
    symbolTables: Map<number, Elf32Symbol[]>;
    symbolTableSection: number;
    dynamicSymbolSection: number;
    relocationSections: Elf32RelocationSection[];
  }) {
    this.bytes = parts.bytes;
    this.header = parts.header;
    this.programHeaders = parts.programHeaders;
    this.sections = parts.sections;
    this.symbolTables = parts.symbolTables;
    this.symbolTableSection = parts.symbolTableSection;
    this.symbols = parts.symbolTables.get(parts.symbolTableSection) ?? [];
    this.dynamicSymbols = parts.symbolTables.get(parts.dynamicSymbolSection) ?? [];
    this.relocationSections = parts.relocationSections;
  }

  /** The section's bytes in the file (a view). SHT_NOBITS and SHT_NULL sections give an empty array. */
  sectionData(section: Elf32Section | number): Uint8Array {
    const s = typeof section === 'number' ? this.sections[section] : section;
    if (s === undefined) throw new RangeError(`no section ${String(section)} (the file has ${this.sections.length})`);
    if (s.type === SHT_NOBITS || s.type === SHT_NULL) return this.bytes.subarray(0, 0);
    return this.bytes.subarray(s.offset, s.offset + s.size);
  }

  /** The bytes a program header maps from the file (p_filesz bytes at p_offset; a view). */
  segmentData(ph: Elf32ProgramHeader): Uint8Array {
    return this.bytes.subarray(ph.offset, ph.offset + ph.filesz);
  }

  /** First section with this name. */
  sectionByName(name: string): Elf32Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The symbols of a symbol-table section (SHT_SYMTAB or SHT_DYNSYM) by its index. */
  symbolsOf(sectionIndex: number): readonly Elf32Symbol[] {
    return this.symbolTables.get(sectionIndex) ?? [];
  }

  /** The symbol a relocation entry refers to (undefined for symbol index 0). */
  relocationSymbol(rs: Elf32RelocationSection, r: Elf32Relocation): Elf32Symbol | undefined {
    if (r.symbolIndex === 0) return undefined;
    return this.symbolsOf(rs.symbolTableSection)[r.symbolIndex];
  }

  /**
   * The .symtab symbol named `name`: a defined global or weak one if there is one, else a
   * defined local one, else an undefined reference; undefined if the name does not occur.
   */
  findSymbol(name: string): Elf32Symbol | undefined {
    if (this.byName === undefined) {
      const map = new Map<string, Elf32Symbol>();
      for (const s of this.symbols) {
        if (s.index === 0 || s.name === '' || s.type === STT_SECTION || s.type === STT_FILE) continue;
        const prev = map.get(s.name);
        if (prev === undefined || symbolRank(s) > symbolRank(prev)) map.set(s.name, s);
      }
      this.byName = map;
    }
    return this.byName.get(name);
  }

  /**
   * The function symbol at or nearest before `address` (for "name+0x12" display), with the
   * offset from it. In relocatable objects symbol values are section offsets: pass the section
   * index to look only there. A symbol whose size is known and does not reach `address` is
   * still returned (the offset says how far past its start the address is); undefined if no
   * function symbol lies at or below `address`.
   */
  symbolAt(address: number, sectionIndex?: number): SymbolLocation | undefined {
    const index = this.functionSymbols();
    const addr = address >>> 0;
    // rightmost symbol with value <= addr
    let lo = 0;
    let hi = index.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = index[mid] as Elf32Symbol;
      if (m.value <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    for (let i = found; i >= 0; i--) {
      const s = index[i] as Elf32Symbol;
      if (sectionIndex !== undefined && s.section !== sectionIndex) continue;
      return { symbol: s, offset: addr - s.value };
    }
    return undefined;
  }

  /** `name+0x12` (or `name`, or `0x08049012` when no symbol precedes the address). */
  describeAddress(address: number, sectionIndex?: number): string {
    const loc = this.symbolAt(address, sectionIndex);
    if (loc === undefined) return hex(address >>> 0, 8);
    return loc.offset === 0 ? loc.symbol.name : `${loc.symbol.name}+0x${loc.offset.toString(16)}`;
  }

  private functionSymbols(): Elf32Symbol[] {
    if (this.functionIndex === undefined) {
      const list = this.symbols.filter(
        (s) => (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.section >= 0 && s.name !== '',
      );
      // by address; at equal addresses prefer global over local, then the larger symbol, so the
      // last one (the one binary search lands on) is the best name
      list.sort((a, b) => a.value - b.value || symbolRank(a) - symbolRank(b) || a.size - b.size || b.index - a.index);
      this.functionIndex = list;
    }
    return this.functionIndex;
  }
}

function symbolRank(s: Elf32Symbol): number {
  const defined = s.shndx !== SHN_UNDEF ? 4 : 0;
  const bind = s.bind === STB_GLOBAL ? 2 : s.bind === STB_WEAK ? 1 : 0;
  return defined + bind;
}

// ---- parsing -------------------------------------------------------------------------------

function hex(n: number, width = 0): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

/** Bounds-checked little-endian reads: a last line of defence behind the explicit checks. */
class Reader {
  constructor(readonly b: Uint8Array) {}
  u8(o: number): number {
    if (o < 0 || o >= this.b.length) throw this.oob(o, 1);
    return this.b[o] as number;
  }
  u16(o: number): number {
    if (o < 0 || o + 2 > this.b.length) throw this.oob(o, 2);
    return (this.b[o] as number) | ((this.b[o + 1] as number) << 8);
  }
  u32(o: number): number {
    if (o < 0 || o + 4 > this.b.length) throw this.oob(o, 4);
    const b = this.b;
    return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
  }
  private oob(o: number, n: number): ElfFormatError {
    return new ElfFormatError(`read of ${n} bytes at offset ${hex(o)} is past the end of the file (size ${hex(this.b.length)})`, o);
  }
}

/** Decodes NUL-terminated names, with a cap on total work so overlapping names cannot blow up. */
class Strings {
  private readonly decoder = new TextDecoder('utf-8');
  private readonly cache = new Map<string, string>();
  private budget: number;
  constructor(private readonly file: Uint8Array) {
    this.budget = 8 * file.length + (1 << 20);
  }

  /** Checks that `sec` can serve as a string table (in the file, NUL-terminated). */
  checkTable(sec: Elf32Section, use: string): void {
    if (sec.type !== SHT_STRTAB) {
      throw new ElfFormatError(`${use} refers to ${sectionLabel(sec)} as its string table, but that section has type ${sec.type}, not SHT_STRTAB (3)`);
    }
    if (sec.size > 0 && this.file[sec.offset + sec.size - 1] !== 0) {
      throw new ElfFormatError(
        `string table ${sectionLabel(sec)} (offset ${hex(sec.offset)}, size ${hex(sec.size)}) does not end with a NUL byte`,
        sec.offset + sec.size - 1,
      );
    }
  }

  get(sec: Elf32Section, offset: number, what: string): string {
    if (offset === 0 && sec.size === 0) return '';
    if (offset >= sec.size) {
      throw new ElfFormatError(
        `${what}: name offset ${hex(offset)} is past the end of string table ${sectionLabel(sec)} (size ${hex(sec.size)})`,
        sec.offset,
      );
    }
    const key = `${sec.index}:${offset}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const start = sec.offset + offset;
    // checkTable guaranteed a NUL at the end of the table
    const end = this.file.indexOf(0, start);
    this.budget -= end - start + 1;
    if (this.budget < 0) {
      throw new ElfFormatError(
        `string tables: names overlap so much that decoding them would read more than 8 times the file size (at ${what}); the file is malformed`,
        start,
      );
    }
    const s = this.decoder.decode(this.file.subarray(start, end));
    this.cache.set(key, s);
    return s;
  }
}

function sectionLabel(s: Elf32Section): string {
  return s.name !== '' ? `section ${s.index} (${s.name})` : `section ${s.index}`;
}

function isPowerOfTwoOrZero(n: number): boolean {
  return n === 0 || (n & (n - 1)) === 0;
}

/**
 * Parses and validates an ELF32 little-endian file. Throws ElfFormatError for anything
 * malformed (and for a machine other than `options.machine`, default EM_386).
 */
export function parseElf32(bytes: Uint8Array, options: ParseElfOptions = {}): Elf32File {
  const size = bytes.length;
  const r = new Reader(bytes);
  const wantMachine = options.machine === undefined ? EM_386 : options.machine;

  // e_ident
  if (size < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ElfFormatError(`not an ELF file: the first bytes are [${shown}], expected 7f 45 4c 46 ("\\x7fELF")`, 0);
  }
  if (size < 16) throw new ElfFormatError(`file is ${size} bytes long, too short for the 16-byte ELF identification`, 0);
  const cls = r.u8(4);
  if (cls === ELFCLASS64) {
    throw new ElfFormatError('this is a 64-bit ELF file (ELFCLASS64); a 32-bit (ELFCLASS32) file is needed: build it with gcc -m32', 4);
  }
  if (cls !== ELFCLASS32) throw new ElfFormatError(`EI_CLASS is ${cls}, neither ELFCLASS32 (1) nor ELFCLASS64 (2)`, 4);
  const data = r.u8(5);
  if (data === ELFDATA2MSB) throw new ElfFormatError('this is a big-endian ELF file (ELFDATA2MSB); only little-endian (i386) files are supported', 5);
  if (data !== ELFDATA2LSB) throw new ElfFormatError(`EI_DATA is ${data}, neither ELFDATA2LSB (1) nor ELFDATA2MSB (2)`, 5);
  if (r.u8(6) !== EV_CURRENT) throw new ElfFormatError(`EI_VERSION is ${r.u8(6)}, expected 1 (EV_CURRENT)`, 6);
  if (size < EHDR_SIZE) throw new ElfFormatError(`file is ${size} bytes long, too short for the 52-byte ELF32 header`, 0);

  const type = r.u16(16);
  const machine = r.u16(18);
  const version = r.u32(20);
  const entry = r.u32(24);
  const phoff = r.u32(28);
  const shoff = r.u32(32);
  const flags = r.u32(36);
  const ehsize = r.u16(40);
  const phentsize = r.u16(42);
  const ePhnum = r.u16(44);
  const shentsize = r.u16(46);
  const eShnum = r.u16(48);
  const eShstrndx = r.u16(50);

  if (wantMachine !== null && machine !== wantMachine) {
    throw new ElfFormatError(
      `e_machine is ${machine} (${machineName(machine)}), expected ${wantMachine} (${machineName(wantMachine)})` +
        (machine === 62 ? ': this is an x86-64 file; build with gcc -m32' : ''),
      18,
    );
  }
  if (version !== EV_CURRENT) throw new ElfFormatError(`e_version is ${version}, expected 1 (EV_CURRENT)`, 20);
  if (ehsize < EHDR_SIZE || ehsize > size) {
    throw new ElfFormatError(`e_ehsize is ${ehsize}; it must be at least 52 and fit in the file (size ${hex(size)})`, 40);
  }

  // section header table (read first: extended numbering keeps counts in section header 0)
  let shnum = 0;
  let shstrndx = 0;
  let phnum = ePhnum;
  let sh0Info = 0;
  if (shoff === 0) {
    if (eShnum !== 0) throw new ElfFormatError(`e_shnum is ${eShnum} but e_shoff is 0 (no section header table)`, 48);
    if (eShstrndx !== 0) throw new ElfFormatError(`e_shstrndx is ${eShstrndx} but the file has no section header table`, 50);
  } else {
    if (shentsize < SHDR_SIZE) throw new ElfFormatError(`e_shentsize is ${shentsize}, less than the 40 bytes of an ELF32 section header`, 46);
    if (shoff + SHDR_SIZE > size) {
      throw new ElfFormatError(`section header table at offset ${hex(shoff)} extends past end of file (size ${hex(size)})`, 32);
    }
    const sh0Size = r.u32(shoff + 20);
    const sh0Link = r.u32(shoff + 24);
    sh0Info = r.u32(shoff + 28);
    shnum = eShnum === 0 ? sh0Size : eShnum;
    if (shnum === 0) throw new ElfFormatError('e_shoff is set but the section header table has 0 entries', 48);
    if (shoff + shnum * shentsize > size) {
      throw new ElfFormatError(
        `section header table (${shnum} entries of ${shentsize} bytes at offset ${hex(shoff)}) extends past end of file (size ${hex(size)})`,
        32,
      );
    }
    shstrndx = eShstrndx === SHN_XINDEX ? sh0Link : eShstrndx;
    if (shstrndx >= shnum) {
      throw new ElfFormatError(`section-name string table index (e_shstrndx) is ${shstrndx}, but there are only ${shnum} sections`, 50);
    }
  }
  if (ePhnum === PN_XNUM) {
    if (shoff === 0) throw new ElfFormatError('e_phnum is PN_XNUM (0xffff) but there is no section header 0 to hold the real count', 44);
    phnum = sh0Info;
  }

  // program headers
  const programHeaders: Elf32ProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < PHDR_SIZE) throw new ElfFormatError(`e_phentsize is ${phentsize}, less than the 32 bytes of an ELF32 program header`, 42);
    if (phoff === 0) throw new ElfFormatError(`e_phnum is ${phnum} but e_phoff is 0 (no program header table)`, 28);
    if (phoff + phnum * phentsize > size) {
      throw new ElfFormatError(
        `program header table (${phnum} entries of ${phentsize} bytes at offset ${hex(phoff)}) extends past end of file (size ${hex(size)})`,
        28,
      );
    }
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      const ph: Elf32ProgramHeader = {
        index: i,
        type: r.u32(o),
        offset: r.u32(o + 4),
        vaddr: r.u32(o + 8),
        paddr: r.u32(o + 12),
        filesz: r.u32(o + 16),
        memsz: r.u32(o + 20),
        flags: r.u32(o + 24),
        align: r.u32(o + 28),
      };
      const where = `program header ${i} (offset ${hex(o)})`;
      if (ph.offset + ph.filesz > size) {
        throw new ElfFormatError(
          `${where}: segment data (offset ${hex(ph.offset)}, size ${hex(ph.filesz)}) extends past end of file (size ${hex(size)})`,
          o,
        );
      }
      if (ph.type === PT_LOAD) {
        if (ph.filesz > ph.memsz) {
          throw new ElfFormatError(`${where}: loadable segment has p_filesz ${hex(ph.filesz)} larger than p_memsz ${hex(ph.memsz)}`, o);
        }
        if (ph.vaddr + ph.memsz > 0x1_0000_0000) {
          throw new ElfFormatError(
            `${where}: loadable segment at ${hex(ph.vaddr)} of size ${hex(ph.memsz)} wraps past the end of the 4 GiB address space`,
            o,
          );
        }
        if (!isPowerOfTwoOrZero(ph.align)) throw new ElfFormatError(`${where}: p_align ${hex(ph.align)} is not a power of two`, o);
        if (ph.align > 1 && ph.vaddr % ph.align !== ph.offset % ph.align) {
          throw new ElfFormatError(
            `${where}: p_vaddr ${hex(ph.vaddr)} and p_offset ${hex(ph.offset)} are not congruent modulo p_align ${hex(ph.align)}`,
            o,
          );
        }
      }
      programHeaders.push(ph);
    }
  }

  // section headers (names resolved once the string table is known to be sound)
  const raw: { nameOffset: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; addralign: number; entsize: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const s = {
      nameOffset: r.u32(o),
      type: r.u32(o + 4),
      flags: r.u32(o + 8),
      addr: r.u32(o + 12),
      offset: r.u32(o + 16),
      size: r.u32(o + 20),
      link: r.u32(o + 24),
      info: r.u32(o + 28),
      addralign: r.u32(o + 32),
      entsize: r.u32(o + 36),
    };
    if (i === 0) {
      raw.push(s);
      continue;
    }
    if (s.type !== SHT_NOBITS && s.type !== SHT_NULL && s.offset + s.size > size) {
      throw new ElfFormatError(
        `section header ${i} (offset ${hex(o)}): section data (offset ${hex(s.offset)}, size ${hex(s.size)}) extends past end of file (size ${hex(size)})`,
        o,
      );
    }
    if (!isPowerOfTwoOrZero(s.addralign)) {
      throw new ElfFormatError(`section header ${i} (offset ${hex(o)}): sh_addralign ${hex(s.addralign)} is not a power of two`, o);
    }
    raw.push(s);
  }
  const unnamed: Elf32Section[] = raw.map((s, index) => ({ index, name: '', ...s }));
  const strings = new Strings(bytes);
  let sections: Elf32Section[] = unnamed;
  if (shstrndx !== 0) {
    const shstr = unnamed[shstrndx] as Elf32Section;
    strings.checkTable(shstr, `e_shstrndx (${shstrndx})`);
    sections = unnamed.map((s) =>
      s.index === 0 && s.nameOffset === 0 ? s : { ...s, name: strings.get(shstr, s.nameOffset, `section header ${s.index} (offset ${hex(shoff + s.index * shentsize)})`) },
    );
  }

  // symbol tables
  const symbolTables = new Map<number, Elf32Symbol[]>();
  const xindexFor = new Map<number, Elf32Section>();
  for (const sec of sections) {
    if (sec.type === SHT_SYMTAB_SHNDX && !xindexFor.has(sec.link)) xindexFor.set(sec.link, sec);
  }
  let symbolTableSection = 0;
  let dynamicSymbolSection = 0;
  for (const sec of sections) {
    if (sec.type !== SHT_SYMTAB && sec.type !== SHT_DYNSYM) continue;
    if (sec.type === SHT_SYMTAB && symbolTableSection === 0) symbolTableSection = sec.index;
    if (sec.type === SHT_DYNSYM && dynamicSymbolSection === 0) dynamicSymbolSection = sec.index;
    symbolTables.set(sec.index, parseSymbols(sec, sections, xindexFor.get(sec.index), r, strings));
  }

  // relocations
  const relocationSections: Elf32RelocationSection[] = [];
  for (const sec of sections) {
    if (sec.type !== SHT_REL && sec.type !== SHT_RELA) continue;
    relocationSections.push(parseRelocations(sec, sections, symbolTables, type, machine, r));
  }

  const header: Elf32Header = {
    osabi: r.u8(7),
    abiVersion: r.u8(8),
    type,
    machine,
    version,
    entry,
    phoff,
    shoff,
    flags,
    ehsize,
    phentsize,
    phnum,
    shentsize,
    shnum,
    shstrndx,
  };
  return new Elf32File({ bytes, header, programHeaders, sections, symbolTables, symbolTableSection, dynamicSymbolSection, relocationSections });
}

function parseSymbols(
  sec: Elf32Section,
  sections: readonly Elf32Section[],
  xindex: Elf32Section | undefined,
  r: Reader,
  strings: Strings,
): Elf32Symbol[] {
  const label = sectionLabel(sec);
  if (sec.entsize !== SYM_SIZE) throw new ElfFormatError(`symbol table ${label} has sh_entsize ${sec.entsize}, expected 16`, sec.offset);
  if (sec.size % SYM_SIZE !== 0) throw new ElfFormatError(`symbol table ${label} has size ${hex(sec.size)}, not a multiple of 16`, sec.offset);
  const strtab = sections[sec.link];
  if (strtab === undefined || sec.link === 0) {
    throw new ElfFormatError(`symbol table ${label} links to string table section ${sec.link}, which does not exist`, sec.offset);
  }
  strings.checkTable(strtab, `symbol table ${label}`);
  const count = sec.size / SYM_SIZE;

  // xindex: the extended section indexes, used where st_shndx is SHN_XINDEX
  if (xindex !== undefined && xindex.size < count * 4) {
    throw new ElfFormatError(`${sectionLabel(xindex)} (SHT_SYMTAB_SHNDX) has ${xindex.size / 4} entries, but ${label} has ${count} symbols`, xindex.offset);
  }

  const out: Elf32Symbol[] = new Array<Elf32Symbol>(count);
  for (let i = 0; i < count; i++) {
    const o = sec.offset + i * SYM_SIZE;
    const nameOffset = r.u32(o);
    const info = r.u8(o + 12);
    const other = r.u8(o + 13);
    const rawShndx = r.u16(o + 14);
    const what = `symbol ${i} of ${label} (offset ${hex(o)})`;
    let shndx = rawShndx;
    let section: number;
    if (rawShndx === SHN_XINDEX) {
      if (xindex === undefined) throw new ElfFormatError(`${what} has st_shndx SHN_XINDEX but the file has no SHT_SYMTAB_SHNDX section for ${label}`, o);
      shndx = r.u32(xindex.offset + i * 4);
      if (shndx === 0 || shndx >= sections.length) {
        throw new ElfFormatError(`${what}: extended section index ${shndx} is not a section of the file (there are ${sections.length})`, o);
      }
      section = shndx;
    } else if (rawShndx === SHN_UNDEF || rawShndx === SHN_ABS || rawShndx === SHN_COMMON) {
      section = -1;
    } else if (rawShndx < sections.length && rawShndx < SHN_LORESERVE) {
      section = rawShndx;
    } else {
      throw new ElfFormatError(
        `${what} has section index ${hex(rawShndx)}, which is neither a section of the file (there are ${sections.length}) nor SHN_UNDEF/SHN_ABS/SHN_COMMON`,
        o + 14,
      );
    }
    out[i] = {
      index: i,
      name: strings.get(strtab, nameOffset, what),
      value: r.u32(o + 4),
      size: r.u32(o + 8),
      type: info & 0xf,
      bind: info >>> 4,
      visibility: other & 3,
      info,
      other,
      shndx,
      section,
    };
  }
  return out;
}

function parseRelocations(
  sec: Elf32Section,
  sections: readonly Elf32Section[],
  symbolTables: ReadonlyMap<number, readonly Elf32Symbol[]>,
  fileType: number,
  machine: number,
  r: Reader,
): Elf32RelocationSection {
  const label = sectionLabel(sec);
  const rela = sec.type === SHT_RELA;
  const entsize = rela ? RELA_SIZE : REL_SIZE;
  const kind = rela ? 'SHT_RELA' : 'SHT_REL';
  if (sec.entsize !== entsize) throw new ElfFormatError(`relocation section ${label} (${kind}) has sh_entsize ${sec.entsize}, expected ${entsize}`, sec.offset);
  if (sec.size % entsize !== 0) throw new ElfFormatError(`relocation section ${label} has size ${hex(sec.size)}, not a multiple of ${entsize}`, sec.offset);

  let symbolCount = 0;
  if (sec.link !== 0) {
    const symtab = sections[sec.link];
    const syms = symbolTables.get(sec.link);
    if (symtab === undefined || syms === undefined) {
      throw new ElfFormatError(`relocation section ${label} links to section ${sec.link}, which is not a symbol table`, sec.offset);
    }
    symbolCount = syms.length;
  }

  let target: Elf32Section | undefined;
  if (sec.info !== 0 || fileType === ET_REL) {
    target = sections[sec.info];
    if (target === undefined || sec.info === 0) {
      throw new ElfFormatError(`relocation section ${label} applies to section ${sec.info} (sh_info), which does not exist`, sec.offset);
    }
  }
  // In relocatable objects r_offset is an offset into the target section: check the patched
  // field lies inside it, so a loader can apply relocations without its own bounds checks.
  const checkPlace = fileType === ET_REL && machine === EM_386 && target !== undefined;

  const count = sec.size / entsize;
  const entries: Elf32Relocation[] = new Array<Elf32Relocation>(count);
  for (let i = 0; i < count; i++) {
    const o = sec.offset + i * entsize;
    const offset = r.u32(o);
    const info = r.u32(o + 4);
    const symbolIndex = info >>> 8;
    const type = info & 0xff;
    const addend = rela ? r.u32(o + 8) | 0 : 0;
    if (symbolIndex !== 0 && symbolIndex >= symbolCount) {
      throw new ElfFormatError(
        `relocation ${i} of ${label} (offset ${hex(o)}) refers to symbol ${symbolIndex}, but its symbol table has ${symbolCount} symbols`,
        o,
      );
    }
    if (checkPlace && target !== undefined) {
      const width = relocationWidth386(type);
      if (offset + width > target.size) {
        throw new ElfFormatError(
          `relocation ${i} of ${label} (offset ${hex(o)}) patches ${width} bytes at ${hex(offset)}, outside ${sectionLabel(target)} (size ${hex(target.size)})`,
          o,
        );
      }
    }
    entries[i] = { offset, info, type, symbolIndex, addend };
  }
  return { section: sec, rela, targetSection: sec.info, symbolTableSection: sec.link, entries };
}
