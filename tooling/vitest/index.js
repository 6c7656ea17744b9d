// Shared vitest preset. Every package's vitest.config.ts is `export default nooksVitest()`,
// optionally with overrides. Results are also written as JSON to test-results.json so that
// scripts/run-tests.mjs can total every package's tests into CI's closing line.
import { defineConfig, mergeConfig } from 'vitest/config';

/** @param {import('vitest/config').UserConfig} [overrides] */
export function nooksVitest(overrides = {}) {
  const base = defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      // Two cores on the reference machine; the turbo graph already runs packages in parallel.
      pool: 'forks',
      maxWorkers: 2,
      testTimeout: 60_000,
      hookTimeout: 300_000,
      reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    },
  });
  return mergeConfig(base, defineConfig(overrides));
}
