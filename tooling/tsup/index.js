// The one place that knows the bundler. Packages call nooksTsup({ entry: [...] }).
import { defineConfig } from 'tsup';

/** @param {import('tsup').Options} [overrides] */
export function nooksTsup(overrides = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: false,
    ...overrides,
  });
}
