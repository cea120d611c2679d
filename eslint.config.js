// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * The linter CI runs (`npm run lint`): the recommended rules of ESLint and typescript-eslint
 * for all code, and the rules of hooks for the web app. Syntax-only (no type information),
 * so it stays fast; the type checker covers the rest.
 */
export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', '.cache/', '.mycel/', 'dist/', 'bench-results/', 'test/replay/histories/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed parameters and caught errors are deliberately unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Control characters in regular expressions are how terminal escapes and C0 bytes are matched.
      'no-control-regex': 'off',
      // A handler registered before the value it reads is assigned (workflow query handlers, readline callbacks).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    // Tests read JSON bodies of any shape.
    files: ['test/**', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
