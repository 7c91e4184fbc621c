import { type BackupRecord } from '../../core/backup.ts';
import { verifyView, type VerifyViewState } from '../../bot/views/backup.ts';
import type { CatalogDatabase } from '../../core/catalog.ts';
import { UserError } from '../../core/user-error.ts';
import { rdsKind } from '../backup/rds-kind.ts';
import { reportDrill } from '../backup/scheduled.ts';
import { databaseOf } from '../backup/take.ts';
import { verifyDump } from '../backup/verify-dump.ts';
import { verifyRds } from '../backup/verify-rds.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { openProgress } from '../progress-reporter.ts';

// /backup verify <id>: proves a backup restores, pg_dump (backup/verify-dump.ts) or RDS
// (backup/verify-rds.ts), with a progress message and an audit row for the result.
export const verifyProcessor: Processor<'verify'> = async ({ data, deps, job }) => {
  const jobId = job.id ?? 'verify-unknown';
  const record = await deps.backups.get(data.backupId);
  if (!record || record.status !== 'available')
    throw new UserError(`Backup \`${data.backupId}\` is not an available ops-bot backup.`, { code: 'unknown_backup' });
  const database = databaseOf(deps, record.database);
  const started = Date.now();
  const state: VerifyViewState = {
    backupId: record.id,
    database: record.database,
    engine: database.engine,
    jobId,
    requester: data.requestedBy.userId,
    phase: 'running',
    step: 'starting',
    checks: [],
  };
  const reporter = await openProgress(deps, data.channelId, () => verifyView(state));
  const step = (text: string) => {
    state.step = text;
    reporter?.changed();
  };
  const verification = { deps, data, record, jobId, state };
  try {
    if (database.engine === 'postgres') await verifyDump(record, database, record.database, jobId, state, step);
    else await verifyRds(deps, record, database, jobId, step);
    Object.assign(state, { phase: 'passed', durationMs: Date.now() - started });
    step(verifiedText(database, state.checks.length));
    await auditResult(verification, 'passed');
    return { passed: true, checks: state.checks };
  } catch (error) {
    Object.assign(state, {
      phase: 'failed',
      failure: error instanceof Error ? error.message : String(error),
      durationMs: Date.now() - started,
    });
    await auditResult(verification, 'failed', state.failure);
    throw error;
  } finally {
    await reporter?.finish().catch(() => undefined);
  }
};

function verifiedText(database: CatalogDatabase, tables: number): string {
  if (database.engine === 'postgres') {
    const counted = `${tables} table${tables === 1 ? '' : 's'}`;
    return `Checksum matches; restored into a scratch database with identical row counts in ${counted}.`;
  }
  const checked =
    database.engine === 'rds-instance' && database.verify.check
      ? `; the check \`${database.verify.check.sql}\` passed`
      : '';
  return `Restored into a temporary ${rdsKind(database.engine)} that became available${checked}; it has been deleted.`;
}

type Verification = {
  deps: ProcessorDeps;
  data: JobData<'verify'>;
  record: BackupRecord;
  jobId: string;
  state: VerifyViewState;
};

async function auditResult(verification: Verification, decision: string, reason?: string): Promise<void> {
  const { deps, data, record, jobId, state } = verification;
  const passed = decision === 'passed';
  await deps.backups.recordVerify({
    backupId: record.id,
    database: record.database,
    passed,
    jobId,
    requestedBy: data.requestedBy.userId,
    error: reason,
  });
  if (data.scheduled) await reportDrill(deps, record.database, record.id, passed ? undefined : reason);
  await deps.audit.record({
    event: 'result',
    decision,
    actor: data.requestedBy.userId,
    correlationId: data.correlationId,
    channel: data.channelId,
    action: 'backup.verify',
    target: record.database,
    jobId,
    reason,
    details: { backupId: record.id, checks: state.checks },
  });
}
