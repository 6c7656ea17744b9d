import { readFileSync } from 'node:fs';
import { EXTENSION_SOURCE_DIR } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { validate } from '../json-schema.js';
import { BUGS_SCHEMA } from '../schemas.js';
import { json, runCli } from '../test-support.js';

describe('nooks bugs', () => {
  it('--json lists every variant of variants.json with its native outcome', async () => {
    const r = await runCli(['bugs', '--json']);
    expect(r.status, r.err).toBe(0);
    const out = json(r) as { bugs: Array<{ name: string; native: string; nativeOutcome: string; built: boolean; trigger: string }> };
    expect(validate(BUGS_SCHEMA, out)).toEqual([]);
    const file = JSON.parse(readFileSync(`${EXTENSION_SOURCE_DIR}/e1000/variants.json`, 'utf8')) as Record<string, { native: string }>;
    expect(out.bugs.map((b) => b.name).sort()).toEqual(Object.keys(file).sort());
    const df = out.bugs.find((b) => b.name === 'e1000-double-free')!;
    expect(df).toMatchObject({ native: 'panic', nativeOutcome: 'system-crash', built: true });
    expect(out.bugs.find((b) => b.name === 'e1000-irq-loop')?.nativeOutcome).toBe('hang');
    expect(out.bugs.find((b) => b.name === 'e1000-user-pointer')?.nativeOutcome).toBe('non-fatal');
  });

  it('prints each bug, what it breaks and its trigger; --extension picks another module', async () => {
    const r = await runCli(['bugs', '--extension', 'e1000']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/e1000-double-free\n {2}natively: {2}panic \(trial outcome system-crash\)/);
    expect(r.out).toMatch(/ {2}trigger: {3}the transmit ring wraps/);
    const k = json(await runCli(['bugs', '--extension', 'kcrash', '--json'])) as { bugs: Array<{ name: string; native: null }> };
    expect(validate(BUGS_SCHEMA, k)).toEqual([]);
    expect(k.bugs.map((b) => b.name)).toContain('kcrash-null');
  });
});
