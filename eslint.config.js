// Lint rules that keep the layers honest: no console output outside src/ui, no floating promises.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Generated output is never linted: the build, `plan`'s state directory (its cdk.out holds bundled JS), any
  // cdk.out, coverage and test scratch directories (the same entries as .gitignore).
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.coder-platform/**',
      '**/cdk.out/**',
      'coverage/**',
      '.vitest-tmp/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  // Size limits of the style guide (files ~400 lines, functions ~80): warnings until the big files are split.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['warn', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/ui/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'assets/cdk/bin/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
