import base from './jest.config.js';

// The chaos suite (`npm run chaos`): real ops-bot processes on a private Redis and a proxied PostgreSQL.
// One file at a time: each starts four Node processes, and the machine has two CPUs to share among them.
export default {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
  testTimeout: 240_000,
  maxWorkers: 1,
};
