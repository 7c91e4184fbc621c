import type { Logger } from 'pino';
import { DIGEST_CRON, SCHEDULE_REQUESTER, digestTimeZone } from '../../core/backup-schedule.ts';
import type { Catalog } from '../../core/catalog.ts';
import type { JobQueues } from '../queues.ts';

const PREFIX = 'backup-';
export const DIGEST_SCHEDULER = 'weekly-digest';
export const RPO_SCHEDULER = 'rpo-check';
// How often each database's newest good backup is compared with its RPO (and the gauges' rows refreshed).
export const RPO_CHECK_MS = 5 * 60_000;

export function backupSchedulerId(database: string): string {
  return `${PREFIX}${database}`;
}

// The catalog's schedules as BullMQ job schedulers: one per database with a schedule, the weekly digest
// and the RPO check when any database asks for them; a scheduler whose database lost its schedule is
// removed. Every worker runs this at start and on SIGHUP; upserts of one id are idempotent.
export async function syncBackupSchedules(queues: JobQueues, catalog: Catalog, now: Date): Promise<string[]> {
  const databases = Object.entries(catalog.databases);
  const wanted = new Set<string>();
  for (const [name, database] of databases) {
    if (!database.schedule) continue;
    const id = backupSchedulerId(name);
    wanted.add(id);
    await queues.upsertScheduler(
      'backup',
      id,
      { pattern: database.schedule.cron, tz: database.schedule.tz },
      {
        correlationId: `schedule-${name}`,
        requestedBy: { userId: SCHEDULE_REQUESTER },
        requestedAt: now.toISOString(),
        database: name,
        reason: 'scheduled backup',
        scheduled: true,
      },
    );
  }
  for (const { id } of await queues.schedulers('backup'))
    if (id.startsWith(PREFIX) && !wanted.has(id)) await queues.removeScheduler('backup', id);
  const reported = databases.some(([, database]) => database.schedule !== undefined || database.rpo !== undefined);
  if (reported) {
    const tz = digestTimeZone(databases.map(([, database]) => database.schedule));
    await queues.upsertScheduler(
      'backup-digest',
      DIGEST_SCHEDULER,
      { pattern: DIGEST_CRON, tz },
      {
        correlationId: 'backup-digest-schedule',
      },
    );
  } else await queues.removeScheduler('backup-digest', DIGEST_SCHEDULER);
  if (databases.some(([, database]) => database.rpo !== undefined))
    await queues.upsertScheduler('backup-rpo', RPO_SCHEDULER, { every: RPO_CHECK_MS }, { correlationId: 'rpo-check' });
  else await queues.removeScheduler('backup-rpo', RPO_SCHEDULER);
  return [...wanted];
}

// When each database's scheduled backup runs next (databases without a schedule are absent).
export async function nextBackups(queues: JobQueues): Promise<Map<string, Date>> {
  const next = new Map<string, Date>();
  for (const { id, next: at } of await queues.schedulers('backup'))
    if (id.startsWith(PREFIX) && at) next.set(id.slice(PREFIX.length), at);
  return next;
}

export async function syncOrWarn(queues: JobQueues, catalog: Catalog, now: Date, logger: Logger): Promise<void> {
  try {
    const ids = await syncBackupSchedules(queues, catalog, now);
    logger.info({ schedulers: ids }, 'backup schedules set from the catalog');
  } catch (error) {
    logger.warn({ err: error }, 'could not set the backup schedules');
  }
}
