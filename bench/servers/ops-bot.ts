import { pino } from 'pino';
import { parseEnv } from '../../src/config/env.ts';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { startOpsBot } from '../../src/start.ts';

// ops-bot as production runs it (bot + worker, info-level JSON logs written to a file descriptor),
// against the Slack simulator and the machine's Redis and PostgreSQL.
const sim = new SlackSimulator();
await sim.start();
const suffix = `${Date.now().toString(36)}${process.pid}`;
const env = parseEnv({
  SLACK_BOT_TOKEN: sim.token,
  SLACK_SIGNING_SECRET: process.env.BENCH_SECRET ?? '',
  SLACK_API_URL: sim.apiUrl,
  HOST: '127.0.0.1',
  PORT: '0',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `opsbot-bench-${suffix}`,
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `postgres://127.0.0.1:5432/opsbot_bench_${suffix}`,
  OPS_CATALOG: new URL('../../config/catalog.example.yml', import.meta.url).pathname,
  LOG_LEVEL: 'info',
});
const bot = await startOpsBot({ env, logDestination: pino.destination({ dest: '/dev/null', sync: false }) });
process.stdout.write(
  `${JSON.stringify({ ready: true, url: bot.url, database: env.DATABASE_URL, prefix: env.REDIS_PREFIX })}\n`,
);
process.on('SIGTERM', () => void Promise.all([bot.close(), sim.stop()]).then(() => process.exit(0)));
