import tseslint from 'typescript-eslint';

// Layers point down (ARCHITECTURE.md): core ← config, adapters ← bot ← jobs ← handlers ← start/main.
// Each folder lists what it must not import; the sandbox sits beside the product and only it, tests,
// benchmarks and scripts may import it.
const LAYERS = ['core', 'config', 'adapters', 'bot', 'jobs', 'handlers', 'entry'];
const FOLDER_OF_LAYER = { entry: ['start', 'main'] };
const SDKS = ['@slack/*', '@kubernetes/*', '@aws-sdk/*', 'bullmq', 'ioredis', 'pg', 'pino'];
const IO = ['node:fs*', 'node:http*', 'node:net', 'node:child_process'];

function importsOf(layer) {
  return (FOLDER_OF_LAYER[layer] ?? [layer]).map((folder) => `**/${folder}/**`);
}

function layerRule(layer, { also = [], allowDown = LAYERS.indexOf(layer) } = {}) {
  const above = LAYERS.slice(allowDown + 1).filter((other) => other !== layer);
  const entryFiles = layer === 'entry' ? [] : ['**/start.ts', '**/main.ts'];
  const patterns = [
    { group: ['**/sandbox/**'], message: 'Product code never imports the sandbox (ARCHITECTURE.md).' },
    ...above
      .filter((other) => other !== 'entry')
      .map((other) => ({
        group: importsOf(other),
        message: `${layer} sits below ${other}: layers import downwards only.`,
      })),
    ...(entryFiles.length > 0
      ? [{ group: entryFiles, message: 'Only the entry points wire everything together; nothing imports them.' }]
      : []),
    ...also,
  ];
  return { 'no-restricted-imports': ['error', { patterns }] };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'coverage/', 'bench/results/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      ...layerRule('entry'),
    },
  },
  {
    // core/ is pure: no SDKs, no I/O, and nothing but itself.
    files: ['src/core/**'],
    rules: layerRule('core', {
      allowDown: -1,
      also: [{ group: [...SDKS, ...IO], message: 'core/ is pure: no I/O and no SDKs.' }],
    }),
  },
  // config/ reads files and the environment on top of core; adapters/ talk to the outside on top of core.
  { files: ['src/config/**'], rules: layerRule('config', { allowDown: 0 }) },
  { files: ['src/adapters/**'], rules: layerRule('adapters', { allowDown: 0 }) },
  { files: ['src/bot/**'], rules: layerRule('bot') },
  {
    // Views are pure functions from state to blocks: plain types from core, nothing that does I/O.
    files: ['src/bot/views/**'],
    rules: layerRule('bot', {
      also: [
        { group: importsOf('adapters'), message: 'Views take plain types from core/, not from adapters.' },
        { group: importsOf('config'), message: 'Views take plain types from core/, not from config.' },
        { group: [...SDKS, ...IO], message: 'Views are pure: no I/O and no SDKs.' },
      ],
    }),
  },
  { files: ['src/jobs/**'], rules: layerRule('jobs') },
  {
    // Handlers reach the outside through adapters, never an SDK directly.
    files: ['src/handlers/**'],
    rules: layerRule('handlers', {
      also: [
        {
          group: ['@kubernetes/*', '@aws-sdk/*', 'bullmq', 'ioredis', 'pg', '@slack/web-api'],
          message: 'Handlers reach the outside through src/adapters.',
        },
      ],
    }),
  },
  {
    // The sandbox, tests, benchmarks and scripts may use anything, the sandbox included.
    files: ['src/sandbox/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
