import { type Manifest } from '../../core/backup.ts';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dumpDatabase } from '../../adapters/pg-dump.ts';
import type { CatalogDatabase } from '../../core/catalog.ts';
import { backupId } from '../../core/backup-id.ts';
import { UserError } from '../../core/user-error.ts';
import type { ProcessorDeps } from '../processor.ts';
import { explainRds } from './rds-errors.ts';

export type BackupProgress = { id: string; percent?: number | undefined; bytes?: number | undefined };
export type BackupResult = { id: string; sizeBytes: number | undefined; durationMs: number; location: string };
export type BackupAsk = {
  database: string;
  requester: string;
  reason?: string | undefined;
  jobId: string;
  correlationId: string;
};

const RDS_TIMEOUT_MS = 4 * 3_600_000;

export function databaseOf(deps: ProcessorDeps, name: string): CatalogDatabase {
  const database = deps.catalog.databases[name];
  if (database) return database;
  const known = Object.keys(deps.catalog.databases).join(', ') || 'none';
  throw new UserError(`There is no database \`${name}\` in the catalog (databases: ${known}).`, {
    code: 'unknown_database',
  });
}

// `env:NAME` reads the connection string from the environment (the catalog holds no secrets).
export function connectionString(database: Extract<CatalogDatabase, { engine: 'postgres' }>, name: string): string {
  return resolveUrl(database.url, `The connection string of \`${name}\``);
}

export function resolveUrl(spec: string, what: string): string {
  if (!spec.startsWith('env:')) return spec;
  const variable = spec.slice(4);
  const value = process.env[variable];
  if (!value)
    throw new UserError(`${what} comes from ${variable}, which is not set where ops-bot's worker runs.`, {
      code: 'database_url_missing',
    });
  return value;
}

// One backup, whatever the engine: an RDS instance or Aurora cluster snapshot (tagged, followed to
// "available"), or a pg_dump with its manifest. Recorded before it starts and when it ends.
export async function takeBackup(
  deps: ProcessorDeps,
  ask: BackupAsk,
  onProgress: (progress: BackupProgress) => void,
): Promise<BackupResult> {
  const database = databaseOf(deps, ask.database);
  const started = Date.now();
  const id = backupId(ask.database, deps.now(), ask.jobId, database.engine === 'rds-cluster' ? 63 : 255);
  const retainUntil = new Date(deps.now().getTime() + database.retention);
  const location = database.engine === 'postgres' ? join(database.dir, `${id}.dump`) : database.identifier;
  await deps.backups.start({
    id,
    database: ask.database,
    engine: database.engine,
    env: database.environment,
    requestedBy: ask.requester,
    reason: ask.reason,
    jobId: ask.jobId,
    location,
    retainUntil,
  });
  onProgress({ id });
  try {
    const sizeBytes =
      database.engine === 'postgres'
        ? await dump(deps, ask, database, id, location, retainUntil, onProgress)
        : await snapshot(deps, ask, database, id, retainUntil, onProgress);
    return { id, sizeBytes, durationMs: Date.now() - started, location };
  } catch (error) {
    const explained =
      database.engine === 'postgres'
        ? error
        : explainRds(
            error,
            `${database.engine === 'rds-instance' ? 'instance' : 'cluster'} ${database.identifier}`,
            database.region,
          );
    await deps.backups
      .fail(id, explained instanceof Error ? explained.message : String(explained))
      .catch(() => undefined);
    throw explained;
  }
}

async function snapshot(
  deps: ProcessorDeps,
  ask: BackupAsk,
  database: Extract<CatalogDatabase, { engine: 'rds-instance' | 'rds-cluster' }>,
  id: string,
  retainUntil: Date,
  onProgress: (progress: BackupProgress) => void,
): Promise<number | undefined> {
  const tags = {
    'created-by': 'ops-bot',
    'requested-by': ask.requester,
    'job-id': ask.jobId,
    'retain-until': retainUntil.toISOString(),
    'ops-bot-database': ask.database,
    ...(ask.reason ? { reason: ask.reason.slice(0, 250) } : {}),
  };
  await deps.rds.createSnapshot(database.region, database.engine, database.identifier, id, tags);
  const deadline = Date.now() + RDS_TIMEOUT_MS;
  for (;;) {
    const state = await deps.rds.snapshot(database.region, database.engine, id);
    if (!state)
      throw new UserError(`The snapshot ${id} disappeared while it was being created.`, { code: 'snapshot_gone' });
    onProgress({ id, percent: state.percent });
    if (state.status === 'available') {
      const sizeBytes = state.sizeGb !== undefined ? state.sizeGb * 2 ** 30 : undefined;
      await deps.backups.finish(id, { sizeBytes });
      return sizeBytes;
    }
    if (['failed', 'deleted', 'deleting', 'incompatible-restore', 'incompatible-parameters'].includes(state.status))
      throw new UserError(`RDS reports the snapshot ${id} as ${state.status}.`, { code: 'snapshot_failed' });
    if (Date.now() > deadline)
      throw new UserError(`The snapshot ${id} was not available after ${RDS_TIMEOUT_MS / 3_600_000} hours.`, {
        code: 'snapshot_timeout',
      });
    await new Promise((resolve) => setTimeout(resolve, deps.rdsPollMs ?? 15_000));
  }
}

async function dump(
  deps: ProcessorDeps,
  ask: BackupAsk,
  database: Extract<CatalogDatabase, { engine: 'postgres' }>,
  id: string,
  file: string,
  retainUntil: Date,
  onProgress: (progress: BackupProgress) => void,
): Promise<number> {
  const url = connectionString(database, ask.database);
  await mkdir(database.dir, { recursive: true });
  const partial = `${file}.partial`;
  const result = await dumpDatabase(url, partial, (bytes) => onProgress({ id, bytes }));
  await rename(partial, file);
  const manifest: Manifest = {
    database: ask.database,
    format: 'pg_dump custom',
    file: `${id}.dump`,
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    serverVersion: result.serverVersion,
    takenAt: new Date().toISOString(),
    tables: result.tables,
  };
  // Beside the dump, so the pair can be copied elsewhere and still be verified.
  const beside = {
    ...manifest,
    retainUntil: retainUntil.toISOString(),
    createdBy: 'ops-bot',
    requestedBy: ask.requester,
  };
  await writeFile(join(database.dir, `${id}.manifest.json`), `${JSON.stringify(beside, null, 2)}\n`);
  await deps.backups.finish(id, { sizeBytes: result.sizeBytes, manifest });
  return result.sizeBytes;
}
