import type { BackupRecord } from '../core/backup.ts';
import type { CatalogDatabase } from '../core/catalog.ts';
import { UserError } from '../core/user-error.ts';
import type { HandlerDeps } from './deps.ts';

export function catalogDatabase(deps: HandlerDeps, name: string): CatalogDatabase {
  const database = deps.catalog.databases[name];
  if (database) return database;
  const known = Object.keys(deps.catalog.databases).join(', ') || 'none';
  throw new UserError(`There is no database \`${name}\` in the catalog.`, {
    hint: `Databases: ${known}. ops-bot only touches what the catalog names.`,
    code: 'unknown_database',
  });
}

// A backup ops-bot took, by the id people copy from `/backup list`.
export async function knownBackup(deps: HandlerDeps, backupId: string): Promise<BackupRecord> {
  const record = await deps.backups.get(backupId);
  if (record) return record;
  throw new UserError(`ops-bot has no backup \`${backupId}\`.`, {
    hint: '`/backup list <database>` shows the backups ops-bot took.',
    code: 'unknown_backup',
  });
}
