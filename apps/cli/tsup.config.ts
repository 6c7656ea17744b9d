import { nooksTsup } from '@nooks/tsup-config';

// One entry: the `nooks` bin (src/main.ts keeps its #! line). The workspace packages stay
// external (they are dependencies), so @nooks/extensions finds its objects beside itself.
// No declarations: this is an app, nothing imports it.
export default nooksTsup({ entry: ['src/main.ts'], dts: false, splitting: false });
