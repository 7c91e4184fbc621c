import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'coverage/', 'bench/results/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/sandbox/**'], message: 'Product code never imports the sandbox (ARCHITECTURE.md).' },
          ],
        },
      ],
    },
  },
  {
    // The sandbox, tests and benchmarks may use the sandbox; product code may not.
    files: ['src/sandbox/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // core/ is pure: no SDKs, no I/O (ARCHITECTURE.md).
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@slack/*',
                '@kubernetes/*',
                '@aws-sdk/*',
                'bullmq',
                'ioredis',
                'pg',
                'pino',
                'node:fs*',
                'node:http*',
                'node:net',
                'node:child_process',
              ],
              message: 'core/ is pure: no I/O and no SDKs.',
            },
            {
              group: ['**/adapters/**', '**/jobs/**', '**/handlers/**', '**/bot/**', '**/sandbox/**'],
              message: 'core/ depends on nothing but itself (and config types).',
            },
          ],
        },
      ],
    },
  },
  {
    // Handlers never import an SDK directly; they go through adapters (ARCHITECTURE.md).
    files: ['src/handlers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@kubernetes/*', '@aws-sdk/*', 'bullmq', 'ioredis', 'pg', '@slack/web-api'],
              message: 'Handlers reach the outside through src/adapters.',
            },
            { group: ['**/sandbox/**'], message: 'Product code never imports the sandbox.' },
          ],
        },
      ],
    },
  },
);
