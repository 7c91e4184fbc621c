import { ReleaseLedger } from './adapters/release-ledger.ts';
import { ReleaseStats } from './adapters/release-stats.ts';
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
import { PagerDutyEvents } from './adapters/pagerduty.ts';
import { DeliveryLedger } from './adapters/dedupe.ts';
import { JobSignals } from './adapters/job-signals.ts';
import { HomeOpeners } from './adapters/home-openers.ts';
import { KubeClusters } from './adapters/kube.ts';
import { TargetLocks } from './adapters/locks.ts';
import { createLogger } from './adapters/log.ts';
import { catalogReloadCounter, createMetrics, observeRelease, type Metrics } from './adapters/metrics.ts';
import { connectionReason } from './adapters/connection-errors.ts';
import { createPool, ensureDatabase, migrate, postgresShown } from './adapters/postgres.ts';
import {
  evictionProblem,
  producerConnection,
  redisShown,
  waitUntilReady,
  workerConnectionOptions,
  type RedisSettings,
} from './adapters/redis.ts';
import { waitForSlack } from './adapters/slack-startup.ts';
import { readinessOf } from './readiness.ts';
import { SlackDirectory } from './adapters/slack-directory.ts';
import { SlackGateway, type SlackRetry } from './adapters/slack.ts';
import { createBoltApp, type BoltSetup } from './bot/app.ts';
import { createHttpServer } from './bot/http-server.ts';
import { loadCatalog } from './config/catalog-load.ts';
import type { Env } from './config/env.ts';
import type { HelpNotes } from './bot/views/help.ts';
import type { Catalog } from './core/catalog.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { registerHandlers } from './handlers/register.ts';
import { JobQueues } from './jobs/queues.ts';
import { startApprovalSweeper } from './jobs/approval-sweeper.ts';
import { startIncidentSweeper } from './jobs/incident/sweeper.ts';
import { JobWorkers } from './jobs/worker.ts';
import { backupHealth } from './jobs/backup/rpo.ts';
import { syncOrWarn } from './jobs/backup/schedules.ts';

export type StartOptions = {
  env: Env;
  logDestination?: DestinationStream;
  slackRetry?: SlackRetry;
  // Policy time (freezes, approval expiry, times shown); the sandbox passes an offset clock.
  now?: Clock;
  // Tests and the sandbox hand in clusters built from their own kubeconfig; otherwise KUBECONFIG
  // and in-cluster rules apply (client-node's loadFromDefault).
  kube?: KubeClusters;
  progressIntervalMs?: number;
  // Tests hand in an RDS gateway pointed at their simulator; otherwise the SDK's defaults apply.
  rds?: RdsGateway;
  rdsPollMs?: number;
  // Tests hand in an Events API client whose routing keys come from their own map, not process.env.
  paging?: PagerDutyEvents;
  // Lines `/ops help <command>` adds (the sandbox lists its failing image tags under deploy).
  helpNotes?: HelpNotes;
};

export type RunningOpsBot = {
  url: string;
  port: number;
  logger: Logger;
  queues: JobQueues;
  pool: pg.Pool;
  redis: Redis;
  // SIGHUP: the catalog file read again; an invalid one is refused and the old one kept.
  reloadCatalog(): Promise<'applied' | 'refused'>;
  close(): Promise<void>;
};

// Start-up problems that the operator must fix in configuration: main.ts exits 2 on these.
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

type Storage = { pool: pg.Pool; redis: Redis };

function redisSettings(env: Env): RedisSettings {
  return { url: env.REDIS_URL, sentinelPassword: env.REDIS_SENTINEL_PASSWORD };
}

// PostgreSQL and Redis at start: what was tried and why it failed, never the password, and exit 2 (main.ts), as
// for the other things an operator must fix; a pod restarting on them says why in `kubectl logs --previous`.
async function connectStorage(env: Env, logger: Logger): Promise<Storage> {
  const database = postgresShown(env.DATABASE_URL);
  await orStartupError(`PostgreSQL at ${database} could not be used`, () => ensureDatabase(env.DATABASE_URL, logger));
  const pool = createPool(env.DATABASE_URL, logger);
  const redis = producerConnection(redisSettings(env));
  let redisError: unknown;
  redis.on('error', (error) => {
    redisError = error;
    logger.debug({ err: error }, 'redis connection error');
  });
  try {
    await orStartupError(`PostgreSQL at ${database}: the migrations failed`, () => migrate(pool, logger));
    const where = redisShown(redisSettings(env));
    await waitUntilReady(redis, 10_000, where).catch((error: unknown) => {
      const last = redisError === undefined ? '' : `; the last error: ${connectionReason(redisError)}`;
      throw new StartupError(`${(error as Error).message}${last}`);
    });
    if (env.REDIS_SKIP_EVICTION_CHECK) logger.warn('REDIS_SKIP_EVICTION_CHECK=true: not checking maxmemory-policy');
    else {
      const eviction = await evictionProblem(redis);
      if (eviction !== undefined) throw new StartupError(eviction);
    }
  } catch (error) {
    // A failed start must not leave connections behind (tests, and supervisors that retry in-process).
    redis.disconnect();
    await pool.end().catch(() => undefined);
    throw error;
  }
  return { pool, redis };
}

async function orStartupError<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StartupError(`${what}: ${connectionReason(error)}`);
  }
}

// Everything the bot and the workers share, built once at start.
type Runtime = Storage & {
  env: Env;
  now: Clock;
  logger: Logger;
  catalog: Catalog;
  metrics: Metrics;
  audit: AuditStore;
  releases: ReleaseLedger;
  stats: ReleaseStats;
  slack: SlackGateway;
  directory: SlackDirectory;
  queues: JobQueues;
  approvals: ApprovalStore;
  locks: TargetLocks;
  signals: JobSignals;
  homes: HomeOpeners;
  kube: KubeClusters;
  rds: RdsGateway;
  backups: BackupStore;
  incidents: IncidentStore;
  paging: PagerDutyEvents;
};

type Basics = Storage & { logger: Logger; catalog: Catalog; metrics: Metrics };

async function assembleRuntime(options: StartOptions, basics: Basics): Promise<Runtime> {
  const { env } = options;
  const { logger, metrics, pool, redis } = basics;
  const audit = new AuditStore(pool, logger, () => metrics.auditWriteFailures.inc());
  const slack = new SlackGateway({
    token: env.SLACK_BOT_TOKEN,
    apiUrl: env.SLACK_API_URL,
    logger,
    metrics,
    pacer: new RedisChannelPacer(redis, env.REDIS_PREFIX),
    ...(options.slackRetry ? { retry: options.slackRetry } : {}),
  });
  await checkToken(env, logger);
  const incidents = new IncidentStore(pool, audit);
  metrics.openIncidents.read = () => incidents.openCount();
  const backups = new BackupStore(pool);
  return {
    ...basics,
    env,
    now: options.now ?? systemClock,
    audit,
    releases: new ReleaseLedger(pool, (release) => observeRelease(metrics, release)),
    stats: new ReleaseStats(pool),
    slack,
    directory: new SlackDirectory(slack),
    queues: new JobQueues(redis, env.REDIS_PREFIX, metrics, (error) =>
      logger.debug({ err: error }, 'redis connection error (queue)'),
    ),
    approvals: new ApprovalStore(pool, audit),
    locks: new TargetLocks(redis, env.REDIS_PREFIX),
    signals: new JobSignals(redis, env.REDIS_PREFIX),
    homes: new HomeOpeners(redis, env.REDIS_PREFIX),
    kube: options.kube ?? new KubeClusters(),
    rds: options.rds ?? new RdsGateway(),
    backups,
    incidents,
    paging: options.paging ?? new PagerDutyEvents(env.PAGERDUTY_EVENTS_URL),
  };
}

// A routing key is read when a page is sent (and a missing one shown on the card then); saying so at
// start-up and on reload lets the operator fix it before the first P1.
function warnAboutMissingRoutingKeys({ catalog, paging, logger }: Runtime): void {
  for (const [severity, reference] of Object.entries(catalog.incidents.paging)) {
    const key = reference ? paging.routingKey(reference) : undefined;
    if (key && 'missing' in key)
      logger.warn(
        { severity, variable: key.missing },
        `incidents.paging.${severity} names ${key.missing}, which is not set; ${severity} incidents will not page`,
      );
  }
}

function warnAboutMissingContexts({ catalog, kube, logger }: Runtime): void {
  const named = new Set(Object.values(catalog.environments).map((environment) => environment.context));
  const missing = [...named].filter((context) => !kube.contexts().includes(context));
  if (missing.length > 0)
    logger.warn(
      { missing, available: kube.contexts() },
      'kubeconfig lacks contexts the catalog names; deploys there will be refused',
    );
}

function startBot(runtime: Runtime, helpNotes: HelpNotes): BoltSetup {
  const { env, slack, logger } = runtime;
  const bolt = createBoltApp({
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
    slack,
    logger,
  });
  registerHandlers(bolt.app, {
    // A getter, so a SIGHUP reload reaches every handler at its next request.
    get catalog() {
      return runtime.catalog;
    },
    queues: runtime.queues,
    audit: runtime.audit,
    releases: runtime.releases,
    stats: runtime.stats,
    approvals: runtime.approvals,
    locks: runtime.locks,
    signals: runtime.signals,
    kube: runtime.kube,
    rds: runtime.rds,
    backups: runtime.backups,
    incidents: runtime.incidents,
    slack,
    ledger: new DeliveryLedger(runtime.redis, env.REDIS_PREFIX),
    homes: runtime.homes,
    directory: runtime.directory,
    metrics: runtime.metrics,
    logger,
    now: runtime.now,
    helpNotes,
  });
  return bolt;
}

function createWorkers(runtime: Runtime, options: StartOptions): JobWorkers {
  const { env } = runtime;
  return new JobWorkers(
    {
      get catalog() {
        return runtime.catalog;
      },
      slack: runtime.slack,
      directory: runtime.directory,
      audit: runtime.audit,
      releases: runtime.releases,
      approvals: runtime.approvals,
      kube: runtime.kube,
      rds: runtime.rds,
      backups: runtime.backups,
      incidents: runtime.incidents,
      paging: runtime.paging,
      locks: runtime.locks,
      signals: runtime.signals,
      queues: runtime.queues,
      homes: runtime.homes,
      logger: runtime.logger,
      now: runtime.now,
      ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
      ...(options.rdsPollMs !== undefined ? { rdsPollMs: options.rdsPollMs } : {}),
    },
    {
      connection: workerConnectionOptions(redisSettings(env)),
      prefix: env.REDIS_PREFIX,
      concurrency: env.WORKER_CONCURRENCY,
      metrics: runtime.metrics,
      lockMs: env.JOB_LOCK_MS,
    },
  );
}

type Background = { workers: JobWorkers; stopSweeper: () => void; stopIncidentSweeper: () => void };

async function startBackground(runtime: Runtime, options: StartOptions): Promise<Background> {
  const { approvals, incidents, queues, logger, now } = runtime;
  const workers = createWorkers(runtime, options);
  await workers.waitUntilReady();
  const stopSweeper = startApprovalSweeper(approvals, queues, logger, now);
  const stopIncidentSweeper = startIncidentSweeper(incidents, queues, logger, now);
  await queues
    .scheduleRetention(86_400_000)
    .catch((error: unknown) => logger.warn({ err: error }, 'could not schedule the retention report'));
  await syncOrWarn(queues, runtime.catalog, now(), logger);
  return { workers, stopSweeper, stopIncidentSweeper };
}

async function reloadCatalog(runtime: Runtime, reloads: ReturnType<typeof catalogReloadCounter>, schedules: boolean) {
  const { env, logger } = runtime;
  try {
    const next = await loadCatalog(env.OPS_CATALOG);
    runtime.catalog = next;
    reloads.inc({ outcome: 'applied' });
    logger.info({ file: env.OPS_CATALOG, services: Object.keys(next.services).length }, 'catalog reloaded');
    warnAboutMissingContexts(runtime);
    // Workers own the backup schedules: a database that gained, changed or lost one takes effect now.
    if (schedules) await syncOrWarn(runtime.queues, next, runtime.now(), logger);
    if (env.ROLE !== 'bot') warnAboutMissingRoutingKeys(runtime);
    return 'applied' as const;
  } catch (error) {
    reloads.inc({ outcome: 'refused' });
    logger.error(
      { file: env.OPS_CATALOG, err: error },
      `catalog reload refused, the old catalog stays in use: ${(error as Error).message}`,
    );
    return 'refused' as const;
  }
}

async function recordQueueDepth({ queues, metrics }: Runtime): Promise<void> {
  for (const [kind, counts] of await queues.counts())
    for (const [state, count] of Object.entries(counts)) metrics.queueDepth.set({ kind, state }, count);
}

type Running = { runtime: Runtime; server: Server; bolt: BoltSetup | undefined; background: Background | undefined };

async function shutDown({ runtime, server, bolt, background }: Running): Promise<void> {
  const { logger, queues, redis, pool } = runtime;
  logger.info('ops-bot shutting down: no new requests, letting running jobs reach a safe point');
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  if (bolt?.socketMode) await bolt.app.stop().catch(() => undefined);
  background?.stopSweeper();
  background?.stopIncidentSweeper();
  await background?.workers.close();
  await queues.close();
  await redis.quit().catch(() => redis.disconnect());
  await pool.end();
  logger.info('ops-bot stopped');
}

function localUrl(host: string, port: number): string {
  return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
}

export async function startOpsBot(options: StartOptions): Promise<RunningOpsBot> {
  const { env } = options;
  const logger = createLogger({
    level: env.LOG_LEVEL,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const catalog = await loadCatalog(env.OPS_CATALOG);
  const metrics = createMetrics();
  const storage = await connectStorage(env, logger);
  const runtime = await assembleRuntime(options, { ...storage, logger, catalog, metrics });
  warnAboutMissingContexts(runtime);
  metrics.backupHealth.read = () => backupHealth(runtime.catalog, runtime.backups, runtime.now());
  // Pages are sent by workers: a bot-only process has no use for the keys.
  if (env.ROLE !== 'bot') warnAboutMissingRoutingKeys(runtime);
  const bolt = env.ROLE !== 'worker' ? startBot(runtime, options.helpNotes ?? {}) : undefined;
  const background = env.ROLE !== 'bot' ? await startBackground(runtime, options) : undefined;

  const server = createHttpServer({
    receiver: bolt?.httpReceiver,
    metrics,
    logger,
    readiness: readinessOf(runtime),
    beforeMetrics: () => recordQueueDepth(runtime),
  });
  const port = await listen(server, env.PORT, env.HOST);
  if (bolt?.socketMode) await bolt.app.start();
  logger.info(
    { role: env.ROLE, port, socketMode: bolt?.socketMode ?? false, services: Object.keys(catalog.services).length },
    'ops-bot started',
  );

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= shutDown({ runtime, server, bolt, background }));
  const { queues, pool, redis } = runtime;
  const reloads = catalogReloadCounter(metrics);
  const reload = () => reloadCatalog(runtime, reloads, background !== undefined);
  return { url: localUrl(env.HOST, port), port, logger, queues, pool, redis, reloadCatalog: reload, close };
}

// Retried for at most SLACK_STARTUP_TIMEOUT_MS; then one line names the URL and why (exit 2 in main.ts).
async function checkToken(env: Env, logger: Logger): Promise<void> {
  const url = `${env.SLACK_API_URL}auth.test`;
  const apiUrl = env.SLACK_API_URL;
  const probe = await waitForSlack({
    apiUrl,
    token: env.SLACK_BOT_TOKEN,
    timeoutMs: env.SLACK_STARTUP_TIMEOUT_MS,
    logger,
  });
  if (probe.ok) {
    logger.info({ botUserId: probe.userId, team: probe.teamId }, 'slack token verified');
    return;
  }
  const message = probe.final
    ? `Slack refused ${url}: ${probe.reason}. Check SLACK_BOT_TOKEN on your Slack app's OAuth page.`
    : `Slack is not reachable at ${url} after ${env.SLACK_STARTUP_TIMEOUT_MS} ms: ${probe.reason}.`;
  logger.fatal({ url, reason: probe.reason }, message);
  throw new StartupError(message);
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
