import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withinBudget } from '../core/deadline.ts';
import { releaseDurations, type FinishedRelease } from '../core/delivery.ts';

export type Metrics = ReturnType<typeof createMetrics>;

// Distinct request names (command, action id, view, event type) a metric keeps as label values; any
// further name is counted as "other", so requests nobody planned for cannot grow the registry. Labels
// never carry user ids, channel ids or typed text.
const MAX_REQUEST_NAMES = 100;

export function boundedNames(max = MAX_REQUEST_NAMES): (name: string) => string {
  const seen = new Set<string>();
  return (name) => {
    if (seen.has(name)) return name;
    if (seen.size >= max) return 'other';
    seen.add(name);
    return name;
  };
}

// One registry per running bot (not prom-client's global one) so several bots in one test process
// do not share counters.
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'opsbot_' });
  return {
    registry,
    requestName: boundedNames(),
    slackRequests: new Counter({
      name: 'opsbot_slack_requests_total',
      help: 'Requests received from Slack, by kind (command, action, event, view, unverified), name and outcome',
      labelNames: ['kind', 'name', 'outcome'] as const,
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: 'opsbot_slack_ack_seconds',
      help: 'Time from a Slack request arriving to its HTTP answer, by name',
      labelNames: ['name'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'opsbot_jobs_total',
      help: 'Jobs finished by the worker, by kind and outcome (completed, failed)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'opsbot_job_duration_seconds',
      help: 'Time a job spent in its processor, by kind',
      labelNames: ['kind'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800],
      registers: [registry],
    }),
    enqueued: new Counter({
      name: 'opsbot_jobs_enqueued_total',
      help: 'Jobs added to a queue, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'opsbot_queue_jobs',
      help: 'Jobs in each queue by state, read from BullMQ at scrape time',
      labelNames: ['kind', 'state'] as const,
      registers: [registry],
    }),
    ...releaseMetrics(registry),
    slackApiCalls: new Counter({
      name: 'opsbot_slack_api_calls_total',
      help: 'Slack Web API calls made, by method and outcome',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    ...queueTimeMetrics(registry),
    ...recordMetrics(registry),
    ...backupMetrics(registry),
  };
}

// Each database with an RPO: its newest good backup's age, and 1 when that is over the RPO or there is
// none (the OpsBotBackupRpoBreached alert). Read from PostgreSQL at scrape time; labels are catalog names.
type BackupHealthRow = { ageSeconds: number | undefined; breached: boolean };
export type BackupHealthReader = () => Promise<Map<string, BackupHealthRow>>;

function backupMetrics(registry: Registry) {
  const backupHealth: { read?: BackupHealthReader } = {};
  const gauge = (name: string, help: string, value: (health: BackupHealthRow) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['database'] as const,
      registers: [registry],
      async collect() {
        const health = await scrapeRead(backupHealth.read);
        this.reset();
        for (const [database, state] of health ?? []) {
          const shown = value(state);
          if (shown !== undefined) this.set({ database }, shown);
        }
      },
    });
  return {
    backupHealth,
    backupAge: gauge(
      'opsbot_backup_age_seconds',
      "Age of each database's newest good backup, for databases with an RPO (no series when there is none)",
      (health) => health.ageSeconds,
    ),
    backupRpoBreached: gauge(
      'opsbot_backup_rpo_breached',
      "1 when a database's newest good backup is older than its RPO or there is none, else 0",
      (health) => (health.breached ? 1 : 0),
    ),
  };
}

// The durable records' health: audit rows PostgreSQL refused (a production change without its row
// does not run, so these are changes refused or answers lost), and incidents open, read at scrape time.
function recordMetrics(registry: Registry) {
  const openIncidents: { read?: () => Promise<number> } = {};
  return {
    auditWriteFailures: new Counter({
      name: 'opsbot_audit_write_failures_total',
      help: 'Audit rows PostgreSQL did not take (the change or answer they belonged to failed closed)',
      registers: [registry],
    }),
    openIncidents,
    incidentsOpen: new Gauge({
      name: 'opsbot_incidents_open',
      help: 'Incidents declared and not resolved, read from PostgreSQL at scrape time',
      registers: [registry],
      async collect() {
        const count = await scrapeRead(openIncidents.read);
        this.reset();
        if (count !== undefined) this.set(count);
      },
    }),
  };
}

// The release ledger's figures as series. Label values are catalog names (a release's service and
// environment were checked against the catalog before its job could start) and the ledger's outcomes,
// so they are bounded by the catalog.
function releaseMetrics(registry: Registry) {
  return {
    releases: new Counter({
      name: 'opsbot_releases_total',
      help: 'Releases (deploys and rollbacks) whose outcome a job recorded, by service, environment and outcome',
      labelNames: ['service', 'env', 'outcome'] as const,
      registers: [registry],
    }),
    releaseLeadTime: new Histogram({
      name: 'opsbot_release_lead_time_seconds',
      help: 'Time from a release being requested to it going live, by service and environment',
      labelNames: ['service', 'env'] as const,
      buckets: [60, 300, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400, 259_200, 604_800],
      registers: [registry],
    }),
    releaseApprovalWait: new Histogram({
      name: 'opsbot_release_approval_wait_seconds',
      help: 'Time from a release being requested to its approval, for releases that went live after one, by environment',
      labelNames: ['env'] as const,
      buckets: [30, 60, 300, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400, 259_200],
      registers: [registry],
    }),
  };
}

// Once per release, when its outcome was recorded (ReleaseLedger's observer).
export function observeRelease(metrics: Metrics, release: FinishedRelease): void {
  const { service, env, outcome } = release;
  metrics.releases.inc({ service, env, outcome });
  const { lead, approvalWait } = releaseDurations(release);
  if (lead !== undefined) metrics.releaseLeadTime.observe({ service, env }, lead);
  if (approvalWait !== undefined) metrics.releaseApprovalWait.observe({ env }, approvalWait);
}

// Seconds per job kind, read from BullMQ when /metrics is scraped. JobQueues owns the connection and
// registers the readers, so this file needs no Redis of its own.
export type QueueTimeReader = () => Promise<Map<string, number>>;
type QueueTimeReaders = { oldestWaiting?: QueueTimeReader; nextDelayed?: QueueTimeReader };

// A scrape must answer even when Redis does not: a read that fails or takes longer than this leaves
// the gauge without series (absent, not a stale or made-up figure).
const QUEUE_TIME_BUDGET_MS = 2_000;

// A figure read from Redis or PostgreSQL while /metrics is scraped: undefined when there is no reader
// yet, or the read fails or is late.
async function scrapeRead<T>(read: (() => Promise<T>) | undefined): Promise<T | undefined> {
  return read ? withinBudget(read(), QUEUE_TIME_BUDGET_MS).catch(() => undefined) : undefined;
}

function queueTimeMetrics(registry: Registry) {
  const queueTimeReaders: QueueTimeReaders = {};
  const gauge = (name: string, help: string, reader: keyof QueueTimeReaders) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        const seconds = await scrapeRead(queueTimeReaders[reader]);
        this.reset();
        for (const [kind, value] of seconds ?? []) this.set({ kind }, value);
      },
    });
  return {
    queueTimeReaders,
    queueOldestWaiting: gauge(
      'opsbot_queue_oldest_waiting_seconds',
      'Age of the oldest job waiting for a worker, by kind (0 when none waits), read from BullMQ at scrape time',
      'oldestWaiting',
    ),
    // For approval-expire this is the time left on the undecided approval that expires first.
    queueNextDelayed: gauge(
      'opsbot_queue_next_delayed_seconds',
      'Seconds until the earliest delayed job of each kind is due (no series when none is delayed), read at scrape time',
      'nextDelayed',
    ),
  };
}

// SIGHUP catalog reloads, by outcome (applied, refused): a refused one kept the catalog in use.
// Both series start at 0: increase() over a series that first appears at 1 misses that first refusal
// (the OpsBotCatalogReloadRefused alert).
export function catalogReloadCounter(metrics: Metrics): Counter<'outcome'> {
  const counter = new Counter({
    name: 'opsbot_catalog_reloads_total',
    help: 'Catalog reloads asked for by SIGHUP, by outcome (applied, refused: invalid, the old one kept)',
    labelNames: ['outcome'] as const,
    registers: [metrics.registry],
  });
  for (const outcome of ['applied', 'refused']) counter.inc({ outcome }, 0);
  return counter;
}
