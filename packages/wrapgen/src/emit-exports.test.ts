import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DIR, linux24 } from '../test/fixtures.js';
import { buildExportTable, emitExportTable } from './emit-exports.js';
import type { ExportedFunction } from './emit-exports.js';

describe('export table', () => {
  const model = linux24();
  const table = buildExportTable(model);
  const fn = (name: string): ExportedFunction => {
    const f = table.functions.find((x) => x.name === name);
    if (f === undefined) throw new Error(name);
    return f;
  };

  it('is up to date in test/fixtures and is plain JSON', () => {
    const text = emitExportTable(model);
    expect(readFileSync(join(FIXTURE_DIR, 'linux24.exports.json'), 'utf8')).toBe(text);
    expect(JSON.parse(text)).toMatchObject({ format: 'nooks-wrapgen-exports', version: 1, sources: ['linux24.h'] });
  });

  it('lists every prototype in source order with its signature and annotations', () => {
    expect(table.functions.map((f) => f.name)).toEqual([...model.functions.keys()]);
    expect(fn('alloc_skb')).toEqual({
      name: 'alloc_skb',
      location: 'linux24.h:334:24',
      signature: 'struct sk_buff *alloc_skb(unsigned int size, int priority)',
      returns: { type: 'struct sk_buff *', size: 4, passing: 'eax', annotations: { nullable: true, object: 'sk_buff' } },
      params: [
        { index: 0, name: 'size', type: 'unsigned int', size: 4, stackOffset: 0, stackSize: 4, descriptor: { kind: 'u32' }, annotations: {} },
        { index: 1, name: 'priority', type: 'int', size: 4, stackOffset: 4, stackSize: 4, descriptor: { kind: 's32' }, annotations: {} },
      ],
      varargs: false,
      argumentBytes: 8,
      annotations: { acquire: true, may_sleep: true },
    });
    expect(fn('kfree_skb').annotations).toEqual({ release: 0, irq_safe: true });
    expect(fn('printk').varargs).toBe(true);
    expect(fn('unregister_netdev').params[0]?.name).toBeNull();
    expect(fn('copy_from_user').params.map((p) => p.annotations)).toEqual([{ out: true, len: 'n' }, { user: true, len: 'n' }, {}]);
  });

  it('gives each argument its cdecl stack slot and each result its register', () => {
    expect(fn('mixed_args').params.map((p) => [p.name, p.stackOffset, p.stackSize])).toEqual([
      ['c', 0, 4],
      ['s', 4, 4],
      ['ll', 8, 8],
      ['tv', 16, 8],
      ['d', 24, 8],
      ['i', 32, 4],
    ]);
    expect(fn('mixed_args').argumentBytes).toBe(36);
    expect(fn('current_time').returns).toMatchObject({ passing: 'memory', size: 8 });
    expect(fn('current_time').argumentBytes).toBe(4);
    expect(fn('get_jiffies_64').returns.passing).toBe('edx:eax');
    expect(fn('kfree').returns).toMatchObject({ passing: 'none', size: 0 });
    expect(fn('get_allocator').returns.type).toBe('void *(*)(size_t)');
  });

  it('lists the callbacks: annotated typedefs, fields and parameters, with annotations inherited from a callback typedef', () => {
    const names = table.callbacks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['net_open_t', 'hard_start_xmit_t', 'request_irq(handler)', 'timer_list.function', 'net_device.open', 'pci_driver.probe']));
    expect(names).not.toContain('net_device.change_mtu'); // a function pointer without the annotation
    const open = table.callbacks.find((c) => c.name === 'net_device.open');
    expect(open).toMatchObject({ kind: 'field', struct: 'net_device', field: 'open', typedef: 'net_open_t', annotations: { callback: true, may_sleep: true, nullable: true } });
    expect(open?.params[0]?.annotations).toEqual({ object: 'net_device' });
    const xmit = table.callbacks.find((c) => c.name === 'hard_start_xmit_t');
    expect(xmit?.params.map((p) => p.annotations)).toEqual([{ in: true, object: 'sk_buff' }, { object: 'net_device' }]);
    expect(table.callbacks.find((c) => c.name === 'request_irq(handler)')).toMatchObject({ kind: 'param', function: 'request_irq', paramIndex: 1, annotations: { irq_safe: true } });
  });

  it('describes structs, variables and constants', () => {
    const skb = table.structs.find((s) => s.name === 'sk_buff');
    expect(skb?.annotations).toEqual({ shadow: true });
    expect(skb?.fields.find((f) => f.name === 'data')).toMatchObject({ type: 'unsigned char *', annotations: { len: 'len' }, descriptor: { kind: 'ptr', to: 'unsigned char' } });
    expect(table.structs.find((s) => s.name === 'net_device')?.fields.find((f) => f.name === 'features_hi')?.hoisted).toBe(true);
    expect(table.variables.map((v) => [v.name, v.type, v.size])).toEqual([
      ['jiffies', 'volatile unsigned long', 4],
      ['dev_base', 'struct net_device *', 4],
      ['irq_counts', 'int [224]', 896],
    ]);
    const constant = (n: string): unknown => table.constants.find((c) => c.name === n);
    expect(constant('JIFFIES_WRAP')).toMatchObject({ value: '18446744073709551615', cType: 'unsigned long long', kind: 'define' });
    expect(constant('PAGE_MASK')).toMatchObject({ value: 4294963200, cType: 'unsigned long', source: '(~(PAGE_SIZE - 1))' });
    expect(constant('NEGATIVE_ONE')).toMatchObject({ value: -1, kind: 'enumerator', source: 'enum signed_thing' });
  });
});
