import { type BackupRecord } from '../../core/backup.ts';
import { RdsError } from '../../adapters/rds.ts';
import { scratchName } from '../../core/backup-id.ts';
import { UserError } from '../../core/user-error.ts';
import type { ProcessorDeps } from '../processor.ts';
import { explainRds } from './rds-errors.ts';
import { rdsKind, type RdsDatabase } from './rds-kind.ts';
import { runSqlCheck } from './sql-check.ts';

const RDS_VERIFY_TIMEOUT_MS = 6 * 3_600_000;

// An RDS backup (only where the catalog allows, it costs money): restore into a temporary
// resource, wait until available, delete it without a final snapshot.
export async function verifyRds(
  deps: ProcessorDeps,
  record: BackupRecord,
  database: RdsDatabase,
  jobId: string,
  step: (text: string) => void,
): Promise<void> {
  const kind = rdsKind(database.engine);
  if (!database.verify.allowed)
    throw new UserError(
      `Verifying ${record.database} is not allowed by the catalog: it restores a temporary ${kind}, which costs money.`,
      { hint: 'Set verify.allowed: true on this database in the catalog to allow it.', code: 'verify_not_allowed' },
    );
  const scratch = scratchName(record.id, jobId);
  step(`Restoring into the temporary ${kind} ${scratch} (${database.verify.instanceClass})…`);
  await restoreScratch(deps, record, database, jobId, scratch);
  try {
    await untilAvailable(deps, record, database, scratch, step);
  } finally {
    step(`Deleting ${scratch} (no final snapshot)…`);
    await deps.rds
      .deleteScratch(database.region, database.engine, scratch)
      .catch((error: unknown) =>
        deps.logger.error({ err: error, scratch }, 'could not delete the temporary verify resource'),
      );
  }
}

async function restoreScratch(
  deps: ProcessorDeps,
  record: BackupRecord,
  database: RdsDatabase,
  jobId: string,
  scratch: string,
): Promise<void> {
  await deps.rds
    .restore(database.region, database.engine, record.id, scratch, {
      instanceClass: database.verify.instanceClass,
      tags: { 'created-by': 'ops-bot', purpose: 'verify', 'verify-of': record.id, 'verify-job': jobId },
    })
    .catch(async (error: unknown) => {
      // A retry of this job (its worker died) finds the copy it made; anything else of that name is not ours.
      if (
        error instanceof RdsError &&
        /AlreadyExists/.test(error.code) &&
        (await deps.rds.resource(database.region, database.engine, scratch))?.tags['verify-job'] === jobId
      )
        return;
      throw explainRds(error, scratch, database.region);
    });
}

async function untilAvailable(
  deps: ProcessorDeps,
  record: BackupRecord,
  database: RdsDatabase,
  scratch: string,
  step: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + RDS_VERIFY_TIMEOUT_MS;
  for (;;) {
    const resource = await deps.rds.resource(database.region, database.engine, scratch);
    if (resource?.status === 'available') return runCheck(record, database, scratch, resource.endpoint, step);
    if (resource && ['failed', 'incompatible-restore'].includes(resource.status))
      throw new UserError(`The temporary ${scratch} ended ${resource.status}: the backup does not restore.`, {
        code: 'restore_failed',
      });
    if (Date.now() > deadline)
      throw new UserError(`The temporary ${scratch} was not available in time.`, { code: 'restore_timeout' });
    await new Promise((resolve) => setTimeout(resolve, deps.rdsPollMs ?? 30_000));
  }
}

// The catalog's SQL check, on an instance only (a restored cluster has no instance to connect to).
async function runCheck(
  record: BackupRecord,
  database: RdsDatabase,
  scratch: string,
  endpoint: string | undefined,
  step: (text: string) => void,
): Promise<void> {
  if (database.engine !== 'rds-instance' || !database.verify.check) return;
  if (!endpoint)
    throw new UserError(`The temporary ${scratch} is available but RDS gave no endpoint to run the check on.`, {
      code: 'no_endpoint',
    });
  step(`Running the check on ${scratch}…`);
  const answer = await runSqlCheck(database.verify.check, endpoint, record.database);
  step(`The check \`${database.verify.check.sql}\` answered ${answer}.`);
}
