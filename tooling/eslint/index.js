// Shared flat config: typescript-eslint with type information, type-only imports spelled as
// such, exhaustive switches over unions and enums, and no reaching into another package's
// internals (import `@nooks/x86`, never `@nooks/x86/src/cpu` or `../../x86/src/cpu`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** @param {string} tsconfigRootDir the package directory (import.meta.dirname) */
export function nooksEslint(tsconfigRootDir) {
  return tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'objects/**', '**/.build/**', '*.config.js', '*.config.ts'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
      files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
        '@typescript-eslint/consistent-type-exports': 'error',
        '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
        '@typescript-eslint/no-explicit-any': 'error',
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: '^@nooks/(?!tsconfig|vitest-config|tsup-config|eslint-config)[^/]+/.+',
                message: "Import another package only through its public API ('@nooks/name'), never its internals.",
              },
              {
                regex: '^(\\.\\./)+(packages|apps|tooling)/|^(\\.\\./){2,}[^.]',
                message: 'Do not reach into another package by a relative path; depend on it and import its public API.',
              },
            ],
          },
        ],
        'no-constant-condition': ['error', { checkLoops: false }],
      },
    },
  );
}
