import { nooksTsup } from '@nooks/tsup-config';

// The server: src/index.ts (createApp, startServer). The workspace packages stay external, so
// @nooks/extensions finds its built objects beside itself. The UI (ui/) is built by Vite.
export default nooksTsup({ entry: ['src/index.ts'] });
