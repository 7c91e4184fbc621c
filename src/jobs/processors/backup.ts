import { jobAudit, resultIfStopped, type JobAudit } from '../job-audit.ts';
import { backupView, type BackupViewState } from '../../bot/views/backup.ts';
import { UserError } from '../../core/user-error.ts';
import type { Lease } from '../../adapters/locks.ts';
import { scheduledBackup } from '../backup/scheduled.ts';
import { databaseOf, takeBackup, type BackupAsk, type BackupResult } from '../backup/take.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps, ProcessorInput } from '../processor.ts';
import { openProgress, recordProgressMessage } from '../progress-reporter.ts';

export function backupLockKey(database: string): string {
  return `backup:${database}`;
}

// /backup <database> and a database's schedule (backup/scheduled.ts adds its reports): one backup per
// database at a time.
export const backupProcessor: Processor<'backup'> = async (input) => {
  const { data, deps, job } = input;
  if (!data.scheduled) return takeOne(input);
  return scheduledBackup(deps, data, job.id ?? 'backup-unknown', () => takeOne(input));
};

// One backup, one message updated in place (none for a scheduled one, which has no channel).
const takeOne = async ({ data, deps, job }: ProcessorInput<'backup'>): Promise<BackupResult> => {
  const jobId = job.id ?? 'backup-unknown';
  const database = databaseOf(deps, data.database);
  const audit = backupAudit(deps, data, jobId);
  await audit('start', 'started', data.reason);
  const lease = await resultIfStopped(audit, () => lockDatabase(deps, data, jobId));
  const state: BackupViewState = {
    database: data.database,
    engine: database.engine,
    source: database.engine === 'postgres' ? database.dir : database.identifier,
    jobId,
    requester: data.requestedBy.userId,
    reason: data.reason,
    phase: 'running',
    id: undefined,
    verifiable: database.verify.allowed,
  };
  const reporter = await openProgress(deps, data.channelId, () => backupView(state));
  await recordProgressMessage(job, data, reporter?.ref, deps.logger);
  try {
    const result = await takeBackup(deps, backupAsk(data, jobId), (progress) => {
      Object.assign(state, progress);
      reporter?.changed();
    });
    Object.assign(state, { phase: 'available', sizeBytes: result.sizeBytes, durationMs: result.durationMs });
    await audit('result', 'succeeded', undefined, {
      backupId: result.id,
      sizeBytes: result.sizeBytes,
      durationMs: result.durationMs,
    });
    return result;
  } catch (error) {
    Object.assign(state, { phase: 'failed', failure: error instanceof Error ? error.message : String(error) });
    await audit('result', 'failed', state.failure, { backupId: state.id });
    throw error;
  } finally {
    await reporter?.finish().catch(() => undefined);
    await lease.release();
  }
};

function backupAudit(deps: ProcessorDeps, data: JobData<'backup'>, jobId: string): JobAudit {
  return jobAudit(deps.audit, data, jobId, { kind: 'backup', target: data.database });
}

async function lockDatabase(deps: ProcessorDeps, data: JobData<'backup'>, jobId: string): Promise<Lease> {
  const lock = await deps.locks.acquire(backupLockKey(data.database), {
    jobId,
    userId: data.requestedBy.userId,
    what: `backup of ${data.database}`,
  });
  if (!('busy' in lock)) return lock.lease;
  const holder = `job \`${lock.busy.jobId}\` by <@${lock.busy.userId}>`;
  throw new UserError(`A backup of ${data.database} is already running (${holder}).`, { code: 'locked' });
}

function backupAsk(data: JobData<'backup'>, jobId: string): BackupAsk {
  return {
    database: data.database,
    requester: data.requestedBy.userId,
    reason: data.reason,
    jobId,
    correlationId: data.correlationId,
  };
}
