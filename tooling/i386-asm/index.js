// Test kit shared by the packages' system-level tests: assembles AT&T snippets with GNU
// `as --32` at test time and links them here at a fixed origin (labels become absolute
// addresses). Linking in-process saves spawning ld, objcopy and nm for every snippet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (install binutils: apt-get install binutils)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
}

const cache = new Map();

const SHT_SYMTAB = 2, SHT_REL = 9, SHF_ALLOC = 2, SHN_ABS = 0xfff1;
const R_386_32 = 1, R_386_PC32 = 2;

/** Links the .text of an ELF32 relocatable object at `origin` (snippets are one section). */
function link(obj, origin) {
  const dv = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  const u32 = (o) => dv.getUint32(o, true);
  const u16 = (o) => dv.getUint16(o, true);
  const shoff = u32(0x20), shnum = u16(0x30), shstrndx = u16(0x32);
  const sh = (i) => {
    const o = shoff + i * 40;
    return { name: u32(o), type: u32(o + 4), flags: u32(o + 8), offset: u32(o + 16), size: u32(o + 20), link: u32(o + 24), info: u32(o + 28) };
  };
  const cstr = (off) => {
    let end = off;
    while (obj[end] !== 0) end++;
    return Buffer.from(obj.subarray(off, end)).toString('latin1');
  };
  const names = sh(shstrndx);
  let text = -1;
  for (let i = 1; i < shnum; i++) {
    const h = sh(i);
    const name = cstr(names.offset + h.name);
    if (name === '.text') text = i;
    else if ((h.flags & SHF_ALLOC) !== 0 && h.size > 0) throw new Error(`snippets must keep everything in .text (found ${name})`);
  }
  const t = sh(text);
  const bytes = obj.slice(t.offset, t.offset + t.size);
  const out = new DataView(bytes.buffer);
  const symbols = new Map();
  let symAddr = [];
  for (let i = 1; i < shnum; i++) {
    const h = sh(i);
    if (h.type !== SHT_SYMTAB) continue;
    const strtab = sh(h.link);
    symAddr = [];
    for (let o = h.offset; o < h.offset + h.size; o += 16) {
      const value = u32(o + 4), shndx = u16(o + 14), type = obj[o + 12] & 0xf;
      const addr = shndx === text ? (origin + value) >>> 0 : shndx === SHN_ABS ? value : -1;
      symAddr.push(addr);
      const name = cstr(strtab.offset + u32(o));
      if (name !== '' && addr >= 0 && type !== 3 && type !== 4) symbols.set(name, addr);
    }
  }
  for (let i = 1; i < shnum; i++) {
    const h = sh(i);
    if (h.type !== SHT_REL || h.info !== text) continue;
    for (let o = h.offset; o < h.offset + h.size; o += 8) {
      const at = u32(o), info = u32(o + 4), type = info & 0xff, sym = info >>> 8;
      const s = sym === 0 ? 0 : symAddr[sym];
      if (s < 0) throw new Error(`snippet refers to an undefined symbol (relocation at 0x${at.toString(16)})`);
      const addend = out.getUint32(at, true);
      if (type === R_386_32) out.setUint32(at, (s + addend) >>> 0, true);
      else if (type === R_386_PC32) out.setUint32(at, (s + addend - (origin + at)) >>> 0, true);
      else throw new Error(`unsupported relocation type ${type}`);
    }
  }
  return { bytes, symbols };
}

/** @param {string} source @param {number} origin */
export function assemble(source, origin) {
  const key = `${origin}\n${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'nooks-i386-asm-'));
  try {
    const s = join(dir, 'a.s'), o = join(dir, 'a.o');
    writeFileSync(s, `.text\n${source}\n`);
    tool('as', ['--32', '-o', o, s]);
    const { bytes, symbols } = link(new Uint8Array(readFileSync(o)), origin);
    const program = {
      origin,
      bytes,
      symbols,
      sym(name) {
        const v = symbols.get(name);
        if (v === undefined) throw new Error(`no label ${name} in the assembled snippet`);
        return v;
      },
    };
    cache.set(key, program);
    return program;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
