import { OPS, decodeBytes } from '@nooks/x86';
import type { Instr } from '@nooks/x86';
import { describe, expect, test } from 'vitest';
import { applyFaults } from './apply.js';
import { FAULT_TYPES } from './fault-types.js';
import type { FaultType } from './fault-types.js';
import { nopFill } from './nops.js';
import { destinationField, sourceFields } from './operands.js';
import { describeFault, disassembleText, fromHex, planFaults } from './plan.js';
import type { Fault } from './plan.js';
import { loadShared, textOf } from './test-support.js';

/** Decodes a byte run into instructions. */
function decodeAll(bytes: Uint8Array, address: number): Instr[] {
  const out: Instr[] = [];
  let at = 0;
  while (at < bytes.length) {
    const ins = decodeBytes(bytes, at, address + at);
    out.push(ins);
    at += ins.len;
  }
  return out;
}

const name = (ins: Instr): string => OPS[ins.op]!.name;
const allNops = (bytes: Uint8Array, address: number): boolean => decodeAll(bytes, address).every((i) => OPS[i.op]!.klass === 'nop');
// Branch targets print as `c0100028 <fn+0x8>` with a name and `0xc0100028` without (as objdump does).
const stripSymbols = (text: string): string => text.replace(/ <[^>]*>/g, '').replace(/0x([0-9a-f]+)/g, '$1');

/** Checks (b): the new bytes are what the type says. */
function checkMeaning(f: Fault, before: Uint8Array, after: Uint8Array): void {
  const a = f.address;
  const [b0] = decodeAll(before, a) as [Instr];
  const afterIns = decodeAll(after, a);
  const [a0] = afterIns as [Instr];
  expect(b0.len).toBe(before.length);
  switch (f.type) {
    case 'text-bitflip': {
      const diff = before.reduce((n, b, i) => n + [...((b ^ after[i]!) >>> 0).toString(2)].filter((c) => c === '1').length, 0);
      expect(diff).toBe(1);
      break;
    }
    case 'destination-register': {
      expect(a0.op).toBe(b0.op);
      expect(a0.len).toBe(b0.len);
      expect(destinationField(a0, after)!.value).not.toBe(destinationField(b0, before)!.value);
      expect(sourceFields(a0, after).map((s) => s.value)).toEqual(sourceFields(b0, before).map((s) => s.value));
      break;
    }
    case 'source-register': {
      expect(a0.op).toBe(b0.op);
      expect(a0.len).toBe(b0.len);
      expect(sourceFields(a0, after).map((s) => s.value)).not.toEqual(sourceFields(b0, before).map((s) => s.value));
      expect(destinationField(a0, after)?.value).toBe(destinationField(b0, before)?.value);
      break;
    }
    case 'delete-branch':
      expect(['jcc', 'jmp']).toContain(name(b0));
      expect(allNops(after, a)).toBe(true);
      break;
    case 'invert-branch':
      expect(name(b0)).toBe('jcc');
      expect(afterIns).toHaveLength(1);
      expect(name(a0)).toBe('jcc');
      expect(a0.len).toBe(b0.len);
      expect(a0.cc).toBe(b0.cc ^ 1);
      expect(a0.target).toBe(b0.target);
      break;
    case 'delete-instruction':
      expect(OPS[b0.op]!.klass).not.toBe('nop');
      expect(allNops(after, a)).toBe(true);
      break;
    case 'init':
      expect(name(b0)).toBe('mov');
      expect(b0.rm).toBe(-1);
      expect((b0.base === 5 && b0.disp < 0) || b0.base === 4).toBe(true);
      expect(allNops(after, a)).toBe(true);
      break;
    case 'pointer':
      expect(a0.op).toBe(b0.op);
      expect(a0.len).toBe(b0.len);
      expect(b0.rm).toBe(-1);
      expect(a0.rm).toBe(-1);
      expect(a0.base !== b0.base || a0.disp !== b0.disp).toBe(true);
      expect([a0.index, a0.scale, a0.reg]).toEqual([b0.index, b0.scale, b0.reg]);
      break;
    case 'loop':
      if (name(b0) === 'jcc') {
        expect(b0.target >>> 0).toBeLessThan(a >>> 0);
        expect(name(a0)).toBe('jcc');
        expect(a0.cc).toBe(b0.cc ^ 1);
        expect(a0.target).toBe(b0.target);
      } else {
        expect(a0.op).toBe(b0.op);
        expect(a0.rep).not.toBe(b0.rep);
      }
      break;
    case 'copy-overrun':
      expect(a0.op).toBe(b0.op);
      expect(a0.len).toBe(b0.len);
      expect(a0.imm).toBeGreaterThan(b0.imm);
      expect(f.note).toMatch(/length|count/);
      break;
    case 'sync':
      expect(f.before.text).toMatch(/^call \S+ <(spin_lock|spin_unlock|spin_lock_irqsave|spin_unlock_irqrestore|down|up|down_interruptible|down_trylock)>$/);
      expect(afterIns.some((i) => name(i) === 'call')).toBe(false);
      expect(after).toHaveLength(5);
      if (f.before.text.includes('<spin_lock_irqsave>')) expect(f.after.text).toMatch(/^pushf; pop %eax; nop/);
      else if (/down_interruptible|down_trylock/.test(f.before.text)) expect(f.after.text).toMatch(/^xor %eax,%eax; nop/);
      else expect(Array.from(after)).toEqual(nopFill(5));
      break;
    case 'alloc':
      expect(f.before.text).toMatch(/^call \S+ <(kmalloc|vmalloc|dev_alloc_skb|alloc_skb|alloc_etherdev|pci_alloc_consistent)>$/);
      expect(name(a0)).toBe('xor');
      expect([a0.reg, a0.rm]).toEqual([0, 0]);
      expect(allNops(after.subarray(a0.len), a + a0.len)).toBe(true);
      break;
    case 'interface':
      if (allNops(after, a)) {
        expect(name(b0)).toBe('mov');
        expect(b0.base).toBe(4);
      } else {
        expect(a0.op).toBe(b0.op);
        expect(a0.len).toBe(b0.len);
        expect(a0.imm !== b0.imm || a0.reg !== b0.reg).toBe(true);
      }
      expect(f.note).toMatch(/^argument \d+ of \w+/);
      break;
    case 'memory-leak':
      expect(f.before.text).toMatch(/^call \S+ <(kfree|vfree|dev_kfree_skb|dev_kfree_skb_irq|dev_kfree_skb_any|kfree_skb|pci_free_consistent)>$/);
      expect(Array.from(after)).toEqual(nopFill(5));
      break;
  }
}

/** Objects to try for each type (the first that has sites is used for each seed). */
const OBJECTS: Record<FaultType, string[]> = Object.fromEntries(FAULT_TYPES.map((t) => [t, ['e1000']])) as Record<FaultType, string[]>;
OBJECTS.sync = ['e1000', 'ksync'];

describe.each(FAULT_TYPES.map((t) => [t]))('%s', (type) => {
  test.each(OBJECTS[type].flatMap((o) => [1, 2, 3].map((seed) => [o, seed] as const)))('on %s, seed %i: only the instruction changes, as the type says', (object, seed) => {
    const live = loadShared(object);
    const before = textOf(live);
    const plan = planFaults({ image: live.image, memory: live.memory, seed, count: 1, types: [type] });
    expect(plan.faults).toHaveLength(1);
    const f = plan.faults[0]!;
    expect(f.type).toBe(type);
    expect(f.address).toBe((live.image.base + f.offset) >>> 0);
    expect(f.symbol).toMatch(/^[\w.]+(\+0x[0-9a-f]+)?$/);
    const applied = applyFaults(plan, live.memory);
    const after = textOf(live);
    // (a) nothing outside the instruction changed.
    for (const [k, sec] of before.entries()) {
      const now = after[k]!.bytes;
      for (let i = 0; i < sec.bytes.length; i++) {
        const addr = sec.address + i;
        if (addr < f.address || addr >= f.address + f.length) expect(now[i], `byte at 0x${addr.toString(16)}`).toBe(sec.bytes[i]);
      }
    }
    const sec = before.find((s) => f.address >= s.address && f.address < s.address + s.bytes.length)!;
    const b = sec.bytes.slice(f.address - sec.address, f.address - sec.address + f.length);
    const a = live.memory.read(f.address, f.length);
    expect(Array.from(b)).toEqual(Array.from(fromHex(f.before.bytes)));
    expect(Array.from(a)).toEqual(Array.from(fromHex(f.after.bytes)));
    expect(Array.from(a)).not.toEqual(Array.from(b));
    // (b) the new bytes mean what the type says.
    checkMeaning(f, b, a);
    // (c) the description's disassembly is that of the bytes.
    expect(stripSymbols(f.before.text)).toBe(stripSymbols(disassembleText(b, f.address)));
    expect(stripSymbols(f.after.text)).toBe(stripSymbols(disassembleText(a, f.address)));
    expect(applied[0]!.after.text).toBe(disassembleText(a, f.address));
    expect(describeFault(f)).toContain(`${type} at ${f.symbol} (0x${f.address.toString(16)}): ${f.before.text} -> ${f.after.text}`);
  });
});
