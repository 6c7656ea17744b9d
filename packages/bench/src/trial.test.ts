import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrialId, runTrial, trialId } from './trial.js';
import type { Outcome, TrialSpec } from './trial.js';

const VARIANTS = JSON.parse(readFileSync(new URL('../../extensions/c/e1000/variants.json', import.meta.url), 'utf8')) as Record<string, { native: string }>;

/** What a native crash kind is as a trial outcome (an oops leaves the system up: non-fatal). */
const NATIVE: Record<string, Outcome> = { panic: 'system-crash', hang: 'hang', oops: 'non-fatal' };

describe('trials', () => {
  it('ids round-trip and name every field', () => {
    const spec: TrialSpec = { extension: 'e1000', mode: 'nooks', workload: 'receive-stream', seed: 12, faults: 5 };
    expect(trialId(spec)).toBe('e1000/nooks/receive-stream/seed=12/faults=5');
    expect(parseTrialId(trialId(spec))).toEqual(spec);
    const bug: TrialSpec = { extension: 'e1000', mode: 'native', workload: 'send-stream', seed: 0, faults: 0, bug: 'e1000-double-free' };
    expect(parseTrialId(trialId(bug))).toEqual(bug);
    const sized: TrialSpec = { ...spec, size: 65536 };
    expect(trialId(sized)).toBe('e1000/nooks/receive-stream/seed=12/faults=5/size=65536');
    expect(parseTrialId(trialId(sized))).toEqual(sized);
    expect(() => parseTrialId('e1000/nooks/receive-stream/seed=1/faults=5/colour=red')).toThrow(/unknown part "colour"/);
    expect(() => parseTrialId('e1000/isolated/receive-stream/seed=1/faults=5')).toThrow(/mode/);
    expect(() => parseTrialId('e1000/nooks/receive-stream/seed=-1/faults=5')).toThrow(/seed/);
    expect(() => parseTrialId('nonsense')).toThrow(/trial id/);
  });

  it('the correct driver without faults: no-effect in both modes', async () => {
    for (const mode of ['native', 'nooks'] as const) {
      const r = await runTrial({ extension: 'e1000', mode, workload: 'receive-stream', seed: 0, faults: 0 });
      expect(r.outcome, r.summary).toBe('no-effect');
    }
  });

  for (const [bug, v] of Object.entries(VARIANTS)) {
    if (bug === 'e1000-null-check' || bug === 'e1000-user-pointer') continue; // need a trigger beyond the workload
    it(`${bug}: natively ${NATIVE[v.native]}, under Nooks recovered`, async () => {
      const native = await runTrial({ extension: 'e1000', mode: 'native', workload: 'receive-stream', seed: 0, faults: 0, bug });
      expect(native.outcome, native.summary).toBe(NATIVE[v.native]);
      const nooks = await runTrial({ extension: 'e1000', mode: 'nooks', workload: 'receive-stream', seed: 0, faults: 0, bug });
      expect(nooks.outcome, nooks.summary).toBe('recovered');
    });
  }

  it('is deterministic: a trial run twice gives the same result', async () => {
    const spec: TrialSpec = { extension: 'e1000', mode: 'nooks', workload: 'receive-stream', seed: 3, faults: 5 };
    const a = await runTrial(spec);
    const b = await runTrial(spec);
    const strip = (r: typeof a): unknown => ({ ...r, hostSeconds: 0 });
    expect(strip(b)).toEqual(strip(a));
    expect(a.faults.length).toBe(5);
  });
});
