import { describe, expect, it } from 'vitest';

import { runHz100Example } from './hz100.js';

describe('README example', () => {
  it('counts 100 timer interrupts per simulated second', () => {
    const r = runHz100Example(2);
    expect(Math.abs(r.ticks - 200)).toBeLessThanOrEqual(1);
    expect(r.utilisation).toBeLessThan(0.001);
  });
});
