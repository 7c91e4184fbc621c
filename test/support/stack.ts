import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../src/config/env.ts';
import type { OffsetClock } from '../../src/core/clock.ts';
import type { SlackDriver } from '../../src/sandbox/slack/driver.ts';
import { RdsGateway } from '../../src/adapters/rds.ts';
import type { SlackRetry } from '../../src/adapters/slack.ts';
import { KubeSimulator } from '../../src/sandbox/kube/simulator.ts';
import { RdsSimulator } from '../../src/sandbox/rds/simulator.ts';
import { PagingSimulator } from '../../src/sandbox/paging/simulator.ts';
import { PagerDutyEvents } from '../../src/adapters/pagerduty.ts';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { clustersFor } from './kube.ts';
import { startOpsBot, type RunningOpsBot } from '../../src/start.ts';
import { LogCapture } from './log-capture.ts';
import { appendBlockLog } from './block-types.ts';
import { REDIS_URL, databaseUrl, deleteRedisPrefix, dropDatabase, uniqueName } from './services.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-1234567890-abcdefghijklmnop';
// The example catalog pages P0/P1 through env:PAGERDUTY_ROUTING_KEY; here it reaches the stack's simulator.
export const EXAMPLE_ROUTING_KEY = 'examplekey000000000000000000000a';
export const EXAMPLE_CATALOG = new URL('../../config/catalog.example.yml', import.meta.url).pathname;

export type Stack = {
  sim: SlackSimulator;
  slack: SlackDriver;
  // Simulated clusters by kubeconfig context: staging and prod.
  kube: { staging: KubeSimulator; prod: KubeSimulator };
  rds: RdsSimulator;
  // PagerDuty's Events API v2; routing keys for env:NAME references come from `pagingKeys`.
  paging: PagingSimulator;
  bot: RunningOpsBot;
  logs: LogCapture;
  database: string;
  databaseUrl: string;
  prefix: string;
  close(): Promise<void>;
};

export type StackOptions = {
  catalogYaml?: string;
  env?: Record<string, string>;
  redisUrl?: string;
  databaseUrl?: string;
  socketMode?: boolean;
  progressIntervalMs?: number;
  // 'rapid' (the default here) makes the Web API client's own retries instant; 'production' keeps its backoff.
  slackRetry?: SlackRetry;
  // The sandbox's clock: the bot's policy time, moved through the simulator's POST /_sim/clock.
  clock?: OffsetClock;
  // What env:NAME routing keys in the catalog resolve to (the bot's worker reads no process.env for them here).
  pagingKeys?: Record<string, string>;
};

// The whole bot, in process, wired to a fresh Slack simulator, a fresh Redis prefix and a fresh
// PostgreSQL database: what a test needs to send signed requests in and read effects out.
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = new SlackSimulator({ token: BOT_TOKEN, ...(options.clock ? { sandboxClock: options.clock } : {}) });
  await sim.start();
  const kube = {
    staging: new KubeSimulator({ podReadyMs: 10, secondMs: 5 }),
    prod: new KubeSimulator({ podReadyMs: 10, secondMs: 5 }),
  };
  const rds = new RdsSimulator({ snapshotMs: 400, restoreMs: 300 });
  const paging = new PagingSimulator();
  await Promise.all([kube.staging.start(), kube.prod.start(), rds.start(), paging.start()]);
  // A caller's DATABASE_URL (through a proxy, say) still names a database this stack creates and drops.
  const database = options.databaseUrl
    ? decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1))
    : uniqueName('opsbot_test');
  const prefix = uniqueName('opsbot-test');
  const logs = new LogCapture();
  let catalog = EXAMPLE_CATALOG;
  if (options.catalogYaml) {
    catalog = join(await mkdtemp(join(tmpdir(), 'opsbot-catalog-')), 'catalog.yml');
    await writeFile(catalog, options.catalogYaml);
  }
  const env = parseEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: sim.apiUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    REDIS_URL: options.redisUrl ?? REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL: options.databaseUrl ?? databaseUrl(database),
    OPS_CATALOG: catalog,
    LOG_LEVEL: 'debug',
    ...(options.socketMode ? { SLACK_APP_TOKEN: sim.appToken } : {}),
    ...options.env,
  });
  let bot: RunningOpsBot;
  try {
    bot = await startOpsBot({
      env,
      logDestination: logs.stream,
      slackRetry: options.slackRetry ?? 'rapid',
      kube: clustersFor(kube),
      rds: new RdsGateway({
        endpoint: rds.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
      rdsPollMs: 40,
      paging: new PagerDutyEvents(paging.url, options.pagingKeys ?? { PAGERDUTY_ROUTING_KEY: EXAMPLE_ROUTING_KEY }),
      ...(options.clock ? { now: options.clock.now } : {}),
      ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
    });
  } catch (error) {
    await Promise.all([sim.stop(), kube.staging.stop(), kube.prod.stop(), rds.stop(), paging.stop()]);
    await dropDatabase(database).catch(() => undefined);
    throw error;
  }
  const slack = options.socketMode ? sim.connectSocketModeBot() : sim.connectBot(bot.url, SIGNING_SECRET);
  return {
    sim,
    slack,
    kube,
    rds,
    paging,
    bot,
    logs,
    database,
    databaseUrl: databaseUrl(database),
    prefix,
    // The database and the key prefix go whatever else fails on the way out: a close that threw left them behind.
    close: async () => {
      try {
        await appendBlockLog(sim);
        await bot.close();
        await sim.stop();
        await Promise.all([kube.staging.stop(), kube.prod.stop(), rds.stop(), paging.stop()]);
      } finally {
        await deleteRedisPrefix(prefix);
        await dropDatabase(database);
      }
    },
  };
}
