import { nooksTsup } from '@nooks/tsup-config';

// The bench drives the e1000 model and loads the extension objects from their own packages.
export default nooksTsup({ entry: ['src/index.ts', 'src/bench.ts'], external: ['@nooks/devices', '@nooks/extensions', '@nooks/net'] });
