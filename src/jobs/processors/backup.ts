import { backupView, type BackupViewState } from '../../bot/views/backup.ts';
import { UserError } from '../../core/user-error.ts';
import { databaseOf, takeBackup } from '../backup/take.ts';
import type { Processor } from '../processor.ts';
import { ProgressReporter } from '../progress-reporter.ts';

export function backupLockKey(database: string): string {
  return `backup:${database}`;
}

// /backup <database>: one backup per database at a time, one message updated in place.
export const backupProcessor: Processor<'backup'> = async ({ data, deps, job }) => {
  const jobId = job.id ?? 'backup-unknown';
  const database = databaseOf(deps, data.database);
  const source = database.engine === 'postgres' ? database.dir : database.identifier;
  const audit = (event: string, decision: string, reason?: string, details: Record<string, unknown> = {}) =>
    deps.audit.record({
      event,
      decision,
      actor: data.requestedBy.userId,
      correlationId: data.correlationId,
      channel: data.channelId,
      action: `backup.${event}`,
      target: data.database,
      jobId,
      reason,
      details,
    });
  await audit('start', 'started', data.reason);
  const lock = await deps.locks.acquire(backupLockKey(data.database), {
    jobId,
    userId: data.requestedBy.userId,
    what: `backup of ${data.database}`,
  });
  if ('busy' in lock)
    throw new UserError(
      `A backup of ${data.database} is already running (job \`${lock.busy.jobId}\` by <@${lock.busy.userId}>).`,
      { code: 'locked' },
    );
  const state: BackupViewState = {
    database: data.database,
    engine: database.engine,
    source,
    jobId,
    requester: data.requestedBy.userId,
    reason: data.reason,
    phase: 'running',
    id: undefined,
  };
  const reporter = data.channelId
    ? await ProgressReporter.open(deps.slack, data.channelId, () => backupView(state), {
        logger: deps.logger,
        minIntervalMs: deps.progressIntervalMs,
      })
    : undefined;
  try {
    const result = await takeBackup(
      deps,
      {
        database: data.database,
        requester: data.requestedBy.userId,
        reason: data.reason,
        jobId,
        correlationId: data.correlationId,
      },
      (progress) => {
        Object.assign(state, progress);
        reporter?.changed();
      },
    );
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
    await lock.lease.release();
  }
};
