import { describe, expect, it } from 'vitest';
import { validate } from '../json-schema.js';
import { INSPECT_SCHEMA } from '../schemas.js';
import { json, runCli } from '../test-support.js';

describe('nooks inspect', () => {
  it('e1000: sections, symbols, imports and the disassembly with relocations', async () => {
    const r = await runCli(['inspect', 'e1000']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^e1000: ELF32 relocatable object for Intel 80386/);
    expect(r.out).toMatch(/\n1 +\.text +PROGBITS +AX /);
    expect(r.out).toMatch(/function +global +init_module/);
    expect(r.out).toMatch(/\nkmalloc|\ndev_alloc_skb/);
    expect(r.out).toContain('disassembly of section .text');
    expect(r.out).toMatch(/<e1000_intr>:/);
    expect(r.out).toMatch(/call {3}spin_lock_irqsave {4}# R_386_PC32 spin_lock_irqsave/);
  });

  it('--json is schema-valid; --function limits the disassembly; --no-disasm drops it', async () => {
    const all = json(await runCli(['inspect', 'e1000', '--json'])) as { imports: Array<{ name: string }>; disassembly: Array<{ lines: unknown[] }> };
    expect(validate(INSPECT_SCHEMA, all)).toEqual([]);
    expect(all.imports.map((i) => i.name)).toContain('dev_alloc_skb');
    const one = json(await runCli(['inspect', 'e1000', '--function', 'e1000_get_stats', '--json'])) as { disassembly: Array<{ lines: Array<{ symbol?: string }> }> };
    const lines = one.disassembly.flatMap((d) => d.lines);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.length).toBeLessThan(all.disassembly.flatMap((d) => d.lines).length);
    for (const l of lines) expect(l.symbol).toMatch(/^e1000_get_stats/);
    const none = json(await runCli(['inspect', 'e1000', '--no-disasm', '--json'])) as { disassembly: unknown[] };
    expect(none.disassembly).toEqual([]);
  });

  it('an unknown extension: exit 2 listing the built ones', async () => {
    const r = await runCli(['inspect', 'e9999']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/unknown extension 'e9999' \(built objects: .*e1000/);
  });
});
