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

const QUERY_TIMEOUT_MS = 30_000;

export function createPool(url: string, logger: Logger, queryTimeoutMs = QUERY_TIMEOUT_MS): pg.Pool {
  const pool = new pg.Pool({
    connectionString: withDefaultUser(url),
    max: 10,
    connectionTimeoutMillis: 1_500,
    idleTimeoutMillis: 30_000,
    // A server that stops answering (a network partition, a black hole) would hold a pooled connection
    // forever, and with all ten held every later query waits for a connection that never frees. No
    // query of the bot runs this long; a timed-out connection is destroyed, not reused.
    query_timeout: queryTimeoutMs,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', (error) => logger.warn({ err: error }, 'postgres connection lost'));
  return pool;
}

// A fresh machine (or a fresh test run) may name a database that does not exist yet.
// What start-up errors and logs show of DATABASE_URL: where, never the password.
export function postgresShown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL (not a URL)';
  }
}

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

// pg-pool takes its own error listener off a client it hands out. A connection lost between two queries of a
// transaction (while the code awaits Redis or Slack) then emits 'error' with no listener, which ends the process.
// While checked out, a loss is remembered instead, and the connection is destroyed when it is released.
function watchCheckedOut(client: pg.PoolClient): { lost: () => Error | undefined; stop: () => void } {
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  return { lost: () => lost, stop: () => client.off('error', onError) };
}

// BEGIN … COMMIT on one pooled connection; ROLLBACK on any error, and the connection goes back.
export async function inTransaction<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const watch = watchCheckedOut(client);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // After a read timeout the connection still waits for the lost answer: ROLLBACK would queue
    // behind it, so the connection is destroyed instead (the server rolls back what it had).
    broken = isReadTimeout(error) ? (error as Error) : undefined;
    if (!broken && !watch.lost())
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
    throw error;
  } finally {
    watch.stop();
    client.release(broken ?? watch.lost());
  }
}

function isReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

export class DeadlinePassed extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${Math.round(ms)} ms`);
    this.name = 'DeadlinePassed';
  }
}

// A connection within `ms`, or DeadlinePassed. The pool's own connection timeout may be longer than
// what is left: a connection that arrives after we stopped waiting goes straight back.
async function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient> {
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new DeadlinePassed('connecting to PostgreSQL', ms));
    }, ms);
  });
  connecting.then(
    (client) => (late ? client.release() : undefined),
    () => undefined,
  );
  try {
    return await Promise.race([connecting, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// BEGIN … COMMIT that either commits within `ms` or is abandoned: the connection is then destroyed,
// so PostgreSQL rolls back whatever it had of the transaction and no half-done write lands later.
// (Only a COMMIT the server applied while its answer was still on the way can outlive the deadline;
// callers record what became of such a request afterwards.)
export async function inTransactionWithin<T>(
  pool: pg.Pool,
  ms: number,
  run: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  if (ms <= 0) throw new DeadlinePassed('the PostgreSQL transaction', ms);
  const client = await connectWithin(pool, ms);
  // Taken off only when the connection goes back to the pool: an abandoned one is being destroyed, and a late
  // 'error' from it must still land somewhere.
  const watch = watchCheckedOut(client);
  const left = Math.max(1, ms - (performance.now() - started));
  let timer: NodeJS.Timeout | undefined;
  let abandoned = false;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      abandoned = true;
      client.release(new DeadlinePassed('the PostgreSQL transaction', ms));
      reject(new DeadlinePassed('the PostgreSQL transaction', ms));
    }, left);
  });
  const work = (async () => {
    await client.query('BEGIN');
    await client.query(`SET LOCAL statement_timeout = ${Math.ceil(left)}`);
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  })();
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    if (!abandoned && !watch.lost()) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    if (!abandoned) {
      watch.stop();
      client.release(watch.lost());
    }
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
