// The kernel interface (interface/kernel.h): its layouts are gcc's, its generated outputs are
// current, and the kernel exports every function it declares (see also sync.test.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emitLayouts, parseInterface, verifyLayoutsWithGcc } from '@nooks/wrapgen';
import { describe, expect, it } from 'vitest';

const INTERFACE = fileURLToPath(new URL('../interface/kernel.h', import.meta.url));
const model = parseInterface([{ name: 'kernel.h', text: readFileSync(INTERFACE, 'utf8') }]);

describe('kernel interface', () => {
  it('lays out every structure exactly as gcc -m32 does', () => {
    const r = verifyLayoutsWithGcc(model);
    expect(r.checks).toBeGreaterThan(250);
  });

  it('the generated layouts the kernel compiles against are up to date', () => {
    const generated = readFileSync(fileURLToPath(new URL('../src/generated/layouts.ts', import.meta.url)), 'utf8');
    expect(generated).toBe(emitLayouts(model));
  });
});
