import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINUX24_PATH, linux24 } from '../test/fixtures.js';
import { runCli } from './cli-main.js';
import { buildExportTable } from './emit-exports.js';
import { WRAPPER_RUNTIME_INTERFACE, emitWrapperSkeletons, emitWrappers } from './emit-wrappers.js';
import { WrapgenSemanticError } from './errors.js';
import type { InterfaceModel } from './model.js';
import { parseInterface } from './parser.js';

const KERNEL_H = fileURLToPath(new URL('../../kernel/interface/kernel.h', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));

const kernelModel = (): InterfaceModel => parseInterface([{ name: 'kernel.h', text: readFileSync(KERNEL_H, 'utf8') }]);

/** A small interface with the awkward cases: struct results, 64-bit and narrow arguments, nullable objects, odd names. */
const SMALL = `
struct obj { int a; void (*cb)(struct obj *o) __nk(callback); };
struct big { int x, y, z; };
struct pt_regs;
typedef __nk(callback, irq_safe) int (*handler_t)(struct obj *o __nk(object(obj), nullable), long long t);
struct big get_big(struct obj *o __nk(object(obj))) __nk(critical);
int after_ll(long long t, char *buf __nk(out, len(n)), unsigned char n) __nk(noncritical);
struct obj *find_obj(int id) __nk(object(obj), nullable);
struct obj *make_obj(void) __nk(acquire, object(obj));
int use_obj(struct obj *o __nk(in)) __nk(may_sleep);
void drop_obj(struct obj *o __nk(object(obj), nullable)) __nk(release(0));
int read_user(void *p __nk(user), short *q __nk(user), const char *s __nk(user)) __nk(irq_safe);
int __proto__(handler_t h __nk(nullable), struct pt_regs *r);
double get_double(void);
`;

function typecheck(dir: string, files: Record<string, string>): string[] {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const roots: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    roots.push(path);
  }
  const program = ts.createProgram(roots, {
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
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

type KernelWrapper = (rt: unknown, call: unknown) => number;
type ExtensionWrapper = (rt: unknown, target: number, args: number[]) => number;
interface WrappersModule {
  readonly KERNEL_WRAPPERS: Readonly<Record<string, KernelWrapper>>;
  readonly EXTENSION_WRAPPERS: Readonly<Record<string, ExtensionWrapper>>;
  readonly WRAPPER_FLAGS: Readonly<Record<string, Record<string, boolean>>>;
  readonly [name: string]: unknown;
}

async function load(model: InterfaceModel): Promise<WrappersModule> {
  const js = ts.transpileModule(emitWrappers(model), { compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext } }).outputText;
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as WrappersModule;
}

type Entry = [string, ...unknown[]];

/** A WrapperRuntime that records every call; objects get other addresses on the other side (+0x1000 to the kernel, +0x2000 to the extension). */
class RecordingRuntime {
  readonly log: Entry[] = [];
  kernelResult = 0;
  failOn: string | undefined;
  private rec(e: Entry): void {
    this.log.push(e);
    if (e[0] === this.failOn) throw new Error(`refused: ${String(e[e.length - 1])}`);
  }
  enterKernel(name: string, flags: unknown): void {
    this.rec(['enterKernel', name, flags]);
  }
  leaveKernel(name: string): void {
    this.rec(['leaveKernel', name]);
  }
  callKernel(name: string, call: FakeCall): number {
    this.rec(['callKernel', name, [...call.args]]);
    return this.kernelResult;
  }
  objectToKernel(type: string, ptr: number, nullable: boolean, where: string): number {
    this.rec(['objectToKernel', type, ptr, nullable, where]);
    return ptr === 0 ? 0 : ptr + 0x1000;
  }
  objectToExtension(type: string, ptr: number, where: string): number {
    this.rec(['objectToExtension', type, ptr, where]);
    return ptr + 0x2000;
  }
  checkUser(ptr: number, len: number, where: string): void {
    this.rec(['checkUser', ptr, len, where]);
  }
  checkReadable(ptr: number, len: number, nullable: boolean, where: string): void {
    this.rec(['checkReadable', ptr, len, nullable, where]);
  }
  checkWritable(ptr: number, len: number, nullable: boolean, where: string): void {
    this.rec(['checkWritable', ptr, len, nullable, where]);
  }
  checkCallback(ptr: number, nullable: boolean, where: string): void {
    this.rec(['checkCallback', ptr, nullable, where]);
  }
  acquired(name: string, result: number, call: FakeCall, objectType: string | undefined): void {
    this.rec(['acquired', name, result, call === this.current, objectType]);
  }
  released(name: string, index: number, ptr: number): void {
    this.rec(['released', name, index, ptr]);
  }
  callExtension(site: string, target: number, args: number[], flags: unknown): number {
    this.rec(['callExtension', site, target, [...args], flags]);
    return 7;
  }
  current: FakeCall | undefined;
  call(wrapper: KernelWrapper | undefined, args: number[]): number {
    if (wrapper === undefined) throw new Error('no such wrapper');
    this.current = new FakeCall(this, args);
    return wrapper(this, this.current);
  }
}

class FakeCall {
  constructor(
    private readonly rt: RecordingRuntime,
    readonly args: number[],
  ) {}
  arg(i: number): number {
    const v = this.args[i];
    if (v === undefined) throw new RangeError(`no slot ${i}`);
    return v;
  }
  setArg(i: number, value: number): void {
    this.rt.log.push(['setArg', i, value]);
    this.args[i] = value;
  }
}

const flags = (f: Partial<Record<'irqSafe' | 'maySleep' | 'noncritical' | 'critical', boolean>>): Record<string, boolean> => ({
  irqSafe: false,
  maySleep: false,
  noncritical: false,
  critical: false,
  ...f,
});

describe('wrapper entry code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrapgen-wrappers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the runtime interface in the README is WRAPPER_RUNTIME_INTERFACE, verbatim', () => {
    expect(readFileSync(README, 'utf8')).toContain(`\`\`\`ts\n${WRAPPER_RUNTIME_INTERFACE}\`\`\``);
  });

  describe('compiles strictly against the runtime interface, at packages/isolation/src/generated/wrappers.ts', () => {
    const cases: [string, () => InterfaceModel][] = [
      ['kernel.h', kernelModel],
      ['the linux24 fixture', linux24],
      ['the small fixture', () => parseInterface([{ name: 'small.h', text: SMALL }])],
      ['an interface without functions or callbacks', () => parseInterface([{ name: 'empty.h', text: 'struct s { int a; };\n' }])],
    ];
    for (const [what, model] of cases) {
      it(what, () => {
        const sub = mkdtempSync(join(dir, 'tc-'));
        const diagnostics = typecheck(sub, {
          'src/wrapper-runtime.ts': WRAPPER_RUNTIME_INTERFACE,
          'src/generated/wrappers.ts': emitWrappers(model()),
          // a consumer: the tables have the types the runtime expects
          'src/use.ts': [
            "import type { WrapperCall, WrapperFlags, WrapperRuntime } from './wrapper-runtime.js';",
            "import { EXTENSION_WRAPPERS, KERNEL_WRAPPERS, WRAPPER_FLAGS } from './generated/wrappers.js';",
            'export function run(rt: WrapperRuntime, call: WrapperCall, name: string): number | undefined {',
            '  const w: ((rt: WrapperRuntime, call: WrapperCall) => number) | undefined = KERNEL_WRAPPERS[name];',
            '  const x: ((rt: WrapperRuntime, target: number, args: number[]) => number) | undefined = EXTENSION_WRAPPERS[name];',
            '  const f: WrapperFlags | undefined = WRAPPER_FLAGS[name];',
            '  return f === undefined ? undefined : (w?.(rt, call) ?? x?.(rt, 0, []));',
            '}',
            '',
          ].join('\n'),
        });
        expect(diagnostics).toEqual([]);
      });
    }
    it('with another runtime module specifier', () => {
      const text = emitWrappers(parseInterface([{ name: 'small.h', text: SMALL }]), { runtimeImport: '../rt/index.js', command: 'pnpm gen' });
      expect(text).toContain("import type { WrapperCall, WrapperFlags, WrapperRuntime } from '../rt/index.js';");
      expect(text).toContain('// and regenerate (pnpm gen).');
      const sub = mkdtempSync(join(dir, 'tc-'));
      expect(typecheck(sub, { 'rt/index.ts': WRAPPER_RUNTIME_INTERFACE, 'gen/wrappers.ts': text })).toEqual([]);
    });
  });

  describe('on kernel.h, run against a recording runtime', () => {
    let mod: WrappersModule;
    const model = kernelModel();
    beforeAll(async () => {
      mod = await load(model);
    });
    const kw = (name: string): KernelWrapper | undefined => mod.KERNEL_WRAPPERS[name];

    it('has a kernel wrapper per function and an extension wrapper per callback, with their flags', () => {
      expect(Object.keys(mod.KERNEL_WRAPPERS)).toEqual([...model.functions.keys()]);
      expect(Object.keys(mod.EXTENSION_WRAPPERS)).toEqual(buildExportTable(model).callbacks.map((c) => c.name));
      expect(Object.keys(mod.EXTENSION_WRAPPERS)).toEqual(
        expect.arrayContaining(['net_device.hard_start_xmit', 'pci_driver.probe', 'timer_list.function', 'tasklet_struct.func', 'irq_handler_t', 'request_irq(handler)']),
      );
      expect(Object.keys(mod.WRAPPER_FLAGS)).toEqual([...Object.keys(mod.KERNEL_WRAPPERS), ...Object.keys(mod.EXTENSION_WRAPPERS)]);
      expect(mod.KERNEL_WRAPPERS.kmalloc).toBe(mod.nooks_w_kmalloc);
      expect(mod.EXTENSION_WRAPPERS['net_device.hard_start_xmit']).toBe(mod.nooks_x_net_device_hard_start_xmit);
      expect(mod.EXTENSION_WRAPPERS.irq_handler_t).toBe(mod.nooks_x_irq_handler_t);
      expect(mod.WRAPPER_FLAGS.printk).toEqual(flags({ irqSafe: true, noncritical: true }));
      expect(mod.WRAPPER_FLAGS.panic).toEqual(flags({ critical: true }));
      expect(mod.WRAPPER_FLAGS['pci_driver.probe']).toEqual(flags({ maySleep: true }));
      expect(mod.WRAPPER_FLAGS.disable_irq).toEqual(flags({}));
      expect(Object.isFrozen(mod.KERNEL_WRAPPERS) && Object.isFrozen(mod.WRAPPER_FLAGS.printk)).toBe(true);
      expect(Object.getPrototypeOf(mod.KERNEL_WRAPPERS)).toBeNull();
      expect(mod.KERNEL_WRAPPERS.toString).toBeUndefined();
    });

    it('kmalloc: acquire without an object type; a NULL result is not recorded', () => {
      const rt = new RecordingRuntime();
      rt.kernelResult = 0xc8001000;
      expect(rt.call(kw('kmalloc'), [64, 0x20])).toBe(0xc8001000);
      expect(rt.log).toEqual([
        ['enterKernel', 'kmalloc', flags({ irqSafe: true })],
        ['callKernel', 'kmalloc', [64, 0x20]],
        ['acquired', 'kmalloc', 0xc8001000, true, undefined],
        ['leaveKernel', 'kmalloc'],
      ]);
      const nul = new RecordingRuntime();
      expect(nul.call(kw('kmalloc'), [64, 0x20])).toBe(0);
      expect(nul.log.map((e) => e[0])).toEqual(['enterKernel', 'callKernel', 'leaveKernel']);
    });

    it('kfree: release(0) before the kernel runs; kfree(NULL) releases nothing', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('kfree'), [0xc8001000]);
      expect(rt.log).toEqual([
        ['enterKernel', 'kfree', flags({ irqSafe: true })],
        ['released', 'kfree', 0, 0xc8001000],
        ['callKernel', 'kfree', [0xc8001000]],
        ['leaveKernel', 'kfree'],
      ]);
      const nul = new RecordingRuntime();
      nul.call(kw('kfree'), [0]);
      expect(nul.log.map((e) => e[0])).toEqual(['enterKernel', 'callKernel', 'leaveKernel']);
    });

    it('memcpy: out len(n), then in len(n)', () => {
      const rt = new RecordingRuntime();
      rt.kernelResult = 0x1000;
      expect(rt.call(kw('memcpy'), [0x1000, 0x2000, 64])).toBe(0x1000);
      expect(rt.log).toEqual([
        ['enterKernel', 'memcpy', flags({ irqSafe: true })],
        ['checkWritable', 0x1000, 64, false, 'memcpy(to)'],
        ['checkReadable', 0x2000, 64, false, 'memcpy(from)'],
        ['callKernel', 'memcpy', [0x1000, 0x2000, 64]],
        ['leaveKernel', 'memcpy'],
      ]);
    });

    it('a length is read unsigned: a huge n is not mistaken for -1 (a string)', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('memset'), [0x1000, 0, -1]);
      expect(rt.log[1]).toEqual(['checkWritable', 0x1000, 0xffffffff, false, 'memset(s)']);
    });

    it('copy_to_user: user len(n), in len(n); copy_from_user: out len(n), user len(n)', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('copy_to_user'), [0x08048000, 0xc0002000, 16]);
      expect(rt.log.slice(1, 3)).toEqual([
        ['checkUser', 0x08048000, 16, 'copy_to_user(to)'],
        ['checkReadable', 0xc0002000, 16, false, 'copy_to_user(from)'],
      ]);
      expect(rt.log[0]).toEqual(['enterKernel', 'copy_to_user', flags({ maySleep: true })]);
      const from = new RecordingRuntime();
      from.call(kw('copy_from_user'), [0xc0002000, 0x08048000, 16]);
      expect(from.log.slice(1, 3)).toEqual([
        ['checkWritable', 0xc0002000, 16, false, 'copy_from_user(to)'],
        ['checkUser', 0x08048000, 16, 'copy_from_user(from)'],
      ]);
    });

    it("skb_put: object(sk_buff) translated and written back with setArg before the call; the kernel sees its version", () => {
      const rt = new RecordingRuntime();
      rt.kernelResult = 0x5100;
      expect(rt.call(kw('skb_put'), [0x4000, 60])).toBe(0x5100);
      expect(rt.log).toEqual([
        ['enterKernel', 'skb_put', flags({ irqSafe: true })],
        ['objectToKernel', 'sk_buff', 0x4000, false, 'skb_put(skb)'],
        ['setArg', 0, 0x5000],
        ['callKernel', 'skb_put', [0x5000, 60]],
        ['leaveKernel', 'skb_put'],
      ]);
    });

    it('kfree_skb: the object is translated first, then released (the kernel version) before the call', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('kfree_skb'), [0x4000]);
      expect(rt.log.map((e) => e[0])).toEqual(['enterKernel', 'objectToKernel', 'setArg', 'released', 'callKernel', 'leaveKernel']);
      expect(rt.log[3]).toEqual(['released', 'kfree_skb', 0, 0x5000]);
    });

    it('alloc_etherdev: acquire of an object(net_device) result, then objectToExtension', () => {
      const rt = new RecordingRuntime();
      rt.kernelResult = 0xc9000000;
      expect(rt.call(kw('alloc_etherdev'), [128])).toBe(0xc9002000);
      expect(rt.log).toEqual([
        ['enterKernel', 'alloc_etherdev', flags({ maySleep: true })],
        ['callKernel', 'alloc_etherdev', [128]],
        ['acquired', 'alloc_etherdev', 0xc9000000, true, 'net_device'],
        ['objectToExtension', 'net_device', 0xc9000000, 'alloc_etherdev(return)'],
        ['leaveKernel', 'alloc_etherdev'],
      ]);
      const nul = new RecordingRuntime();
      expect(nul.call(kw('alloc_etherdev'), [128])).toBe(0); // nullable: NULL is returned as is
      expect(nul.log.map((e) => e[0])).toEqual(['enterKernel', 'callKernel', 'leaveKernel']);
    });

    it('request_irq: the handler is checked as a callback, devname as a string', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('request_irq'), [11, 0x10000040, 0x04000000, 0x10002000, 0]);
      expect(rt.log).toEqual([
        ['enterKernel', 'request_irq', flags({ maySleep: true })],
        ['checkCallback', 0x10000040, false, 'request_irq(handler)'],
        ['checkReadable', 0x10002000, -1, false, 'request_irq(devname)'],
        ['callKernel', 'request_irq', [11, 0x10000040, 0x04000000, 0x10002000, 0]],
        ['leaveKernel', 'request_irq'],
      ]);
    });

    it('printk: variadic, only the named format string is checked (-1: NUL-terminated)', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('printk'), [0x10003000, 0x10004000, 5]);
      expect(rt.log).toEqual([
        ['enterKernel', 'printk', flags({ irqSafe: true, noncritical: true })],
        ['checkReadable', 0x10003000, -1, false, 'printk(fmt)'],
        ['callKernel', 'printk', [0x10003000, 0x10004000, 5]],
        ['leaveKernel', 'printk'],
      ]);
    });

    it('out/inout struct pointers are checked with sizeof the struct; nullable objects say so', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('tasklet_init'), [0x1000, 0x10000080, 3]);
      expect(rt.log.slice(1, 3)).toEqual([
        ['checkWritable', 0x1000, 20, false, 'tasklet_init(t)'],
        ['checkCallback', 0x10000080, false, 'tasklet_init(func)'],
      ]);
      const u8 = new RecordingRuntime();
      u8.call(kw('pci_read_config_byte'), [0x4000, 8, 0x1000]);
      expect(u8.log.slice(1, 4)).toEqual([
        ['objectToKernel', 'pci_dev', 0x4000, false, 'pci_read_config_byte(dev)'],
        ['setArg', 0, 0x5000],
        ['checkWritable', 0x1000, 1, false, 'pci_read_config_byte(val)'],
      ]);
      const dma = new RecordingRuntime();
      dma.call(kw('pci_alloc_consistent'), [0, 4096, 0x1000]);
      expect(dma.log[1]).toEqual(['objectToKernel', 'pci_dev', 0, true, 'pci_alloc_consistent(dev)']);
    });

    it('leaves the kernel when a check refuses, without running the function', () => {
      const rt = new RecordingRuntime();
      rt.failOn = 'checkReadable';
      expect(() => rt.call(kw('memcpy'), [0x1000, 0xdead0000, 4])).toThrow('refused: memcpy(from)');
      expect(rt.log.map((e) => e[0])).toEqual(['enterKernel', 'checkWritable', 'checkReadable', 'leaveKernel']);
    });

    it('extension wrappers: net_device.hard_start_xmit converts its sk_buff; irq_handler_t passes its arguments', () => {
      const rt = new RecordingRuntime();
      const args = [0xc9100000, 0xc9200000];
      const xmit = mod.EXTENSION_WRAPPERS['net_device.hard_start_xmit'];
      expect(xmit?.(rt, 0x10000100, args)).toBe(7);
      expect(rt.log).toEqual([
        ['objectToExtension', 'sk_buff', 0xc9100000, 'net_device.hard_start_xmit(skb)'],
        ['callExtension', 'net_device.hard_start_xmit', 0x10000100, [0xc9102000, 0xc9200000], flags({ irqSafe: true })],
      ]);
      expect(args).toEqual([0xc9100000, 0xc9200000]); // the caller's array is left alone
      const irq = new RecordingRuntime();
      expect(mod.EXTENSION_WRAPPERS.irq_handler_t?.(irq, 0x10000040, [11, 0x1234, 0])).toBe(7);
      expect(irq.log).toEqual([['callExtension', 'irq_handler_t', 0x10000040, [11, 0x1234, 0], flags({ irqSafe: true })]]);
      const probe = new RecordingRuntime();
      mod.EXTENSION_WRAPPERS['pci_driver.probe']?.(probe, 0x10000200, [0xc9300000, 0xc9400000]);
      expect(probe.log).toEqual([
        ['objectToExtension', 'pci_dev', 0xc9300000, 'pci_driver.probe(dev)'],
        ['callExtension', 'pci_driver.probe', 0x10000200, [0xc9302000, 0xc9400000], flags({ maySleep: true })],
      ]);
      expect(() => mod.EXTENSION_WRAPPERS['net_device.hard_start_xmit']?.(rt, 0x10000100, [])).toThrow(RangeError);
    });

    it('puts the C signature and the annotations in each wrapper’s doc comment', () => {
      const text = emitWrappers(model);
      expect(text).toMatch(/ \* unsigned char \*skb_put\(struct sk_buff \*skb, unsigned int len\)\n \* kernel\.h:\d+, __nk\(irq_safe\)\n \* - struct sk_buff \*skb __nk\(inout, object\(sk_buff\)\) \(slot 0\): objectToKernel\(sk_buff\) \+ setArg\(0\)/);
      expect(text).toMatch(/ \* - void \*to __nk\(out, len\(n\)\) \(slot 0\): checkWritable len len\(n\) = slot 2\n/);
      expect(text).toMatch(/register_netdev[^]*function-pointer fields not checked here: init@\d+, get_stats@\d+, open@\d+/);
    });
  });

  describe('on the small fixture', () => {
    let mod: WrappersModule;
    beforeAll(async () => {
      mod = await load(parseInterface([{ name: 'small.h', text: SMALL }]));
    });
    const kw = (name: string): KernelWrapper | undefined => mod.KERNEL_WRAPPERS[name];

    it('a struct result: the hidden result pointer (slot 0) must be writable, parameters start at slot 1', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('get_big'), [0x1000, 0x4000]);
      expect(rt.log.slice(0, 4)).toEqual([
        ['enterKernel', 'get_big', flags({ critical: true })],
        ['checkWritable', 0x1000, 12, false, 'get_big(return)'],
        ['objectToKernel', 'obj', 0x4000, false, 'get_big(o)'],
        ['setArg', 1, 0x5000],
      ]);
    });

    it('slots after a 64-bit argument, and a len() of an unsigned char masked to 8 bits', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('after_ll'), [1, 2, 0x1000, 0xffffff10]);
      expect(rt.log[1]).toEqual(['checkWritable', 0x1000, 0x10, false, 'after_ll(buf)']);
      expect(mod.WRAPPER_FLAGS.after_ll).toEqual(flags({ noncritical: true }));
    });

    it('object results: nullable NULL passes, non-nullable results are always converted; acquire with an object type', () => {
      const rt = new RecordingRuntime();
      expect(rt.call(kw('find_obj'), [1])).toBe(0);
      rt.kernelResult = 0x7000;
      expect(rt.call(kw('find_obj'), [1])).toBe(0x9000);
      const make = new RecordingRuntime();
      expect(make.call(kw('make_obj'), [])).toBe(0x2000);
      expect(make.log.map((e) => e[0])).toEqual(['enterKernel', 'callKernel', 'acquired', 'objectToExtension', 'leaveKernel']);
      expect(make.log[2]).toEqual(['acquired', 'make_obj', 0, true, 'obj']);
    });

    it('in on a struct pointer, release(0) of a nullable object, user pointers sized by their pointee or unknown', () => {
      const rt = new RecordingRuntime();
      rt.call(kw('use_obj'), [0x1000]);
      expect(rt.log[1]).toEqual(['checkReadable', 0x1000, 8, false, 'use_obj(o)']);
      const drop = new RecordingRuntime();
      drop.call(kw('drop_obj'), [0x4000]);
      expect(drop.log.slice(1, 4)).toEqual([
        ['objectToKernel', 'obj', 0x4000, true, 'drop_obj(o)'],
        ['setArg', 0, 0x5000],
        ['released', 'drop_obj', 0, 0x5000],
      ]);
      const nul = new RecordingRuntime();
      nul.call(kw('drop_obj'), [0]);
      expect(nul.log.map((e) => e[0])).toEqual(['enterKernel', 'objectToKernel', 'setArg', 'callKernel', 'leaveKernel']);
      const user = new RecordingRuntime();
      user.call(kw('read_user'), [0x100, 0x200, 0x300]);
      expect(user.log.slice(1, 4)).toEqual([
        ['checkUser', 0x100, -1, 'read_user(p)'],
        ['checkUser', 0x200, 2, 'read_user(q)'],
        ['checkUser', 0x300, -1, 'read_user(s)'],
      ]);
    });

    it('a function named __proto__ is an own table entry; a nullable callback parameter; values passed unchanged', () => {
      expect(Object.hasOwn(mod.KERNEL_WRAPPERS, '__proto__')).toBe(true);
      const rt = new RecordingRuntime();
      rt.call(kw('__proto__'), [0, 0x1234]);
      expect(rt.log[1]).toEqual(['checkCallback', 0, true, '__proto__(h)']);
      expect(rt.log[2]).toEqual(['callKernel', '__proto__', [0, 0x1234]]);
    });

    it('extension wrappers: a nullable object argument of 0 is not converted; slots of a 64-bit argument pass through', () => {
      const rt = new RecordingRuntime();
      mod.EXTENSION_WRAPPERS.handler_t?.(rt, 0x10000000, [0, 5, 6]);
      expect(rt.log).toEqual([['callExtension', 'handler_t', 0x10000000, [0, 5, 6], flags({ irqSafe: true })]]);
      const cb = new RecordingRuntime();
      mod.EXTENSION_WRAPPERS['obj.cb']?.(cb, 0x10000000, [0x4000]);
      expect(cb.log).toEqual([['callExtension', 'obj.cb', 0x10000000, [0x4000], flags({})]]);
    });
  });

  describe('annotations the generator cannot honour', () => {
    const wrappersOf = (text: string): string => emitWrappers(parseInterface([{ name: 'bad.h', text }]));
    const error = (f: () => unknown): WrapgenSemanticError => {
      try {
        f();
      } catch (e) {
        if (e instanceof WrapgenSemanticError) return e;
        throw e;
      }
      throw new Error('no error');
    };

    it('len(x) naming a missing parameter: the parser rejects it with its location', () => {
      const e = error(() => wrappersOf('void f(char *buf __nk(out, len(size)), int n);\n'));
      expect(e).toMatchObject({ code: 'BAD_ANNOTATION_ARGUMENT', file: 'bad.h', line: 1 });
      expect(e.message).toMatch(/^bad\.h:1:\d+: len\(size\): /);
    });

    it('in/out on a pointer to void or to an incomplete struct without len(N)', () => {
      const e = error(() => wrappersOf('int f(int a,\n      const void *p __nk(in));\n'));
      expect(e).toMatchObject({ code: 'INCOMPLETE_TYPE', file: 'bad.h', line: 2, column: 26 });
      expect(e.message).toBe(
        "bad.h:2:26: annotation 'in' on parameter 'p' of f: 'const void *' points to a type without a size; give its length with len(N)",
      );
      expect(error(() => wrappersOf('struct opaque;\nvoid g(struct opaque *o __nk(out));\n'))).toMatchObject({ code: 'INCOMPLETE_TYPE', line: 2 });
      expect(() => wrappersOf('struct opaque;\nvoid g(struct opaque *o __nk(object(opaque)));\n')).not.toThrow();
    });

    it('len(N) of a 64-bit parameter', () => {
      const e = error(() => wrappersOf('void f(void *p __nk(in, len(n)), long long n);\n'));
      expect(e.code).toBe('BAD_ANNOTATION_ARGUMENT');
      expect(e.detail).toBe("len(n): parameter 'n' of f has type 'long long', which takes 2 argument slots; a wrapper length must fit in 32 bits");
    });

    it('two callbacks whose wrappers would get one name', () => {
      const e = error(() => wrappersOf('struct a_b { void (*c)(void) __nk(callback); };\nstruct a { void (*b_c)(void) __nk(callback); };\n'));
      expect(e).toMatchObject({ code: 'NAME_COLLISION', line: 2 });
      expect(e.detail).toBe("the extension wrapper of callback 'a.b_c' would be named 'nooks_x_a_b_c', like that of 'a_b.c'");
    });
  });

  describe('skeletons of hand-written bodies', () => {
    const model = kernelModel();
    const text = emitWrapperSkeletons(model);

    it('one commented stub per kernel function, nothing but comments', () => {
      for (const line of text.split('\n')) expect(line === '' || line.startsWith('//')).toBe(true);
      const stubs = text.split('\n').filter((l) => l.startsWith('// export function body_'));
      expect(stubs).toHaveLength(model.functions.size);
      expect(stubs[0]).toBe('// export function body_printk(rt: WrapperRuntime, call: WrapperCall): number {');
    });

    it('decodes each parameter from its slot, with its annotations', () => {
      expect(text).toMatch(
        new RegExp(
          [
            '// void \\*kmalloc\\(size_t size, int flags\\)',
            '//   kernel\\.h:\\d+, __nk\\(acquire, irq_safe\\); result __nk\\(nullable\\)',
            '// export function body_kmalloc\\(rt: WrapperRuntime, call: WrapperCall\\): number \\{',
            '//   const size = call\\.arg\\(0\\) >>> 0; // size_t size',
            '//   const flags = call\\.arg\\(1\\) \\| 0; // int flags',
            '//   // \\.\\.\\.',
            '//   return 0; // EAX: void \\*',
            '// }',
          ].join('\n'),
        ),
      );
      expect(text).toContain('//   const skb = call.arg(0) >>> 0; // struct sk_buff *skb __nk(inout, object(sk_buff))');
      expect(text).toContain('//   // ...: variadic arguments from slot 1 on');
      const small = emitWrapperSkeletons(parseInterface([{ name: 'small.h', text: SMALL }]));
      expect(small).toContain('//   const result_ptr = call.arg(0) >>> 0; // hidden pointer to the struct big to fill in');
      expect(small).toContain('//   const t_lo = call.arg(0) >>> 0, t_hi = call.arg(1) >>> 0; // long long t');
      expect(small).toContain('//   const n = call.arg(3) & 0xff; // unsigned char n');
    });
  });

  describe('CLI', () => {
    const run = (argv: string[]): { status: number; stdout: string; stderr: string } => {
      let stdout = '';
      let stderr = '';
      const status = runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: dir });
      return { status, stdout, stderr };
    };

    it('--wrappers and --wrapper-skeletons write into new directories; --check then passes', () => {
      writeFileSync(join(dir, 'k.h'), readFileSync(LINUX24_PATH, 'utf8'));
      const args = ['k.h', '--wrappers', 'iso/src/generated/wrappers.ts', '--wrapper-skeletons=iso/skeletons/bodies.ts'];
      expect(run(args)).toMatchObject({ status: 0, stdout: 'wrote: iso/src/generated/wrappers.ts\nwrote: iso/skeletons/bodies.ts\n' });
      const model = parseInterface([{ name: 'k.h', text: readFileSync(LINUX24_PATH, 'utf8') }]);
      expect(readFileSync(join(dir, 'iso/src/generated/wrappers.ts'), 'utf8')).toBe(emitWrappers(model));
      expect(readFileSync(join(dir, 'iso/skeletons/bodies.ts'), 'utf8')).toBe(emitWrapperSkeletons(model));
      expect(run([...args, '--check']).status).toBe(0);
    });

    it('--wrapper-runtime sets the import; it needs --wrappers', () => {
      writeFileSync(join(dir, 'k.h'), readFileSync(LINUX24_PATH, 'utf8'));
      expect(run(['k.h', '--wrappers', 'w2.ts', '--wrapper-runtime', '#runtime']).status).toBe(0);
      expect(readFileSync(join(dir, 'w2.ts'), 'utf8')).toContain("from '#runtime';");
      expect(run(['k.h', '--header', 'x.h', '--wrapper-runtime', 'r.js'])).toMatchObject({ status: 2, stderr: expect.stringContaining('--wrapper-runtime needs --wrappers') as unknown });
      expect(run(['k.h', '--wrappers'])).toMatchObject({ status: 2, stderr: expect.stringContaining('--wrappers needs a file name') as unknown });
      expect(existsSync(join(dir, 'x.h'))).toBe(false);
    });

    it('reports an annotation it cannot honour with its location, exit 1', () => {
      writeFileSync(join(dir, 'bad.h'), 'int f(const void *p __nk(in));\n');
      expect(run(['bad.h', '--wrappers', 'bad.ts'])).toEqual({
        status: 1,
        stdout: '',
        stderr: "wrapgen: bad.h:1:26: annotation 'in' on parameter 'p' of f: 'const void *' points to a type without a size; give its length with len(N)\n",
      });
    });
  });
});
