import { userInfo } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';
import { MIGRATIONS, type Migration } from './migrations.ts';

const MIGRATION_LOCK = 7_236_011; // any constant: serialises migrations across replicas starting together

// libpq's rule: a URL without a user name connects as PGUSER, else as the operating-system user.
// pg reads $USER instead, which `npm run` and containers often leave unset.
export function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username) return url;
  parsed.username = encodeURIComponent(process.env.PGUSER ?? userInfo().username);
  return parsed.toString();
}

export function createPool(url: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: withDefaultUser(url),
    max: 10,
    connectionTimeoutMillis: 1_500,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', (error) => logger.warn({ err: error }, 'postgres connection lost'));
  return pool;
}

// A fresh machine (or a fresh test run) may name a database that does not exist yet.
export async function ensureDatabase(url: string, logger: Logger): Promise<void> {
  const probe = new pg.Client({ connectionString: withDefaultUser(url), connectionTimeoutMillis: 2_000 });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(withDefaultUser(url));
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    logger.info({ database: name }, 'created database');
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // created by a replica meanwhile
  } finally {
    await client.end();
  }
}

// BEGIN … COMMIT on one pooled connection; ROLLBACK on any error, and the connection goes back.
export async function inTransaction<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function migrate(pool: pg.Pool, logger: Logger, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  const ran = await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations
         (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const ran: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
  if (ran.length > 0) logger.info({ migrations: ran }, 'applied database migrations');
  return ran;
}
