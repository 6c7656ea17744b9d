import { nooksEslint } from '@nooks/eslint-config';

// ui/** is the React UI, with its own tsconfig and build (Vite); the server's lint covers src/.
export default [{ ignores: ['ui/**'] }, ...nooksEslint(import.meta.dirname)];
