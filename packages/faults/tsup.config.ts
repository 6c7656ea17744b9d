import { nooksTsup } from '@nooks/tsup-config';

export default nooksTsup({ entry: ['src/index.ts'] });
