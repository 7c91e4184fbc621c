import { type BackupRecord } from '../../core/backup.ts';
import {
  checkRestoreClient,
  countRows,
  createDatabase,
  dropDatabase,
  restoreInto,
  sha256File,
} from '../../adapters/pg-dump.ts';
import type { VerifyViewState } from '../../bot/views/backup.ts';
import type { CatalogDatabase } from '../../core/catalog.ts';
import { scratchName } from '../../core/backup-id.ts';
import { UserError } from '../../core/user-error.ts';
import { connectionString } from './take.ts';

type Manifest = NonNullable<BackupRecord['manifest']>;

// A pg_dump backup: checksum against the manifest, pg_restore into a scratch database, per-table
// row counts against the manifest; the scratch database is dropped whatever happens.
export async function verifyDump(
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
  await checkChecksum(record.location, manifest);
  const url = connectionString(database, name);
  const scratch = scratchName(record.id, jobId).replace(/-/g, '_');
  await checkRestoreClient(record.location);
  step(`Restoring into the scratch database ${scratch}…`);
  await dropDatabase(url, scratch);
  await createDatabase(url, scratch);
  try {
    await restoreInto(url, scratch, record.location);
    step('Counting rows…');
    await checkRowCounts(url, scratch, manifest, state);
  } finally {
    await dropDatabase(url, scratch);
  }
}

async function checkChecksum(location: string, manifest: Manifest): Promise<void> {
  const actual = await sha256File(location).catch((error: unknown) => {
    throw new UserError(`The dump file ${location} cannot be read: ${(error as Error).message}`, {
      code: 'dump_missing',
    });
  });
  if (actual === manifest.sha256) return;
  const differ = `the dump's sha256 is ${actual.slice(0, 16)}…, the manifest says ${manifest.sha256.slice(0, 16)}…`;
  throw new UserError(`Checksum mismatch: ${differ}. The file is corrupt or was changed; it must not be trusted.`, {
    code: 'checksum_mismatch',
  });
}

async function checkRowCounts(url: string, scratch: string, manifest: Manifest, state: VerifyViewState) {
  const counts = await countRows(url, scratch);
  state.checks = manifest.tables.map((table) => ({
    table: `${table.schema}.${table.name}`,
    expected: table.rows,
    actual: counts.find((count) => count.schema === table.schema && count.name === table.name)?.rows,
  }));
  const wrong = state.checks.filter((check) => check.actual !== check.expected);
  if (wrong.length === 0) return;
  const differences = wrong.map((check) => `${check.table} (${check.actual ?? 'missing'} ≠ ${check.expected})`);
  throw new UserError(`Row counts differ in ${differences.join(', ')}.`, { code: 'rows_differ' });
}
