import { jobAudit, resultIfStopped, type JobAudit } from '../job-audit.ts';
import type { Lease } from '../../adapters/locks.ts';
import { checkRestoreClient, createDatabase, restoreInto } from '../../adapters/pg-dump.ts';
import { restoreView, type RestoreViewState } from '../../bot/views/backup.ts';
import { planTarget } from '../../core/plan.ts';
import { UserError } from '../../core/user-error.ts';
import { restoreLockKey } from '../../core/targets.ts';
import { ensureAllowed } from '../change-allowed.ts';
import { planRestore } from '../backup/restore-plan.ts';
import { explainRds } from '../backup/rds-errors.ts';
import type { RdsDatabase } from '../backup/rds-kind.ts';
import { connectionString, databaseOf } from '../backup/take.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { openProgress, recordProgressMessage } from '../progress-reporter.ts';

const RESTORE_TIMEOUT_MS = 6 * 3_600_000;
// RDS states from which a restore never becomes available.
const RESTORE_FAILED = ['failed', 'incompatible-restore', 'incompatible-parameters', 'storage-full'];

// /restore, once planned and allowed: into the new target only (re-checked now: someone may have
// created it since the plan), followed until available, and the final message gives the endpoint.
export const restoreProcessor: Processor<'restore'> = async ({ data, deps, job }) => {
  const { plan } = data;
  const jobId = job.id ?? 'restore-unknown';
  await ensureAllowed(deps, data, false);
  const audit = restoreAudit(deps, data, jobId);
  await audit('start', 'started');
  const lease = await resultIfStopped(audit, async () => {
    if (data.approvalId) await deps.approvals.markStarted(data.approvalId);
    return lockTarget(deps, data, jobId);
  });
  const started = Date.now();
  const state: RestoreViewState = {
    backupId: plan.backupId,
    database: plan.database,
    target: plan.target,
    engine: plan.engine,
    jobId,
    requester: data.requestedBy.userId,
    phase: 'restoring',
  };
  const reporter = await openProgress(deps, data.channelId, () => restoreView(state));
  await recordProgressMessage(job, data, reporter?.ref, deps.logger);
  try {
    await planRestore(deps, {
      kind: 'restore',
      backupId: plan.backupId,
      target: plan.target,
      service: plan.database,
      env: plan.env,
      dryRun: false,
    });
    state.endpoint = await restoreNow(deps, data);
    Object.assign(state, { phase: 'available', durationMs: Date.now() - started });
    await audit('result', 'succeeded', undefined, { endpoint: state.endpoint });
    return { endpoint: state.endpoint };
  } catch (error) {
    Object.assign(state, {
      phase: 'failed',
      failure: error instanceof Error ? error.message : String(error),
      durationMs: Date.now() - started,
    });
    await audit('result', 'failed', state.failure);
    throw error;
  } finally {
    await reporter?.finish().catch(() => undefined);
    await lease.release();
  }
};

function restoreAudit(deps: ProcessorDeps, data: JobData<'restore'>, jobId: string): JobAudit {
  const { plan } = data;
  return jobAudit(deps.audit, data, jobId, {
    kind: 'restore',
    target: planTarget(plan),
    planHash: data.planHash,
    details: { backupId: plan.backupId, into: plan.target },
  });
}

async function lockTarget(deps: ProcessorDeps, data: JobData<'restore'>, jobId: string): Promise<Lease> {
  const { plan } = data;
  const lock = await deps.locks.acquire(restoreLockKey(plan.engine, plan.target), {
    jobId,
    userId: data.requestedBy.userId,
    what: `restore of ${plan.backupId} into ${plan.target}`,
  });
  if (!('busy' in lock)) return lock.lease;
  throw new UserError(`Something is already being restored into ${plan.target} (job \`${lock.busy.jobId}\`).`, {
    code: 'locked',
  });
}

async function restoreNow(deps: ProcessorDeps, data: JobData<'restore'>): Promise<string> {
  const { plan } = data;
  const database = databaseOf(deps, plan.database);
  const record = await deps.backups.get(plan.backupId);
  if (!record) throw new UserError(`ops-bot has no backup \`${plan.backupId}\`.`, { code: 'unknown_backup' });
  if (database.engine === 'postgres') {
    const url = connectionString(database, plan.database);
    await checkRestoreClient(record.location ?? '');
    await createDatabase(url, plan.target);
    await restoreInto(url, plan.target, record.location ?? '');
    const endpoint = new URL(url);
    return `${endpoint.hostname}:${endpoint.port || 5432}/${plan.target}`;
  }
  const tags = { 'created-by': 'ops-bot', 'restored-from': plan.backupId, 'requested-by': data.requestedBy.userId };
  await deps.rds
    .restore(database.region, database.engine, plan.backupId, plan.target, {
      tags,
      ...(database.subnetGroup ? { subnetGroup: database.subnetGroup } : {}),
    })
    .catch((error: unknown) => {
      throw explainRds(error, plan.target, database.region);
    });
  return untilAvailable(deps, database, plan.target);
}

async function untilAvailable(deps: ProcessorDeps, database: RdsDatabase, target: string): Promise<string> {
  const deadline = Date.now() + RESTORE_TIMEOUT_MS;
  for (;;) {
    const resource = await deps.rds.resource(database.region, database.engine, target);
    if (resource?.status === 'available' && resource.endpoint) return resource.endpoint;
    if (resource && RESTORE_FAILED.includes(resource.status))
      throw new UserError(`RDS reports ${target} as ${resource.status}.`, { code: 'restore_failed' });
    if (Date.now() > deadline)
      throw new UserError(`${target} was not available after ${RESTORE_TIMEOUT_MS / 3_600_000} hours.`, {
        code: 'restore_timeout',
      });
    await new Promise((resolve) => setTimeout(resolve, deps.rdsPollMs ?? 15_000));
  }
}
