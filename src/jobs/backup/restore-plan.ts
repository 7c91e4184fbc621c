import type { z } from 'zod';
import { databaseExists } from '../../adapters/pg-dump.ts';
import type { CatalogDatabase } from '../../core/catalog.ts';
import type { RestorePlan } from '../../core/plan.ts';
import { UserError } from '../../core/user-error.ts';
import type { restoreChange } from '../job-data.ts';
import type { ProcessorDeps } from '../processor.ts';
import { explainRds } from './rds-errors.ts';
import { rdsKind } from './rds-kind.ts';
import { connectionString, databaseOf } from './take.ts';

export type RestoreChange = z.output<typeof restoreChange>;
export type RestoreDeps = Pick<ProcessorDeps, 'catalog' | 'backups' | 'rds'>;

// A restore goes into a NEW instance, cluster or database only: an existing name is refused, never
// overwritten. The backup must be one ops-bot recorded, and available.
export async function planRestore(deps: RestoreDeps, change: RestoreChange): Promise<RestorePlan> {
  const record = await deps.backups.get(change.backupId);
  if (!record)
    throw new UserError(`ops-bot has no backup \`${change.backupId}\`.`, {
      hint: '`/backup list <database>` shows the backups ops-bot took.',
      code: 'unknown_backup',
    });
  if (record.status !== 'available')
    throw new UserError(`Backup \`${change.backupId}\` is ${record.status}, not available, so it cannot be restored.`, {
      code: 'backup_not_available',
    });
  const database = databaseOf(deps as ProcessorDeps, record.database);
  await ensureNewTarget(deps, database, record.database, change.target);
  return {
    kind: 'restore',
    database: record.database,
    env: database.environment,
    engine: database.engine,
    backupId: record.id,
    target: change.target,
    ...(change.reason ? { reason: change.reason } : {}),
    ...(change.breakGlass ? { breakGlass: change.breakGlass } : {}),
  };
}

async function ensureNewTarget(
  deps: RestoreDeps,
  database: CatalogDatabase,
  name: string,
  target: string,
): Promise<void> {
  if (database.engine === 'postgres') {
    if (await databaseExists(connectionString(database, name), target))
      throw new UserError(
        `A database \`${target}\` already exists on ${name}'s server; restores go into a new database only.`,
        { hint: 'Pick a name that does not exist.', code: 'target_exists' },
      );
    return;
  }
  const kind = rdsKind(database.engine);
  if (target.length > 63)
    throw new UserError(`\`${target}\` is longer than the 63 characters RDS allows for a new ${kind}.`, {
      code: 'target_too_long',
    });
  const existing = await deps.rds.resource(database.region, database.engine, target).catch((error: unknown) => {
    throw explainRds(error, target, database.region);
  });
  if (existing)
    throw new UserError(
      `An RDS ${kind} \`${target}\` already exists (${existing.status}); restores go into a new one only.`,
      { hint: 'Pick a name that does not exist.', code: 'target_exists' },
    );
}
