import { describe, expect, it } from 'vitest';
import { validate } from '../json-schema.js';
import { BENCH_SCHEMA } from '../schemas.js';
import { json, runCli } from '../test-support.js';

describe('nooks bench', () => {
  it('--workload receive-stream --mb 1 --json: one schema-valid row beside the paper', async () => {
    const r = await runCli(['bench', '--extension', 'e1000', '--workload', 'receive-stream', '--mb', '1', '--json']);
    expect(r.status, r.err).toBe(0);
    const out = json(r) as { rows: Array<{ workload: string; native: { xpcPerSecond: number; throughputMbps: number }; nooks: { xpcPerSecond: number }; relativePerformance: number; paper: { relativePerformance: number } }> };
    expect(validate(BENCH_SCHEMA, out)).toEqual([]);
    expect(out.rows).toHaveLength(1);
    const row = out.rows[0]!;
    expect(row.workload).toBe('receive-stream');
    expect(row.native.xpcPerSecond).toBe(0);
    expect(row.nooks.xpcPerSecond).toBeGreaterThan(0);
    expect(row.native.throughputMbps).toBeGreaterThan(0);
    expect(row.relativePerformance).toBeGreaterThan(0.3);
    expect(row.paper.relativePerformance).toBe(0.92);
  });

  it('prints the tables with the paper columns', async () => {
    const r = await runCli(['bench', '--extension', 'e1000', '--workload', 'send-stream', '--mb', '1']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/workload +native Mb\/s +Nooks Mb\/s +relative +paper/);
    expect(r.out).toMatch(/send-stream .* 0\.91 .* 21\.4 +39\.3/);
    expect(r.out).toMatch(/send-stream .* 60,352/);
  });
});
