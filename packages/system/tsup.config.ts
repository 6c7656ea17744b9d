import { nooksTsup } from '@nooks/tsup-config';

// The extension objects are found relative to @nooks/extensions, so it must not be bundled.
export default nooksTsup({ entry: ['src/index.ts'], external: ['@nooks/extensions'] });
