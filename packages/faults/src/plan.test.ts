import { describe, expect, test } from 'vitest';
import { applyFaults } from './apply.js';
import { FaultApplyError, FaultPlanError } from './errors.js';
import { FAULT_TYPES } from './fault-types.js';
import { countSites, describeFault, planFaults } from './plan.js';
import { parsePlan } from './plan-json.js';
import { Prng } from './prng.js';
import { imageFromElf } from './target.js';
import { loadLive, objectBytes } from './test-support.js';

const [e1000] = loadLive('e1000');
const live = { image: e1000!.image, memory: e1000!.memory };

function planError(fn: () => unknown): FaultPlanError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FaultPlanError);
    return e as FaultPlanError;
  }
  throw new Error('expected a FaultPlanError');
}

describe('planFaults', () => {
  test('the same seed gives the same plan; five faults by default, on distinct instructions', () => {
    const a = planFaults({ ...live, seed: 42 });
    const b = planFaults({ ...live, seed: 42 });
    expect(a).toEqual(b);
    expect(a.faults).toHaveLength(5);
    expect(new Set(a.faults.map((f) => f.offset)).size).toBe(5);
    expect(a.module).toBe('e1000');
  });

  test('different seeds give different plans', () => {
    const plans = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => JSON.stringify(planFaults({ ...live, seed }).faults));
    expect(new Set(plans).size).toBe(plans.length);
  });

  test('types are drawn among those with sites; every type is reachable', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) for (const f of planFaults({ ...live, seed }).faults) seen.add(f.type);
    expect([...seen].sort()).toEqual([...FAULT_TYPES].sort());
  });

  test('a plan round-trips through JSON', () => {
    const plan = planFaults({ ...live, seed: -12345, count: 20 });
    const json = JSON.stringify(plan);
    expect(JSON.parse(json)).toEqual(plan);
    expect(parsePlan(json)).toEqual(plan);
    expect(parsePlan(JSON.parse(json))).toEqual(plan);
  });

  test('descriptions are one line with place and disassembly', () => {
    for (const f of planFaults({ ...live, seed: 9, count: 10 }).faults) {
      const d = describeFault(f);
      expect(d).not.toContain('\n');
      expect(d.startsWith(`${f.type} at ${f.symbol} (0x${f.address.toString(16)}): `)).toBe(true);
    }
  });

  test('invalid options are clear errors', () => {
    expect(planError(() => planFaults({ ...live, seed: 1, types: ['bitflip'] })).code).toBe('UNKNOWN_FAULT_TYPE');
    expect(planError(() => planFaults({ ...live, seed: 1, types: ['bitflip'] })).message).toContain('known types: text-bitflip');
    expect(planError(() => planFaults({ ...live, seed: 1, types: ['free-early'] })).message).toMatch(/not supported/);
    expect(planError(() => planFaults({ ...live, seed: 1, types: [] })).code).toBe('INVALID_OPTIONS');
    expect(planError(() => planFaults({ ...live, seed: 1, count: 0 })).code).toBe('INVALID_COUNT');
    expect(planError(() => planFaults({ ...live, seed: 1, count: 1.5 })).code).toBe('INVALID_COUNT');
    expect(planError(() => planFaults({ ...live, seed: 1.5 })).code).toBe('INVALID_SEED');
    expect(planError(() => planFaults({ ...live, seed: Number.NaN })).code).toBe('INVALID_SEED');
    expect(planError(() => planFaults({ ...live, seed: '7' as unknown as number })).code).toBe('INVALID_SEED');
  });

  test('too few sites is a clear error', () => {
    const { image, memory } = imageFromElf(objectBytes('demo'), { name: 'demo' });
    expect(countSites(image, memory).loop).toBe(0);
    const e = planError(() => planFaults({ image, memory, seed: 1, types: ['loop'] }));
    expect(e.code).toBe('NO_SITES');
    expect(e.message).toContain('loop: 0');
    expect(planError(() => planFaults({ image, memory, seed: 1, count: 2, types: ['alloc'] })).code).toBe('NO_SITES');
  });

  test('parsePlan rejects malformed plans', () => {
    const plan = JSON.parse(JSON.stringify(planFaults({ ...live, seed: 3 }))) as Record<string, unknown>;
    expect(planError(() => parsePlan('{')).code).toBe('INVALID_PLAN');
    expect(planError(() => parsePlan({})).code).toBe('INVALID_PLAN');
    expect(planError(() => parsePlan({ ...plan, faults: [{ ...(plan.faults as object[])[0], type: 'nope' }] })).message).toContain('faults[0].type');
    expect(planError(() => parsePlan({ ...plan, faults: [{ ...(plan.faults as object[])[0], patch: { keep: 'zz', xor: '00' } }] })).message).toContain('patch.keep');
  });
});

describe('the Prng', () => {
  test('is deterministic and spreads', () => {
    const a = new Prng(5);
    const b = new Prng(5);
    const xs = Array.from({ length: 1000 }, () => a.below(10));
    expect(Array.from({ length: 1000 }, () => b.below(10))).toEqual(xs);
    for (let v = 0; v < 10; v++) expect(xs.filter((x) => x === v).length).toBeGreaterThan(60);
    expect(new Prng(2 ** 40).nextU32()).not.toBe(new Prng(0).nextU32());
  });
});

describe('applyFaults', () => {
  test('one plan makes the same code change in two loads of the object at different bases', () => {
    const [a, b] = loadLive(['native', 'e1000'], ['isolated', 'e1000']);
    expect(a!.image.base).not.toBe(b!.image.base);
    const plan = planFaults({ image: a!.image, memory: a!.memory, seed: 77, count: 30 });
    const snapshot = (m: typeof a) => m!.memory.read(m!.image.base, m!.image.size);
    const beforeA = snapshot(a);
    const beforeB = snapshot(b);
    const appliedA = applyFaults(plan, a!.memory);
    const appliedB = applyFaults(plan, b!.memory, b!.image.base);
    const afterA = snapshot(a);
    const afterB = snapshot(b);
    const changed = (x: Uint8Array, y: Uint8Array) => Array.from(x.keys()).filter((i) => x[i] !== y[i]);
    // Same offsets changed, each inside a fault's instruction.
    expect(changed(beforeA, afterA)).toEqual(changed(beforeB, afterB));
    for (const i of changed(beforeA, afterA)) expect(plan.faults.some((f) => i >= f.offset && i < f.offset + f.length)).toBe(true);
    // Same change: equal bytes wherever the loader did not relocate.
    for (const f of plan.faults) {
      for (let i = 0; i < f.length; i++) if (!f.relocated.includes(i)) expect(afterB[f.offset + i]).toBe(afterA[f.offset + i]);
    }
    expect(appliedB.map((x) => x.address)).toEqual(plan.faults.map((f) => (b!.image.base + f.offset) >>> 0));
    expect(appliedA.map((x) => x.after.bytes)).toEqual(plan.faults.map((f) => f.after.bytes));
  });

  test('a plan made on the object file applies to a live load', () => {
    const [m] = loadLive('e1000');
    const { image, memory } = imageFromElf(objectBytes('e1000'), { name: 'e1000', base: m!.image.base });
    const fromFile = planFaults({ image, memory, seed: 5, count: 12 });
    const fromLive = planFaults({ image: m!.image, memory: m!.memory, seed: 5, count: 12 });
    const shape = (p: typeof fromFile) => p.faults.map((f) => [f.type, f.offset, f.symbol, f.patch, f.relocated, f.note]);
    expect(shape(fromFile)).toEqual(shape(fromLive));
    expect(fromFile.sites).toEqual(fromLive.sites);
    const applied = applyFaults(fromFile, m!.memory);
    expect(applied).toHaveLength(12);
  });

  test('writes nothing when any fault does not match the code', () => {
    const [m, other] = loadLive('e1000', 'knet');
    const plan = planFaults({ image: m!.image, memory: m!.memory, seed: 11 });
    const snap = other!.memory.read(other!.image.base, other!.image.size);
    expect(() => applyFaults(plan, other!.memory, other!.image.base)).toThrow(FaultApplyError);
    expect(other!.memory.read(other!.image.base, other!.image.size)).toEqual(snap);
    applyFaults(plan, m!.memory);
    try {
      applyFaults(plan, m!.memory);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FaultApplyError);
      expect((e as FaultApplyError).code).toBe('CODE_MISMATCH');
      expect((e as FaultApplyError).message).toContain('applied already');
    }
  });
});
