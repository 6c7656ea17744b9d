import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validate } from '../json-schema.js';
import { TRIAL_SCHEMA } from '../schemas.js';
import { json, runCli } from '../test-support.js';

interface Trial {
  id: string;
  outcome: string;
  summary: string;
  failures: unknown[];
  faults: Array<{ symbol: string; before: string; after: string }>;
  workload: Record<string, unknown>;
  xpcs: number;
  hostSeconds: number;
}

const dir = mkdtempSync(join(tmpdir(), 'nooks-cli-trial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trial(argv: string[]): Promise<Trial> {
  const r = await runCli(['trial', ...argv, '--json']);
  expect(r.status, r.err).toBe(0);
  const t = json(r);
  expect(validate(TRIAL_SCHEMA, t)).toEqual([]);
  return t as Trial;
}

describe('nooks trial', () => {
  it('e1000-double-free under Nooks is recovered; natively a system crash', async () => {
    const nooks = await trial(['--extension', 'e1000', '--mode', 'nooks', '--bug', 'e1000-double-free']);
    expect(nooks.outcome, nooks.summary).toBe('recovered');
    expect(nooks.id).toBe('e1000/nooks/receive-stream/bug=e1000-double-free');
    expect(nooks.failures.length).toBeGreaterThan(0);
    const native = await trial(['--extension', 'e1000', '--mode', 'native', '--bug', 'e1000-double-free']);
    expect(native.outcome, native.summary).toBe('system-crash');
  });

  it('replays a trial from its id: same outcome and figures', async () => {
    const first = await trial(['--extension', 'e1000', '--mode', 'nooks', '--seed', '3', '--faults', '5']);
    expect(first.faults).toHaveLength(5);
    const again = await trial(['--id', first.id]);
    expect({ ...again, hostSeconds: 0 }).toEqual({ ...first, hostSeconds: 0 });
  });

  it('prints the outcome, the faults, the recovery timeline and the replay command; writes the trace', async () => {
    const trace = join(dir, 'trace.jsonl');
    const r = await runCli(['trial', '--extension', 'e1000', '--mode', 'nooks', '--bug', 'e1000-double-free', '--trace', trace], { cwd: dir });
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^trial e1000\/nooks\/receive-stream\/bug=e1000-double-free\noutcome: recovered\n/);
    expect(r.out).toContain('Nooks failure 1: wrapper-check');
    expect(r.out).toMatch(/ms {2}reloaded/);
    expect(r.out).toContain('replay: nooks trial --id e1000/nooks/receive-stream/bug=e1000-double-free');
    expect(r.err).toMatch(/trace: \d+ XPC event\(s\) written to/);
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    const ev = JSON.parse(lines[0]!) as { cycles: number; direction: string; site: string };
    expect(ev.direction === 'to-extension' || ev.direction === 'to-kernel').toBe(true);
    expect(typeof ev.site).toBe('string');
  });

  it('a native crash prints the kernel crash report; faults as symbol+offset, before -> after', async () => {
    const crash = await runCli(['trial', '--extension', 'e1000', '--mode', 'native', '--bug', 'e1000-double-free']);
    expect(crash.out).toContain('outcome: system-crash');
    expect(crash.out).toMatch(/crash report \(panic/);
    expect(crash.out).toContain('Kernel panic');
    const faults = await runCli(['trial', '--extension', 'e1000', '--mode', 'native', '--seed', '1', '--faults', '2']);
    expect(faults.status).toBe(0);
    expect(faults.out).toMatch(/faults injected \(2, seed 1\):\n {2}1\. \S+ at \w+\+0x[0-9a-f]+ \(0x[0-9a-f]+\)\n {5}.+ {2}-> {2}.+/);
  });

  it('--trace into a missing directory: exit 2 before running', async () => {
    const r = await runCli(['trial', '--extension', 'e1000', '--mode', 'nooks', '--seed', '1', '--trace', join(dir, 'no/such/dir/t.jsonl')]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--trace: directory .* does not exist/);
  });
});
