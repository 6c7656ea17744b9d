import { nooksVitest } from '@nooks/vitest-config';

// The API tests run simulated machines (a tiny campaign, a live system): allow them time.
// e2e/: the browser tests (Debian's chromium through playwright-core), beside the preset's src/ and test/.
export default nooksVitest({ test: { testTimeout: 120_000, include: ['e2e/**/*.test.ts'] } });
