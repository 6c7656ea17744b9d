import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extensionObjectPath, findCompiler, isI386RelocatableObject, listExtensions, listTargets, UnknownExtensionError } from '../src/index.js';

/** Section names of an ELF32 object, read straight from its section header table. */
function sectionNames(bytes: Buffer): string[] {
  const shoff = bytes.readUInt32LE(32);
  const shentsize = bytes.readUInt16LE(46);
  const shnum = bytes.readUInt16LE(48);
  const shstrndx = bytes.readUInt16LE(50);
  const strOff = bytes.readUInt32LE(shoff + shstrndx * shentsize + 16);
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const nameOff = bytes.readUInt32LE(shoff + i * shentsize);
    const end = bytes.indexOf(0, strOff + nameOff);
    names.push(bytes.toString('latin1', strOff + nameOff, end));
  }
  return names;
}

describe('extension build', () => {
  it('finds a compiler for i386', () => {
    expect(['gcc', 'clang']).toContain(findCompiler().kind);
  });

  it('builds the demo extension into an ELF32 i386 relocatable object', () => {
    expect(listExtensions()).toContain('demo');
    const bytes = readFileSync(extensionObjectPath('demo'));
    // e_ident: magic, ELFCLASS32, little-endian, version 1
    expect([...bytes.subarray(0, 7)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    expect(bytes.readUInt16LE(16)).toBe(1); // ET_REL
    expect(bytes.readUInt16LE(18)).toBe(3); // EM_386
    expect(bytes.readUInt32LE(20)).toBe(1); // EV_CURRENT
    expect(bytes.readUInt16LE(40)).toBe(52); // e_ehsize of ELF32
    expect(bytes.readUInt16LE(46)).toBe(40); // e_shentsize of ELF32
    expect(isI386RelocatableObject(bytes)).toBe(true);
    const names = sectionNames(bytes);
    for (const s of ['.text', '.data', '.bss', '.rel.text', '.symtab', '.strtab']) expect(names).toContain(s);
  });

  it('lists the targets from the source tree', () => {
    expect(listTargets().map((t) => t.name)).toContain('demo');
  });

  it('names the known extensions when asked for an unknown one', () => {
    expect(() => extensionObjectPath('no-such-driver')).toThrow(UnknownExtensionError);
    expect(() => extensionObjectPath('no-such-driver')).toThrow(/known extensions: .*demo/);
  });
});
