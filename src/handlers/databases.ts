import type { BackupRecord } from '../core/backup.ts';
import type { CatalogDatabase } from '../core/catalog.ts';
import { unknownDatabase } from '../core/unknown-names.ts';
import { UserError } from '../core/user-error.ts';
import { AFTER_PREFLIGHT_MS, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { readRecordWithin } from './record-reads.ts';

export function catalogDatabase(deps: HandlerDeps, name: string): CatalogDatabase {
  const database = deps.catalog.databases[name];
  if (database) return database;
  throw unknownDatabase(name, Object.keys(deps.catalog.databases));
}

// A backup ops-bot took, by the id people copy from `/backup list`; read within the request's
// deadline, leaving the audit write and the enqueue their share.
export async function knownBackup(deps: HandlerDeps, backupId: string, deadline: AckDeadline): Promise<BackupRecord> {
  const ms = deadline.share(Number.POSITIVE_INFINITY, AFTER_PREFLIGHT_MS);
  const record = await readRecordWithin(deps.backups.get(backupId), ms, deps.logger);
  if (record) return record;
  throw new UserError(`ops-bot has no backup \`${backupId}\`.`, {
    hint: '`/backup list <database>` shows the backups ops-bot took.',
    code: 'unknown_backup',
  });
}
