import { describe, expect, it } from 'vitest';
import { ConfigError, NooksSystem, runWorkload, validateConfig } from './index.js';

describe('NooksSystem', () => {
  for (const mode of ['native', 'nooks'] as const) {
    it(`${mode}: builds the e1000 machine and runs each workload to completion`, async () => {
      for (const workload of ['receive-stream', 'send-stream', 'ping'] as const) {
        const sys = NooksSystem.build({ extension: 'e1000', mode });
        expect(sys.bootError).toBeUndefined();
        expect(sys.nooks !== undefined).toBe(mode === 'nooks');
        const r = await runWorkload(sys, { workload, size: workload === 'ping' ? 5 : 256 << 10 });
        expect(r.completed, JSON.stringify(r)).toBe(true);
        expect(r.corrupted).toBe(false);
        if (workload !== 'ping') expect(r.throughputMbps).toBeGreaterThan(500);
        expect(r.cpuUtilization).toBeGreaterThan(0);
        expect(r.xpcPerSecond > 0).toBe(mode === 'nooks');
      }
    });
  }

  it('injects the same faults natively and under Nooks', () => {
    const a = NooksSystem.build({ extension: 'e1000', mode: 'native' });
    const b = NooksSystem.build({ extension: 'e1000', mode: 'nooks' });
    const pa = a.injectFaults(42, 5), pb = b.injectFaults(42, 5);
    const c = NooksSystem.build({ extension: 'e1000', mode: 'native', faults: { seed: 42, count: 5 } });
    expect(c.injected[0]!.faults.map((f) => [f.type, f.offset])).toEqual(pa.faults.map((f) => [f.type, f.offset]));
    expect(pa.faults.map((f) => [f.type, f.offset, f.after.text])).toEqual(pb.faults.map((f) => [f.type, f.offset, f.after.text]));
  });

  it('rejects a bad configuration with the field named', () => {
    expect(() => validateConfig({ extension: 'e100', mode: 'native' })).toThrow(/extension: unknown extension "e100"/);
    expect(() => validateConfig({ extension: 'e1000', mode: 'isolated' })).toThrow(ConfigError);
    expect(() => validateConfig({ extension: 'e1000', mode: 'native', memoryBytes: 1000 })).toThrow(/memoryBytes/);
    expect(() => validateConfig({ extension: 'e1000', mode: 'native', colour: 'red' })).toThrow(/colour: unknown field/);
    expect(() => validateConfig({ extension: 'e1000', mode: 'native', faults: { seed: -1, count: 5 } })).toThrow(/faults: must be/);
    expect(() => NooksSystem.build({ extension: 'e1000', object: 'e1000-nonexistent', mode: 'native' })).toThrow(/no built object named e1000-nonexistent/);
  });
});
