import { nooksVitest } from '@nooks/vitest-config';

export default nooksVitest();
