import { scheduledBackupView, scheduledVerifyView } from '../../bot/views/backup-reports.ts';
import { SCHEDULE_REQUESTER, verifyDue } from '../../core/backup-schedule.ts';
import { jobIdFor } from '../../core/ids.ts';
import type { JobData } from '../job-data.ts';
import type { ProcessorDeps } from '../processor.ts';
import { announceBreaches, postReport } from './rpo.ts';
import { databaseOf, type BackupResult } from './take.ts';

// A backup from a database's schedule: the same job as `/backup <db>`, then its report (failures, or
// all with `report: always`), a restore drill when the last one that passed is older than verifyEvery,
// and the RPO check (a failed backup can be what breaches it).
export async function scheduledBackup(
  deps: ProcessorDeps,
  data: JobData<'backup'>,
  jobId: string,
  take: () => Promise<BackupResult>,
): Promise<BackupResult> {
  const database = databaseOf(deps, data.database);
  try {
    const result = await take();
    if (database.report === 'always')
      await reported(deps, () =>
        postReport(
          deps,
          scheduledBackupView({
            database: data.database,
            outcome: 'succeeded',
            backupId: result.id,
            sizeBytes: result.sizeBytes,
            durationMs: result.durationMs,
          }),
        ),
      );
    await reported(deps, () => drillIfDue(deps, data.database, result.id));
    return result;
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    const [newest] = await deps.backups.list(data.database, 1).catch(() => []);
    const backupId = newest?.jobId === jobId ? newest.id : undefined;
    await reported(deps, () =>
      postReport(deps, scheduledBackupView({ database: data.database, outcome: 'failed', backupId, failure })),
    );
    throw error;
  } finally {
    await reported(deps, () => announceBreaches(deps, data.database));
  }
}

async function drillIfDue(deps: ProcessorDeps, name: string, backupId: string): Promise<void> {
  const database = databaseOf(deps, name);
  if (database.verifyEvery === undefined) return;
  const last = (await deps.backups.lastPassedVerifies()).get(name);
  if (!verifyDue(database.verifyEvery, last?.at, deps.now())) return;
  await deps.queues.enqueue('verify', jobIdFor('verify', `schedule:${backupId}`), {
    correlationId: `schedule-${name}`,
    requestedBy: { userId: SCHEDULE_REQUESTER },
    requestedAt: deps.now().toISOString(),
    backupId,
    scheduled: true,
  });
}

// A scheduled restore drill's result: failures always, passes with `report: always`.
export async function reportDrill(deps: ProcessorDeps, name: string, backupId: string, failure?: string) {
  const database = deps.catalog.databases[name];
  if (failure === undefined && database?.report !== 'always') return;
  await reported(deps, () => postReport(deps, scheduledVerifyView(name, backupId, failure)));
}

// A report that cannot be posted is logged; it never changes the job's own outcome.
async function reported(deps: ProcessorDeps, post: () => Promise<unknown>): Promise<void> {
  await post().catch((error: unknown) => deps.logger.error({ err: error }, 'could not post a backup report'));
}
