import type { Linter } from 'eslint';
export declare function nooksEslint(tsconfigRootDir: string): Linter.Config[];
