import { nooksTsup } from '@nooks/tsup-config';

// The bench uses the device models and the extension objects from their own packages (the
// objects are found relative to @nooks/extensions, so it must not be bundled).
export default nooksTsup({ entry: ['src/index.ts', 'src/bench.ts'], external: ['@nooks/devices', '@nooks/extensions'] });
