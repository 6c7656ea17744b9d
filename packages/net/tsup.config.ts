import { nooksTsup } from '@nooks/tsup-config';

export default nooksTsup();
