import { nooksEslint } from '@nooks/eslint-config';

export default nooksEslint(import.meta.dirname);
