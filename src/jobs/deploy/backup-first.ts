import { backupBeforeIn } from '../../core/catalog.ts';
import type { DeployPlan } from '../../core/plan.ts';
import { backupLockKey } from '../processors/backup.ts';
import { takeBackup, type BackupAsk, type BackupProgress, type BackupResult } from '../backup/take.ts';
import type { DeployOutcome } from './rolling.ts';
import type { DeployRun } from './run.ts';

// A service with `backupBefore: <database>` backs that database up as the first step of a deploy to
// the database's environment. The deploy goes on only once the backup is available; a failed backup
// stops it with nothing deployed. A resumed deploy past its first step does not back up again.
export async function backupFirst(run: DeployRun<DeployPlan>): Promise<DeployOutcome | undefined> {
  const name = backupBeforeIn(run.deps.catalog, run.plan.service, run.plan.env);
  if (!name || (run.resumedAt && run.resumedAt !== 'started')) return undefined;
  const { deps, data, jobId } = run;
  run.set({ phase: 'starting', note: `:floppy_disk: Backing up ${name} first…` });
  const lock = await deps.locks.acquire(backupLockKey(name), {
    jobId,
    userId: data.requestedBy.userId,
    what: `backup of ${name} before ${run.plan.service} ${run.plan.to.version}`,
  });
  if ('busy' in lock) {
    run.set({
      phase: 'failed',
      failure: `a backup of ${name} is already running (job ${lock.busy.jobId}); nothing was deployed`,
      note: undefined,
    });
    return { decision: 'failed', detail: `backup of ${name} busy; nothing was deployed` };
  }
  try {
    const backup = await takeBackup(deps, backupAsk(run, name), (progress) => {
      run.set({ note: `:floppy_disk: Backing up ${name} first: ${progressOf(progress)}` });
    });
    await auditBackedUp(run, name, backup);
    run.set({ note: `:floppy_disk: Backed up ${name} first: \`${backup.id}\`` });
    return undefined;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await auditBackupFailed(run, name, why);
    run.set({
      phase: 'failed',
      failure: `the backup of ${name} failed, so nothing was deployed: ${why}`,
      note: undefined,
    });
    return { decision: 'failed', detail: `backup of ${name} failed; nothing was deployed` };
  } finally {
    await lock.lease.release();
  }
}

function reasonOf(run: DeployRun<DeployPlan>): string {
  return `before deploying ${run.plan.service} ${run.plan.to.version}`;
}

function backupAsk(run: DeployRun<DeployPlan>, name: string): BackupAsk {
  const { data, jobId } = run;
  return {
    database: name,
    requester: data.requestedBy.userId,
    reason: reasonOf(run),
    jobId,
    correlationId: data.correlationId,
  };
}

function progressOf(progress: BackupProgress): string {
  if (progress.percent !== undefined) return `${progress.percent}%`;
  if (progress.bytes !== undefined) return `${Math.round(progress.bytes / 1_048_576)} MB written`;
  return 'starting';
}

async function auditBackedUp(run: DeployRun<DeployPlan>, name: string, backup: BackupResult): Promise<void> {
  const { deps, data, jobId } = run;
  await deps.audit.record({
    event: 'result',
    decision: 'succeeded',
    actor: data.requestedBy.userId,
    correlationId: data.correlationId,
    action: 'backup.result',
    target: name,
    jobId,
    reason: reasonOf(run),
    details: { backupId: backup.id, sizeBytes: backup.sizeBytes },
  });
}

async function auditBackupFailed(run: DeployRun<DeployPlan>, name: string, why: string): Promise<void> {
  const { deps, data, jobId } = run;
  await deps.audit
    .record({
      event: 'result',
      decision: 'failed',
      actor: data.requestedBy.userId,
      correlationId: data.correlationId,
      action: 'backup.result',
      target: name,
      jobId,
      reason: why,
    })
    .catch(() => undefined);
}
