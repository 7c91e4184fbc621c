import { type BackupRecord } from '../../core/backup.ts';
import { countRows, createDatabase, dropDatabase, restoreInto, sha256File } from '../../adapters/pg-dump.ts';
import { RdsError } from '../../adapters/rds.ts';
import { verifyView, type VerifyViewState } from '../../bot/views/backup.ts';
import type { CatalogDatabase } from '../../core/catalog.ts';
import { scratchName } from '../../core/backup-id.ts';
import { UserError } from '../../core/user-error.ts';
import { explainRds } from '../backup/rds-errors.ts';
import { runSqlCheck } from '../backup/sql-check.ts';
import { connectionString, databaseOf } from '../backup/take.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { ProgressReporter } from '../progress-reporter.ts';

const RDS_VERIFY_TIMEOUT_MS = 6 * 3_600_000;

// /backup verify <id>: proves a backup restores. pg_dump: checksum against the manifest, pg_restore
// into a scratch database, per-table row counts against the manifest, scratch dropped whatever
// happens. RDS (only where the catalog allows, it costs money): restore into a temporary resource,
// wait until available, delete it without a final snapshot.
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
  const reporter = data.channelId
    ? await ProgressReporter.open(deps.slack, data.channelId, () => verifyView(state), {
        logger: deps.logger,
        minIntervalMs: deps.progressIntervalMs,
      })
    : undefined;
  const step = (text: string) => {
    state.step = text;
    reporter?.changed();
  };
  const audit = (decision: string, reason?: string) =>
    deps.audit.record({
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
  try {
    if (database.engine === 'postgres') await verifyDump(record, database, record.database, jobId, state, step);
    else await verifyRds(deps, record, database, jobId, step);
    Object.assign(state, { phase: 'passed', durationMs: Date.now() - started });
    const checked =
      database.engine === 'rds-instance' && database.verify.check
        ? `; the check \`${database.verify.check.sql}\` passed`
        : '';
    step(
      database.engine === 'postgres'
        ? `Checksum matches; restored into a scratch database with identical row counts in ${state.checks.length} table${state.checks.length === 1 ? '' : 's'}.`
        : `Restored into a temporary ${database.engine === 'rds-cluster' ? 'cluster' : 'instance'} that became available${checked}; it has been deleted.`,
    );
    await audit('passed');
    return { passed: true, checks: state.checks };
  } catch (error) {
    Object.assign(state, {
      phase: 'failed',
      failure: error instanceof Error ? error.message : String(error),
      durationMs: Date.now() - started,
    });
    await audit('failed', state.failure);
    throw error;
  } finally {
    await reporter?.finish().catch(() => undefined);
  }
};

async function verifyDump(
  record: BackupRecord,
  database: Extract<CatalogDatabase, { engine: 'postgres' }>,
  name: string,
  jobId: string,
  state: VerifyViewState,
  step: (text: string) => void,
): Promise<void> {
  const manifest = record.manifest;
  if (!manifest || !record.location)
    throw new UserError(`Backup \`${record.id}\` has no manifest, so it cannot be verified.`, { code: 'no_manifest' });
  step('Checking the checksum…');
  const actual = await sha256File(record.location).catch((error: unknown) => {
    throw new UserError(`The dump file ${record.location} cannot be read: ${(error as Error).message}`, {
      code: 'dump_missing',
    });
  });
  if (actual !== manifest.sha256)
    throw new UserError(
      `Checksum mismatch: the dump's sha256 is ${actual.slice(0, 16)}…, the manifest says ${manifest.sha256.slice(0, 16)}…. The file is corrupt or was changed; it must not be trusted.`,
      { code: 'checksum_mismatch' },
    );
  const url = connectionString(database, name);
  const scratch = scratchName(record.id, jobId).replace(/-/g, '_');
  step(`Restoring into the scratch database ${scratch}…`);
  await dropDatabase(url, scratch);
  await createDatabase(url, scratch);
  try {
    await restoreInto(url, scratch, record.location);
    step('Counting rows…');
    const counts = await countRows(url, scratch);
    state.checks = manifest.tables.map((table) => ({
      table: `${table.schema}.${table.name}`,
      expected: table.rows,
      actual: counts.find((count) => count.schema === table.schema && count.name === table.name)?.rows,
    }));
    const wrong = state.checks.filter((check) => check.actual !== check.expected);
    if (wrong.length > 0)
      throw new UserError(
        `Row counts differ in ${wrong.map((check) => `${check.table} (${check.actual ?? 'missing'} ≠ ${check.expected})`).join(', ')}.`,
        { code: 'rows_differ' },
      );
  } finally {
    await dropDatabase(url, scratch);
  }
}

async function verifyRds(
  deps: ProcessorDeps,
  record: BackupRecord,
  database: Extract<CatalogDatabase, { engine: 'rds-instance' | 'rds-cluster' }>,
  jobId: string,
  step: (text: string) => void,
): Promise<void> {
  if (!database.verify.allowed)
    throw new UserError(
      `Verifying ${record.database} is not allowed by the catalog: it restores a temporary ${database.engine === 'rds-cluster' ? 'cluster' : 'instance'}, which costs money.`,
      { hint: 'Set verify.allowed: true on this database in the catalog to allow it.', code: 'verify_not_allowed' },
    );
  const scratch = scratchName(record.id, jobId);
  step(
    `Restoring into the temporary ${database.engine === 'rds-cluster' ? 'cluster' : 'instance'} ${scratch} (${database.verify.instanceClass})…`,
  );
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
  try {
    const deadline = Date.now() + RDS_VERIFY_TIMEOUT_MS;
    for (;;) {
      const resource = await deps.rds.resource(database.region, database.engine, scratch);
      if (resource?.status === 'available') {
        if (database.engine === 'rds-instance' && database.verify.check) {
          if (!resource.endpoint)
            throw new UserError(`The temporary ${scratch} is available but RDS gave no endpoint to run the check on.`, {
              code: 'no_endpoint',
            });
          step(`Running the check on ${scratch}…`);
          const answer = await runSqlCheck(database.verify.check, resource.endpoint, record.database);
          step(`The check \`${database.verify.check.sql}\` answered ${answer}.`);
        }
        break;
      }
      if (resource && ['failed', 'incompatible-restore'].includes(resource.status))
        throw new UserError(`The temporary ${scratch} ended ${resource.status}: the backup does not restore.`, {
          code: 'restore_failed',
        });
      if (Date.now() > deadline)
        throw new UserError(`The temporary ${scratch} was not available in time.`, { code: 'restore_timeout' });
      await new Promise((resolve) => setTimeout(resolve, deps.rdsPollMs ?? 30_000));
    }
  } finally {
    step(`Deleting ${scratch} (no final snapshot)…`);
    await deps.rds
      .deleteScratch(database.region, database.engine, scratch)
      .catch((error: unknown) =>
        deps.logger.error({ err: error, scratch }, 'could not delete the temporary verify resource'),
      );
  }
}
