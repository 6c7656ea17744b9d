import { describe, expect, it } from 'vitest';
import { linux24 } from '../test/fixtures.js';
import { typeToC } from './c-types.js';
import type { AggregateDecl, FunctionDecl, InterfaceModel } from './model.js';
import { flatMembers, parseInterface } from './parser.js';

const parse = (text: string): InterfaceModel => parseInterface([{ name: 't.h', text }]);

function fn(m: InterfaceModel, name: string): FunctionDecl {
  const f = m.functions.get(name);
  if (f === undefined) throw new Error(`no function ${name}`);
  return f;
}

function agg(m: InterfaceModel, name: string): AggregateDecl {
  const a = m.aggregates.get(name);
  if (a === undefined) throw new Error(`no aggregate ${name}`);
  return a;
}

describe('parser', () => {
  const m = linux24();

  it('keeps declarations in source order', () => {
    const kinds = m.declarations.slice(0, 3).map((d) => `${d.kind}:${'name' in d ? d.name : ''}`);
    expect(kinds).toEqual(['define:NULL_ADDR', 'define:IFNAMSIZ', 'define:MAX_ADDR_LEN']);
    const names = m.declarations.map((d) => d.name);
    expect(names.indexOf('list_head')).toBeLessThan(names.indexOf('spinlock_t'));
    expect(names.indexOf('sk_buff')).toBeLessThan(names.indexOf('net_device'));
    expect(names.at(-1)).toBe('mixed_args');
  });

  it('names anonymous structs after their typedef or their parent member', () => {
    expect(agg(m, 'spinlock_t').cName).toBe('spinlock_t');
    expect(agg(m, 'net_device__hw_stats').cName).toBe('(anonymous struct of net_device.hw_stats)');
    expect(agg(m, 'net_device__anon0').union).toBe(true);
    expect(agg(m, 'net_device__anon0__anon0').union).toBe(false);
    expect(agg(m, 'sk_buff__h').union).toBe(true);
    // a struct defined inside another one has file scope, as in C
    expect(agg(m, 'iphdr_stub').cName).toBe('struct iphdr_stub');
  });

  it('hoists the members of anonymous unions and structs', () => {
    const names = flatMembers(agg(m, 'net_device')).map((x) => x.name);
    expect(names).toContain('features');
    expect(names).toContain('features_lo');
    expect(names).toContain('features_hi');
  });

  it('resolves declarators: arrays, pointers, function pointers, functions returning function pointers', () => {
    const nd = agg(m, 'net_device');
    const member = (name: string): string => {
      const x = flatMembers(nd).find((y) => y.name === name);
      if (x === undefined) throw new Error(name);
      return typeToC(x.type, name);
    };
    expect(member('name')).toBe('char name[16]');
    expect(member('get_stats')).toBe('struct net_device_stats *(*get_stats)(struct net_device *dev)');
    expect(member('slave_table')).toBe('struct net_device *slave_table[4]');
    expect(member('mtu')).toBe('unsigned int mtu');
    expect(member('open')).toBe('net_open_t open');
    expect(typeToC(fn(m, 'get_allocator').type, 'get_allocator')).toBe('void *(*get_allocator(int which))(size_t size)');
    expect(typeToC(fn(m, 'init_timer_list').type.params[0]?.type ?? { kind: 'void' })).toBe('struct timer_list *');
    expect(fn(m, 'printk').type.varargs).toBe(true);
    expect(fn(m, 'unregister_netdev').type.params[0]?.name).toBeUndefined();
    const mh = agg(m, 'matrix_holder');
    expect(typeToC(mh.members[1]?.type ?? { kind: 'void' }, 'grid')).toBe('int grid[3][4]');
  });

  it('normalises annotations on functions, results, parameters, fields, structs and typedefs', () => {
    const alloc = fn(m, 'alloc_skb');
    expect(alloc.annotations).toEqual({ acquire: true, may_sleep: true });
    expect(alloc.returnAnnotations).toEqual({ nullable: true, object: 'sk_buff' });
    expect(fn(m, 'dev_alloc_skb').annotations).toEqual({ irq_safe: true, acquire: true });
    expect(fn(m, 'kfree_skb').annotations).toEqual({ release: 0, irq_safe: true });
    expect(fn(m, 'copy_from_user').type.params.map((p) => p.annotations)).toEqual([{ out: true, len: 'n' }, { user: true, len: 'n' }, {}]);
    expect(fn(m, 'request_irq').type.params[1]?.annotations).toEqual({ callback: true, irq_safe: true });
    expect(agg(m, 'sk_buff').annotations).toEqual({ shadow: true });
    expect(agg(m, 'pci_dev').annotations).toEqual({ kernel_private: true });
    const data = agg(m, 'sk_buff').members.find((x) => x.name === 'data');
    expect(data?.annotations).toEqual({ len: 'len' });
    expect(data?.annotationList.map((a) => [a.name, a.arg, a.loc.line])).toEqual([['len', 'len', 119]]);
    expect(m.typedefs.get('hard_start_xmit_t')?.annotations).toEqual({ callback: true, irq_safe: true });
    expect(m.variables.get('dev_base')?.annotations).toEqual({ readonly: true, nullable: true });
  });

  it('accepts annotations in every documented position', () => {
    const t = parse(
      [
        'struct __nk(shadow) a { int x; };',
        'struct b { int x; } __nk(kernel_private);',
        '__nk(shadow) struct c { int x; };',
        'typedef struct __nk(shadow) { int x; } d_t;',
        'int f(__nk(in) struct a *p, char * __nk(user) q, int *r __nk(out)) __nk(may_sleep);',
        '__nk(critical) int g(void);',
        'int h(const char *s __nk(readonly, nullable), ...) __nk(irq_safe);',
      ].join('\n'),
    );
    expect(agg(t, 'a').annotations).toEqual({ shadow: true });
    expect(agg(t, 'b').annotations).toEqual({ kernel_private: true });
    expect(agg(t, 'c').annotations).toEqual({ shadow: true });
    expect(agg(t, 'd_t').annotations).toEqual({ shadow: true });
    expect(fn(t, 'f').type.params.map((p) => p.annotations)).toEqual([{ in: true }, { user: true }, { out: true }]);
    expect(fn(t, 'f').annotations).toEqual({ may_sleep: true });
    expect(fn(t, 'g').annotations).toEqual({ critical: true });
    expect(fn(t, 'h').type.params[0]?.annotations).toEqual({ readonly: true, nullable: true });
  });

  it('types enums as gcc does and records enumerators as constants', () => {
    const e = m.enums.find((x) => x.tag === 'netdev_state');
    expect(e?.unsigned).toBe(true);
    expect(e?.constants.map((c) => [c.name, c.value])).toEqual([
      ['__LINK_STATE_XOFF', 0n],
      ['__LINK_STATE_START', 1n],
      ['__LINK_STATE_PRESENT', 2n],
      ['__LINK_STATE_NOCARRIER', 4n],
      ['__LINK_STATE_RX_SCHED', 5n],
    ]);
    expect(m.enums.find((x) => x.tag === 'signed_thing')?.unsigned).toBe(false);
    expect(m.constants.get('IFF_DEFAULT')?.value).toBe(67n);
    expect(m.constants.get('PAGE_MASK')).toMatchObject({ value: 4294963200n, type: 'unsigned long' });
  });

  it('accepts the identical redeclaration of a builtin typedef, and forward declarations', () => {
    const t = parse('typedef unsigned char u8;\nstruct fwd;\nstruct fwd;\nstruct holder { struct fwd *p; u8 b; };\nstruct fwd { int x; };');
    expect(t.typedefs.get('u8')?.builtin).toBe(false);
    expect(agg(t, 'fwd').complete).toBe(true);
  });

  it('splits declarations with several declarators', () => {
    const t = parse('struct s { int a, *b, c[2]; };\nextern int x, y;\nint f(void), g(int);');
    expect(agg(t, 's').members.map((x) => typeToC(x.type, x.name))).toEqual(['int a', 'int *b', 'int c[2]']);
    expect([...t.variables.keys()]).toEqual(['x', 'y']);
    expect([...t.functions.keys()]).toEqual(['f', 'g']);
  });
});
