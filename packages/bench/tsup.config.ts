import { nooksTsup } from '@nooks/tsup-config';

// The worker entry is its own file: campaign workers load dist/worker.js.
export default nooksTsup({ entry: ['src/index.ts', 'src/worker.ts', 'src/bench.ts'] });
