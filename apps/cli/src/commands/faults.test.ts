import { describe, expect, it } from 'vitest';
import { validate } from '../json-schema.js';
import { FAULTS_SCHEMA } from '../schemas.js';
import { json, runCli } from '../test-support.js';

describe('nooks faults', () => {
  it('--seed 1 --json is deterministic and schema-valid', async () => {
    const a = await runCli(['faults', '--extension', 'e1000', '--seed', '1', '--json']);
    const b = await runCli(['faults', '--extension', 'e1000', '--seed', '1', '--json']);
    expect(a.status, a.err).toBe(0);
    expect(b.out).toBe(a.out);
    const plan = json(a) as { seed: number; faults: Array<{ symbol: string; offset: number }> };
    expect(validate(FAULTS_SCHEMA, plan)).toEqual([]);
    expect(plan.seed).toBe(1);
    expect(plan.faults).toHaveLength(5);
    for (const f of plan.faults) expect(f.symbol).toMatch(/^\w+(\.\w+)*\+0x[0-9a-f]+$|^\w+$/);
    const other = await runCli(['faults', '--extension', 'e1000', '--seed', '2', '--json']);
    expect(other.out).not.toBe(a.out);
  });

  it('the faults it shows are the ones a trial with that seed injects', async () => {
    const plan = json(await runCli(['faults', '--extension', 'e1000', '--seed', '7', '--count', '3', '--json'])) as { faults: Array<{ symbol: string; type: string }> };
    const t = json(await runCli(['trial', '--extension', 'e1000', '--mode', 'native', '--seed', '7', '--faults', '3', '--json'])) as { faults: Array<{ symbol: string; type: string }> };
    expect(t.faults.map((f) => [f.type, f.symbol])).toEqual(plan.faults.map((f) => [f.type, f.symbol]));
  });

  it('--types and --count; text output names each fault', async () => {
    const r = await runCli(['faults', '--extension', 'e1000', '--seed', '4', '--count', '2', '--types', 'invert-branch,sync']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^2 fault\(s\) of seed 4 in e1000/);
    expect(r.out).toMatch(/1\. (invert-branch|sync) at \w+/);
    expect(r.out).toMatch(/before: .*\n {3}after: /);
    expect(r.out).toContain('run them: nooks trial --extension e1000 --mode nooks --seed 4 --faults 2 --types invert-branch,sync');
  });

  it('more faults than sites: exit 1 with the reason', async () => {
    const r = await runCli(['faults', '--extension', 'e1000', '--seed', '1', '--count', '10', '--types', 'sync']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/cannot place 10 faults/);
  });
});
