import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { DestinationStream, Logger } from 'pino';
import { ApprovalStore } from './adapters/approval-store.ts';
import { AuditStore } from './adapters/audit-store.ts';
import { RedisChannelPacer } from './adapters/channel-pacer.ts';
import { BackupStore } from './adapters/backup-store.ts';
import { IncidentStore } from './adapters/incident-store.ts';
import { RdsGateway } from './adapters/rds.ts';
import { DeliveryLedger } from './adapters/dedupe.ts';
import { JobSignals } from './adapters/job-signals.ts';
import { KubeClusters } from './adapters/kube.ts';
import { TargetLocks } from './adapters/locks.ts';
import { createLogger } from './adapters/log.ts';
import { createMetrics } from './adapters/metrics.ts';
import { createPool, ensureDatabase, migrate } from './adapters/postgres.ts';
import { pingWithin, producerConnection, waitUntilReady, workerConnectionOptions } from './adapters/redis.ts';
import { SlackDirectory } from './adapters/slack-directory.ts';
import { SlackGateway, platformErrorCode, type SlackRetry } from './adapters/slack.ts';
import { createBoltApp } from './bot/app.ts';
import { createHttpServer } from './bot/http-server.ts';
import { loadCatalog } from './config/catalog-load.ts';
import type { Env } from './config/env.ts';
import { registerHandlers } from './handlers/register.ts';
import { JobQueues } from './jobs/queues.ts';
import { startApprovalSweeper } from './jobs/approval-sweeper.ts';
import { startIncidentSweeper } from './jobs/incident/sweeper.ts';
import { JobWorkers } from './jobs/worker.ts';

export type StartOptions = {
  env: Env;
  logDestination?: DestinationStream;
  slackRetry?: SlackRetry;
  now?: () => Date;
  // Tests and the sandbox hand in clusters built from their own kubeconfig; otherwise KUBECONFIG
  // and in-cluster rules apply (client-node's loadFromDefault).
  kube?: KubeClusters;
  progressIntervalMs?: number;
  // Tests hand in an RDS gateway pointed at their simulator; otherwise the SDK's defaults apply.
  rds?: RdsGateway;
  rdsPollMs?: number;
};

export type RunningOpsBot = {
  url: string;
  port: number;
  logger: Logger;
  queues: JobQueues;
  pool: pg.Pool;
  redis: Redis;
  close(): Promise<void>;
};

// Start-up problems that the operator must fix in configuration: main.ts exits 2 on these.
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const TOKEN_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

export async function startOpsBot(options: StartOptions): Promise<RunningOpsBot> {
  const { env } = options;
  const now = options.now ?? (() => new Date());
  const logger = createLogger({
    level: env.LOG_LEVEL,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const catalog = await loadCatalog(env.OPS_CATALOG);
  const metrics = createMetrics();
  const runsBot = env.ROLE !== 'worker';
  const runsWorker = env.ROLE !== 'bot';

  await ensureDatabase(env.DATABASE_URL, logger);
  const pool = createPool(env.DATABASE_URL, logger);
  const redis = producerConnection(env.REDIS_URL);
  redis.on('error', (error) => logger.debug({ err: error }, 'redis connection error'));
  try {
    await migrate(pool, logger);
    await waitUntilReady(redis, 10_000);
  } catch (error) {
    // A failed start must not leave connections behind (tests, and supervisors that retry in-process).
    redis.disconnect();
    await pool.end().catch(() => undefined);
    throw error;
  }
  const audit = new AuditStore(pool, logger);

  const slack = new SlackGateway({
    token: env.SLACK_BOT_TOKEN,
    apiUrl: env.SLACK_API_URL,
    logger,
    metrics,
    pacer: new RedisChannelPacer(redis, env.REDIS_PREFIX),
    ...(options.slackRetry ? { retry: options.slackRetry } : {}),
  });
  await checkToken(slack, logger);
  const directory = new SlackDirectory(slack);
  const queues = new JobQueues(redis, env.REDIS_PREFIX, metrics);
  const approvals = new ApprovalStore(pool, audit);
  const locks = new TargetLocks(redis, env.REDIS_PREFIX);
  const signals = new JobSignals(redis, env.REDIS_PREFIX);
  const kube = options.kube ?? new KubeClusters();
  const rds = options.rds ?? new RdsGateway();
  const backups = new BackupStore(pool);
  const incidents = new IncidentStore(pool, audit);
  const missing = [...new Set(Object.values(catalog.environments).map((environment) => environment.context))].filter(
    (context) => !kube.contexts().includes(context),
  );
  if (missing.length > 0)
    logger.warn(
      { missing, available: kube.contexts() },
      'kubeconfig lacks contexts the catalog names; deploys there will be refused',
    );

  const bolt = runsBot
    ? createBoltApp({
        botToken: env.SLACK_BOT_TOKEN,
        signingSecret: env.SLACK_SIGNING_SECRET,
        appToken: env.SLACK_APP_TOKEN,
        apiUrl: env.SLACK_API_URL,
        slack,
        logger,
      })
    : undefined;
  if (bolt)
    registerHandlers(bolt.app, {
      catalog,
      queues,
      audit,
      approvals,
      locks,
      signals,
      kube,
      rds,
      backups,
      incidents,
      slack,
      ledger: new DeliveryLedger(redis, env.REDIS_PREFIX),
      directory,
      metrics,
      logger,
      now,
    });

  const workers = runsWorker
    ? new JobWorkers(
        {
          catalog,
          slack,
          directory,
          audit,
          approvals,
          kube,
          rds,
          backups,
          incidents,
          locks,
          signals,
          queues,
          logger,
          now,
          ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
          ...(options.rdsPollMs !== undefined ? { rdsPollMs: options.rdsPollMs } : {}),
        },
        {
          connection: workerConnectionOptions(env.REDIS_URL),
          prefix: env.REDIS_PREFIX,
          concurrency: env.WORKER_CONCURRENCY,
          metrics,
          lockMs: env.JOB_LOCK_MS,
        },
      )
    : undefined;
  await workers?.waitUntilReady();
  const stopSweeper = runsWorker ? startApprovalSweeper(approvals, queues, logger, now) : undefined;
  const stopIncidentSweeper = runsWorker ? startIncidentSweeper(incidents, queues, logger, now) : undefined;
  if (runsWorker)
    await queues
      .scheduleRetention(86_400_000)
      .catch((error: unknown) => logger.warn({ err: error }, 'could not schedule the retention report'));

  const server = createHttpServer({
    receiver: bolt?.httpReceiver,
    metrics,
    logger,
    readiness: async () => {
      const checks: Record<string, string> = { catalog: 'ok' };
      await Promise.all([
        pingWithin(redis, 1_000).then(
          () => {
            checks.redis = 'ok';
          },
          (error: unknown) => {
            checks.redis = `unreachable: ${(error as Error).message}`;
          },
        ),
        pool.query('SELECT 1').then(
          () => {
            checks.postgres = 'ok';
          },
          (error: unknown) => {
            checks.postgres = `unreachable: ${(error as Error).message}`;
          },
        ),
      ]);
      return { ready: Object.values(checks).every((check) => check === 'ok'), checks };
    },
    beforeMetrics: async () => {
      for (const [kind, counts] of await queues.counts())
        for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ kind, state }, count);
    },
  });
  const port = await listen(server, env.PORT, env.HOST);
  if (bolt?.socketMode) await bolt.app.start();
  const url = `http://${env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST}:${port}`;
  logger.info(
    { role: env.ROLE, port, socketMode: bolt?.socketMode ?? false, services: Object.keys(catalog.services).length },
    'ops-bot started',
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('ops-bot shutting down: no new requests, letting running jobs reach a safe point');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      if (bolt?.socketMode) await bolt.app.stop().catch(() => undefined);
      stopSweeper?.();
      stopIncidentSweeper?.();
      await workers?.close();
      await queues.close();
      await redis.quit().catch(() => redis.disconnect());
      await pool.end();
      logger.info('ops-bot stopped');
    })());
  return { url, port, logger, queues, pool, redis, close };
}

async function checkToken(slack: SlackGateway, logger: Logger): Promise<void> {
  try {
    const identity = await slack.authTest();
    logger.info({ botUserId: identity.user_id, team: identity.team_id }, 'slack token verified');
  } catch (error) {
    const code = platformErrorCode(error);
    if (code !== undefined && TOKEN_ERRORS.has(code))
      throw new StartupError(
        `Slack rejected SLACK_BOT_TOKEN (${code}). Check the token on your Slack app's OAuth page.`,
      );
    logger.warn({ err: error }, 'could not verify the Slack token at start; continuing');
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
