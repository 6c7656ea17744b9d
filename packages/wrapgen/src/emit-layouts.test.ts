import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, linux24 } from '../test/fixtures.js';
import * as L from '../test/fixtures/linux24.layouts.js';
import { BufferMemory } from '../test/buffer-memory.js';
import { emitLayouts } from './emit-layouts.js';
import { parseInterface } from './parser.js';

const EDGE = `
#define BIG 0xffffffffffffffffULL
#define NEG (-5)
#define HEX_MASK 0xff00u
struct new { int a; };
typedef struct { int x; } class;
enum kind { KIND_A = -1, KIND_B };
struct odd {
  int __proto__;
  int constructor;
  long long big;
  unsigned long long ubig;
  double d;
  float f;
  char m[2][3][4];
  struct odd *self;
  void (*cb)(void);
  struct new inner[2];
  enum kind k;
  union { int u; short halves[2]; };
};
struct empty {};
`;

describe('emitted TypeScript layouts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrapgen-ts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is up to date in test/fixtures (regenerate with `pnpm run fixtures`)', () => {
    expect(readFileSync(join(FIXTURE_DIR, 'linux24.layouts.ts'), 'utf8')).toBe(emitLayouts(linux24()));
  });

  it('compiles under the strictest settings (strict, noUncheckedIndexedAccess, verbatimModuleSyntax, noUnused*)', () => {
    const file = join(dir, 'edge.layouts.ts');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(file, emitLayouts(parseInterface([{ name: 'edge.h', text: EDGE }])));
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      exactOptionalPropertyTypes: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noEmit: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });

  it('runs: reserved words renamed, __proto__ kept as an own field, constants exact', async () => {
    const js = ts.transpileModule(emitLayouts(parseInterface([{ name: 'edge.h', text: EDGE }])), {
      compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext },
    }).outputText;
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as Record<string, unknown>;
    expect(mod.BIG).toBe(18446744073709551615n);
    expect(mod.NEG).toBe(-5);
    expect(mod.HEX_MASK).toBe(0xff00);
    expect(mod.KIND_A).toBe(-1);
    expect(Object.keys(mod)).toEqual(expect.arrayContaining(['new_', 'class_', 'odd', 'layouts']));
    const odd = mod.odd as { fields: Record<string, { offset: number }> } & Record<string, unknown>;
    expect(Object.hasOwn(odd.fields, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(odd.fields, 'constructor')?.value as unknown).toMatchObject({ offset: 4 });
    expect(Object.getPrototypeOf(odd.fields)).toBe(Object.prototype);
    expect((mod.layouts as Record<string, unknown>).new).toBe(mod.new_);
  });

  describe('accessors over a fake memory', () => {
    const base = 0xc0100000;
    const mem = new BufferMemory(4096, base);
    const dev = base + 16;

    it('read and write scalars with their width and signedness at the gcc offsets', () => {
      L.net_device.set_mtu(mem, dev, 1500);
      expect(L.net_device.get_mtu(mem, dev)).toBe(1500);
      expect(mem.bytes[16 + L.net_device.fields.mtu.offset]).toBe(1500 & 0xff);
      L.net_device.set_flags(mem, dev, 0x1ffff); // truncated to 16 bits, as C stores it
      expect(L.net_device.get_flags(mem, dev)).toBe(0xffff);
      L.net_device.set_temperature(mem, dev, -3);
      expect(L.net_device.get_temperature(mem, dev)).toBe(-3);
      L.net_device.set_sc(mem, dev, 200);
      expect(L.net_device.get_sc(mem, dev)).toBe(-56);
      L.net_device.set_ifindex(mem, dev, -1);
      expect(L.net_device.get_ifindex(mem, dev)).toBe(-1);
      L.net_device.set_base_addr(mem, dev, 0xfffffff0);
      expect(L.net_device.get_base_addr(mem, dev)).toBe(0xfffffff0);
      L.net_device.set_load_factor(mem, dev, 0.5);
      expect(L.net_device.get_load_factor(mem, dev)).toBe(0.5);
    });

    it('reads 64-bit fields as bigint or as two halves', () => {
      L.net_device.set_rx_time_total(mem, dev, -2n);
      expect(L.net_device.get_rx_time_total(mem, dev)).toBe(-2n);
      expect(L.net_device.get_rx_time_total_lo(mem, dev)).toBe(0xfffffffe);
      expect(L.net_device.get_rx_time_total_hi(mem, dev)).toBe(0xffffffff);
      L.net_device.set_rx_time_total_hi(mem, dev, 1);
      expect(L.net_device.get_rx_time_total(mem, dev)).toBe(0x1fffffffen);
      L.pci_dev.set_dma_mask(mem, base, 0xffffffffffffffffn);
      expect(L.pci_dev.get_dma_mask(mem, base)).toBe(0xffffffffffffffffn);
    });

    it('indexes arrays (checked), reaches nested structs by address, aliases anonymous union members', () => {
      L.net_device.set_dev_addr(mem, dev, 5, 0xab);
      expect(L.net_device.get_dev_addr(mem, dev, 5)).toBe(0xab);
      expect(L.net_device.at_dev_addr(dev, 5)).toBe(dev + L.net_device.fields.dev_addr.offset + 5);
      expect(() => L.net_device.get_dev_addr(mem, dev, 8)).toThrow(RangeError);
      expect(() => L.net_device.get_dev_addr(mem, dev, -1)).toThrow('net_device.dev_addr: index -1 is not an integer in [0, 8)');
      expect(() => L.net_device.get_dev_addr(mem, dev, 1.5)).toThrow(RangeError);
      const hw = L.net_device.addr_hw_stats(dev);
      L.net_device__hw_stats.set_ring_sizes(mem, hw, 1, 2, 0xbeef);
      expect(mem.read16(hw + 8 + 1 * 6 + 2 * 2) & 0xffff).toBe(0xbeef);
      const ring = L.net_device.at_rx_rings(dev, 1);
      L.sk_buff_head.set_qlen(mem, ring, 3);
      expect(L.sk_buff_head.get_qlen(mem, L.net_device.addr_rx_rings(dev) + L.sk_buff_head.size)).toBe(3);
      L.net_device.set_features(mem, dev, 0x12345678);
      expect(L.net_device.get_features_lo(mem, dev)).toBe(0x5678);
      expect(L.net_device.get_features_hi(mem, dev)).toBe(0x1234);
      L.spinlock_t.set_lock(mem, L.net_device.addr_xmit_lock(dev), 1);
      expect(L.net_device.fields.xmit_lock.type).toEqual({ kind: 'struct', name: 'spinlock_t' });
    });

    it('describes every struct in the registry, with annotations, and exports constants', () => {
      expect(L.layouts.net_device).toBe(L.net_device);
      expect(L.net_device.annotations).toEqual({ shadow: true });
      expect(L.net_device.fields.next.annotations).toEqual({ readonly: true, nullable: true });
      expect(L.wait_queue_head_t).toBe(L.wait_queue_head);
      expect(L.sk_buff.fields.dev.type).toEqual({ kind: 'ptr', to: 'struct net_device' });
      expect(L.net_device.fields.stop.type).toEqual({ kind: 'fnptr', signature: 'int (struct net_device *)' });
      expect([L.IFF_RUNNING, L.IFF_NOT_UP, L.PAGE_MASK, L.ERR_NOMEM, L.JIFFIES_WRAP]).toEqual([64, -2, 0xfffff000, -12, 0xffffffffffffffffn]);
      expect(L.__LINK_STATE_NOCARRIER).toBe(4);
    });
  });
});
