import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import noStringKeyOnObject from './eslint-rules/no-string-key-on-object.mjs';

export default tseslint.config(
  {
    // The fixture holds the violations the rule must find: hostile/test/prototype.test.ts lints it with --no-ignore.
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.turbo/**',
      'hostile/test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Prototype pollution: see eslint-rules/no-string-key-on-object.mjs. Shipped code only; tests may poke.
    files: [
      'packages/*/src/**/*.ts',
      'examples/*/src/**/*.ts',
      'examples/*/*.ts',
      'hostile/test/fixtures/**/*.ts',
    ],
    plugins: { gatecache: { rules: { 'no-string-key-on-object': noStringKeyOnObject } } },
    rules: { 'gatecache/no-string-key-on-object': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
