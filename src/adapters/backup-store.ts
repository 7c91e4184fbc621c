import type pg from 'pg';
import { manifestSchema, type BackupRecord, type Manifest } from '../core/backup.ts';

// ops-bot's record of every backup it took: what, where, how big, the manifest, and until when it is
// kept. RDS snapshots also carry this in their tags; the record is what `/backup list`, verify and
// restore look up by id.

function fromRow(row: Record<string, unknown>): BackupRecord {
  const text = (value: unknown) => (value === null || value === undefined ? undefined : String(value));
  const manifest = row.manifest ? manifestSchema.safeParse(row.manifest) : undefined;
  return {
    id: String(row.id),
    database: String(row.database),
    engine: String(row.engine),
    env: String(row.env),
    status: String(row.status),
    requestedBy: String(row.requested_by),
    reason: text(row.reason),
    jobId: text(row.job_id),
    createdAt: new Date(row.created_at as string),
    completedAt: row.completed_at ? new Date(row.completed_at as string) : undefined,
    sizeBytes: row.size_bytes === null || row.size_bytes === undefined ? undefined : Number(row.size_bytes),
    location: text(row.location),
    manifest: manifest?.success ? manifest.data : undefined,
    retainUntil: new Date(row.retain_until as string),
    error: text(row.error),
  };
}

export class BackupStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async start(record: {
    id: string;
    database: string;
    engine: string;
    env: string;
    requestedBy: string;
    reason?: string | undefined;
    jobId: string;
    location: string;
    retainUntil: Date;
  }): Promise<void> {
    await this.#pool.query(
      `INSERT INTO backups (id, database, engine, env, status, requested_by, reason, job_id, location, retain_until)
       VALUES ($1, $2, $3, $4, 'creating', $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO NOTHING`,
      [
        record.id,
        record.database,
        record.engine,
        record.env,
        record.requestedBy,
        record.reason ?? null,
        record.jobId,
        record.location,
        record.retainUntil,
      ],
    );
  }

  async finish(id: string, result: { sizeBytes?: number | undefined; manifest?: Manifest | undefined }): Promise<void> {
    await this.#pool.query(
      "UPDATE backups SET status = 'available', completed_at = now(), size_bytes = $2, manifest = $3 WHERE id = $1",
      [id, result.sizeBytes ?? null, result.manifest ? JSON.stringify(result.manifest) : null],
    );
  }

  // A finished backup ops-bot has no row for (the sandbox re-adopts its dumps after a reset): inserted as
  // available, never over an existing row. True when it was adopted.
  async adopt(record: {
    id: string;
    database: string;
    env: string;
    requestedBy: string;
    reason: string;
    location: string;
    manifest: Manifest;
    retainUntil: Date;
  }): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO backups (id, database, engine, env, status, requested_by, reason, location, retain_until,
                            created_at, completed_at, size_bytes, manifest)
       VALUES ($1, $2, 'postgres', $3, 'available', $4, $5, $6, $7, $8, $8, $9, $10)
       ON CONFLICT (id) DO NOTHING`,
      [
        record.id,
        record.database,
        record.env,
        record.requestedBy,
        record.reason,
        record.location,
        record.retainUntil,
        new Date(record.manifest.takenAt),
        record.manifest.sizeBytes,
        JSON.stringify(record.manifest),
      ],
    );
    return rowCount === 1;
  }

  async fail(id: string, error: string): Promise<void> {
    await this.#pool.query("UPDATE backups SET status = 'failed', completed_at = now(), error = $2 WHERE id = $1", [
      id,
      error,
    ]);
  }

  async markDeleted(id: string): Promise<void> {
    await this.#pool.query("UPDATE backups SET status = 'deleted' WHERE id = $1", [id]);
  }

  async get(id: string): Promise<BackupRecord | undefined> {
    const { rows } = await this.#pool.query('SELECT * FROM backups WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(database: string, limit: number): Promise<BackupRecord[]> {
    const { rows } = await this.#pool.query(
      "SELECT * FROM backups WHERE database = $1 AND status <> 'deleted' ORDER BY created_at DESC LIMIT $2",
      [database, limit],
    );
    return rows.map(fromRow);
  }

  // The newest backup of each database with this status (any status when undefined), by when it started.
  async newestByDatabase(status?: string): Promise<Map<string, BackupRecord>> {
    const { rows } = await this.#pool.query(
      `SELECT DISTINCT ON (database) * FROM backups WHERE status <> 'deleted' AND ($1::text IS NULL OR status = $1)
       ORDER BY database, created_at DESC`,
      [status ?? null],
    );
    return new Map(rows.map((row) => [String(row.database), fromRow(row)]));
  }

  async recordVerify(verify: {
    backupId: string;
    database: string;
    passed: boolean;
    jobId: string;
    requestedBy: string;
    error?: string | undefined;
  }): Promise<void> {
    await this.#pool.query(
      `INSERT INTO backup_verifies (backup_id, database, passed, job_id, requested_by, error)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [verify.backupId, verify.database, verify.passed, verify.jobId, verify.requestedBy, verify.error ?? null],
    );
  }

  // Each database's last restore drill that passed: which backup, and when.
  async lastPassedVerifies(): Promise<Map<string, { backupId: string; at: Date }>> {
    const { rows } = await this.#pool.query(
      `SELECT DISTINCT ON (database) database, backup_id, finished_at FROM backup_verifies WHERE passed
       ORDER BY database, finished_at DESC`,
    );
    return new Map(
      rows.map((row) => [String(row.database), { backupId: String(row.backup_id), at: new Date(row.finished_at) }]),
    );
  }

  // True for the one caller (across replicas) that records this breach first: the one that announces it.
  async claimBreach(database: string, newestBackup: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'INSERT INTO backup_rpo_breaches (database, newest_backup) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [database, newestBackup],
    );
    return rowCount === 1;
  }

  async expired(now: Date): Promise<BackupRecord[]> {
    const { rows } = await this.#pool.query(
      "SELECT * FROM backups WHERE status = 'available' AND retain_until < $1 ORDER BY retain_until",
      [now],
    );
    return rows.map(fromRow);
  }
}
