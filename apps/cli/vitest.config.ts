import { nooksVitest } from '@nooks/vitest-config';

export default nooksVitest({ test: { testTimeout: 60_000 } });
