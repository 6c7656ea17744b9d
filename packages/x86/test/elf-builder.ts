// A small ELF32 writer for tests: files gcc does not produce for i386 (SHT_RELA, extended
// section numbering, SHN_XINDEX symbols) and tiny hand-assembled executables.

export interface BuildSection {
  name: string;
  type: number;
  flags?: number;
  addr?: number;
  data?: Uint8Array;
  /** For SHT_NOBITS (default: data length). */
  size?: number;
  link?: number;
  info?: number;
  addralign?: number;
  entsize?: number;
}

export interface BuildSegment {
  type: number;
  flags: number;
  vaddr: number;
  data: Uint8Array;
  memsz?: number;
  align?: number;
}

export interface BuildElfOptions {
  type?: number;
  machine?: number;
  entry?: number;
  /** Sections get indexes 1..n in order; the section-name table comes last. */
  sections?: BuildSection[];
  segments?: BuildSegment[];
  /** Put the section count and shstrndx in section header 0 (e_shnum = 0, e_shstrndx = SHN_XINDEX). */
  extendedNumbering?: boolean;
}

export class StringTableBuilder {
  private readonly parts: number[] = [0];
  private readonly offsets = new Map<string, number>();
  add(s: string): number {
    if (s === '') return 0;
    const hit = this.offsets.get(s);
    if (hit !== undefined) return hit;
    const off = this.parts.length;
    for (const b of new TextEncoder().encode(s)) this.parts.push(b);
    this.parts.push(0);
    this.offsets.set(s, off);
    return off;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface BuildSymbol {
  name: string;
  value?: number;
  size?: number;
  type?: number;
  bind?: number;
  visibility?: number;
  shndx?: number;
}

/** .symtab contents (with the null symbol first) and its .strtab. */
export function encodeSymbols(symbols: readonly BuildSymbol[]): { symtab: Uint8Array; strtab: Uint8Array } {
  const strs = new StringTableBuilder();
  const out = new Uint8Array((symbols.length + 1) * 16);
  const dv = new DataView(out.buffer);
  symbols.forEach((s, i) => {
    const o = (i + 1) * 16;
    dv.setUint32(o, strs.add(s.name), true);
    dv.setUint32(o + 4, s.value ?? 0, true);
    dv.setUint32(o + 8, s.size ?? 0, true);
    dv.setUint8(o + 12, ((s.bind ?? 1) << 4) | (s.type ?? 0));
    dv.setUint8(o + 13, s.visibility ?? 0);
    dv.setUint16(o + 14, s.shndx ?? 0, true);
  });
  return { symtab: out, strtab: strs.bytes() };
}

export function encodeRelocations(entries: readonly { offset: number; type: number; symbol: number; addend?: number }[], rela: boolean): Uint8Array {
  const size = rela ? 12 : 8;
  const out = new Uint8Array(entries.length * size);
  const dv = new DataView(out.buffer);
  entries.forEach((e, i) => {
    dv.setUint32(i * size, e.offset, true);
    dv.setUint32(i * size + 4, ((e.symbol << 8) | e.type) >>> 0, true);
    if (rela) dv.setInt32(i * size + 8, e.addend ?? 0, true);
  });
  return out;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function buildElf32(opts: BuildElfOptions): Uint8Array {
  const sections = opts.sections ?? [];
  const segments = opts.segments ?? [];
  const names = new StringTableBuilder();
  const nameOffsets = sections.map((s) => names.add(s.name));
  const shstrName = names.add('.shstrtab');
  const shstrtab = names.bytes();

  const phoff = segments.length > 0 ? 52 : 0;
  let cursor = 52 + segments.length * 32;
  const segOffsets: number[] = [];
  for (const seg of segments) {
    const a = seg.align ?? 0x1000;
    // file offset congruent to vaddr modulo the alignment
    let off = cursor - (cursor % a) + (seg.vaddr % a);
    if (off < cursor) off += a;
    segOffsets.push(off);
    cursor = off + seg.data.length;
  }
  const secOffsets: number[] = [];
  for (const s of sections) {
    cursor = align(cursor, Math.max(1, s.addralign ?? 1));
    secOffsets.push(cursor);
    if (s.type !== 8) cursor += s.data?.length ?? 0;
  }
  const shstrOffset = cursor;
  cursor += shstrtab.length;
  const shoff = align(cursor, 4);
  const shnum = sections.length + 2;
  const total = shoff + shnum * 40;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  dv.setUint16(16, opts.type ?? 1, true);
  dv.setUint16(18, opts.machine ?? 3, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, opts.entry ?? 0, true);
  dv.setUint32(28, phoff, true);
  dv.setUint32(32, shoff, true);
  dv.setUint16(40, 52, true);
  dv.setUint16(42, segments.length > 0 ? 32 : 0, true);
  dv.setUint16(44, segments.length, true);
  dv.setUint16(46, 40, true);
  dv.setUint16(48, opts.extendedNumbering ? 0 : shnum, true);
  dv.setUint16(50, opts.extendedNumbering ? 0xffff : shnum - 1, true);

  segments.forEach((seg, i) => {
    const o = 52 + i * 32;
    const off = segOffsets[i] ?? 0;
    dv.setUint32(o, seg.type, true);
    dv.setUint32(o + 4, off, true);
    dv.setUint32(o + 8, seg.vaddr, true);
    dv.setUint32(o + 12, seg.vaddr, true);
    dv.setUint32(o + 16, seg.data.length, true);
    dv.setUint32(o + 20, seg.memsz ?? seg.data.length, true);
    dv.setUint32(o + 24, seg.flags, true);
    dv.setUint32(o + 28, seg.align ?? 0x1000, true);
    out.set(seg.data, off);
  });

  const writeShdr = (index: number, f: { name: number; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; addralign: number; entsize: number }): void => {
    const o = shoff + index * 40;
    dv.setUint32(o, f.name, true);
    dv.setUint32(o + 4, f.type, true);
    dv.setUint32(o + 8, f.flags, true);
    dv.setUint32(o + 12, f.addr, true);
    dv.setUint32(o + 16, f.offset, true);
    dv.setUint32(o + 20, f.size, true);
    dv.setUint32(o + 24, f.link, true);
    dv.setUint32(o + 28, f.info, true);
    dv.setUint32(o + 32, f.addralign, true);
    dv.setUint32(o + 36, f.entsize, true);
  };
  writeShdr(0, {
    name: 0,
    type: 0,
    flags: 0,
    addr: 0,
    offset: 0,
    size: opts.extendedNumbering ? shnum : 0,
    link: opts.extendedNumbering ? shnum - 1 : 0,
    info: 0,
    addralign: 0,
    entsize: 0,
  });
  sections.forEach((s, i) => {
    const off = secOffsets[i] ?? 0;
    if (s.data !== undefined && s.type !== 8) out.set(s.data, off);
    writeShdr(i + 1, {
      name: nameOffsets[i] ?? 0,
      type: s.type,
      flags: s.flags ?? 0,
      addr: s.addr ?? 0,
      offset: off,
      size: s.size ?? s.data?.length ?? 0,
      link: s.link ?? 0,
      info: s.info ?? 0,
      addralign: s.addralign ?? 1,
      entsize: s.entsize ?? 0,
    });
  });
  out.set(shstrtab, shstrOffset);
  writeShdr(shnum - 1, {
    name: shstrName,
    type: 3,
    flags: 0,
    addr: 0,
    offset: shstrOffset,
    size: shstrtab.length,
    link: 0,
    info: 0,
    addralign: 1,
    entsize: 0,
  });
  return out;
}
