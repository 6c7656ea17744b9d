import { nooksEslint } from '@nooks/eslint-config';

// The React UI's lint: the shared rules, typed through ui/tsconfig.json; the bundle is output.
export default [{ ignores: ['dist/**'] }, ...nooksEslint(import.meta.dirname)];
